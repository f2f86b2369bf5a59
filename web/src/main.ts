// The how-old page. By default the photo is read and its faces found in this page (howold/browser on
// onnxruntime-web): nothing is uploaded. The howold server (POST /v1/ages) is an option where the page is served
// by `howold serve`. The camera mode tracks faces across frames and smooths each one's age.
import {
  createBrowserEstimator,
  createFaceTracker,
  decodeInBrowser,
  layoutTags,
  probabilityUnder,
  tagColour,
  type BrowserAgeEstimator,
  type Rect,
} from 'howold/browser';
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import ortWebGpuWasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';

declare const __HOWOLD_ASSETS_VERSION__: string;
const CACHE = `howold-models-${__HOWOLD_ASSETS_VERSION__}`;

/** One face as the page draws it, from the device or the server. */
interface ShownFace {
  box: { x: number; y: number; width: number; height: number };
  age: number;
  low: number;
  high: number;
  distribution?: number[];
  gender?: { label: 'male' | 'female'; probability: number };
  /** A camera track's id: keeps its number and colour while it is tracked. */
  id?: number;
}
interface ShownResult {
  width: number;
  height: number;
  faces: ShownFace[];
}
interface ApiError {
  error: { code: string; message: string };
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const drop = $<HTMLElement>('drop');
const empty = $<HTMLElement>('empty');
const stage = $<HTMLElement>('stage');
const photo = $<HTMLImageElement>('photo');
const video = $<HTMLVideoElement>('video');
const facesLayer = $<HTMLElement>('faces');
const tip = $<HTMLElement>('tip');
const busy = $<HTMLElement>('busy');
const busyText = $<HTMLElement>('busy-text');
const fileInput = $<HTMLInputElement>('file');
const status = $<HTMLElement>('status');
const errorBox = $<HTMLElement>('error');
const list = $<HTMLOListElement>('list');
const again = $<HTMLElement>('again');
const privacy = $<HTMLElement>('privacy');
const modelState = $<HTMLElement>('model-state');
const stopButton = $<HTMLButtonElement>('stop');

let objectUrl: string | undefined;
let current = 0;
let where: 'device' | 'server' = 'device';
let shown: ShownResult | undefined;

// ---------------------------------------------------------------------------------------------------------------
// The on-device estimator, loading from the first moment (the models are cached after the first visit)

let loadedBytes = 0;
const estimatorReady: Promise<BrowserAgeEstimator> = createBrowserEstimator({
  modelUrl: './models/default/',
  detectorUrl: './models/detector/',
  wasmPaths: { wasm: ortWasm, webgpu: ortWebGpuWasm },
  cache: CACHE,
  onFetch: (_url, bytes, fromCache) => {
    if (!fromCache) loadedBytes += bytes;
  },
});
estimatorReady.then(
  (e) => {
    document.body.dataset.engine = `${e.backend}:${e.threads}`;
    modelState.textContent = `Ready: the models run in this page (${e.backend === 'webgpu' ? 'WebGPU' : 'WebAssembly'}, ${e.threads} thread${e.threads === 1 ? '' : 's'}).`;
    document.body.dataset.models = 'ready';
  },
  (err: unknown) => {
    document.body.dataset.models = 'failed';
    modelState.textContent = 'The models could not be loaded in this browser.';
    showError('The models could not be loaded in this browser.', err instanceof Error ? err.message : String(err));
  },
);
// caches of older builds' models are dropped
if (typeof caches !== 'undefined') {
  void caches.keys().then((keys) => keys.filter((k) => k.startsWith('howold-models-') && k !== CACHE).forEach((k) => void caches.delete(k)));
}

// The server is an option only where there is one (a static host has no /healthz).
const serverChoice = $<HTMLElement>('server-choice');
serverChoice.hidden = true;
void fetch('./healthz', { cache: 'no-store' })
  .then((r) => (r.ok ? r.json() : undefined))
  .then((body: { status?: string } | undefined) => {
    serverChoice.hidden = body?.status !== 'ok';
  })
  .catch(() => undefined);
document.querySelectorAll<HTMLInputElement>('input[name="where"]').forEach((input) =>
  input.addEventListener('change', () => {
    where = input.value === 'server' ? 'server' : 'device';
    privacy.textContent =
      where === 'device'
        ? 'Your photo never leaves this device: the models run in this page.'
        : 'Your photo is sent to the howold server to find the faces; it is not kept.';
    privacy.classList.toggle('sent', where === 'server');
  }),
);

// ---------------------------------------------------------------------------------------------------------------
// Drawing

/** What to tell a person, by the error code; the technical message follows as detail. */
function friendly(code: string, name: string): string {
  switch (code) {
    case 'not_an_image':
    case 'unsupported_media_type':
    case 'unsupported_format':
      return `${name} isn't a photo we can read. Try a JPEG, PNG or WebP image.`;
    case 'corrupt':
    case 'decode_failed':
      return `${name} seems damaged or incomplete. Try another photo.`;
    case 'too_large':
      return `${name} is too large to upload (the limit is 10 MB).`;
    case 'too_many_pixels':
      return `${name} has too many pixels. Try a smaller version of it.`;
    case 'empty':
      return `${name} is empty.`;
    case 'busy':
    case 'timeout':
      return 'The server is busy right now. Try again in a moment.';
    default:
      return 'That did not work.';
  }
}

function showError(message: string, detail?: string): void {
  const strong = document.createElement('strong');
  strong.textContent = message;
  errorBox.replaceChildren(strong);
  if (detail) {
    const small = document.createElement('span');
    small.className = 'detail';
    small.textContent = detail;
    errorBox.append(small);
  }
  errorBox.hidden = false;
  status.textContent = '';
}

function clearFaces(): void {
  facesLayer.replaceChildren();
  list.replaceChildren();
  tip.hidden = true;
  shown = undefined;
}

const pct = (v: number, of: number) => `${Math.min(100, Math.max(0, (v / of) * 100)).toFixed(3)}%`;
const years = (v: number) => Math.round(v).toString();
const percent = (p: number) => (p < 0.01 ? '<1%' : p > 0.99 ? '>99%' : `${Math.round(p * 100)}%`);

function details(face: ShownFace, n: number): string {
  const parts = [`Face ${n}: about ${years(face.age)}`, `80% likely ${face.low.toFixed(1)}–${face.high.toFixed(1)} years`];
  if (face.distribution) parts.push(`P(under 18) ${percent(probabilityUnder({ distribution: face.distribution }, 18))}`);
  if (face.gender) parts.push(`${face.gender.label} ${percent(face.gender.probability)}`);
  return parts.join(' · ');
}

function drawFaces(result: ShownResult, summary: string | undefined): void {
  const activeNumber = facesLayer.querySelector<HTMLElement>('.face.active')?.dataset.number;
  facesLayer.replaceChildren();
  list.replaceChildren();
  shown = result;
  // numbered left to right (a camera track keeps its own number), so the list reads in the order of the photo
  const faces = result.faces
    .map((face, i) => ({ face, i }))
    .sort((a, b) => (a.face.id ?? 0) - (b.face.id ?? 0) || a.face.box.x + a.face.box.width / 2 - (b.face.box.x + b.face.box.width / 2));
  faces.forEach(({ face }, order) => {
    const n = face.id ?? order + 1;
    const colour = tagColour(n - 1);
    const { x, y, width, height } = face.box;
    const left = Math.max(0, x);
    const top = Math.max(0, y);
    const el = document.createElement('button');
    el.type = 'button';
    el.className = 'face';
    el.style.left = pct(left, result.width);
    el.style.top = pct(top, result.height);
    el.style.width = pct(Math.min(x + width, result.width) - left, result.width);
    el.style.height = pct(Math.min(y + height, result.height) - top, result.height);
    el.style.setProperty('--colour', colour);
    Object.assign(el.dataset, {
      number: String(n),
      age: face.age.toFixed(2),
      low: face.low.toFixed(2),
      high: face.high.toFixed(2),
      x: x.toFixed(1),
      y: y.toFixed(1),
      width: width.toFixed(1),
      height: height.toFixed(1),
      ...(face.distribution ? { under18: probabilityUnder({ distribution: face.distribution }, 18).toFixed(4) } : {}),
    });
    const text = details(face, n);
    el.setAttribute('aria-label', text);
    el.dataset.details = text;
    if (String(n) === activeNumber) el.classList.add('active');

    const tag = document.createElement('span');
    tag.className = 'tag';
    const num = document.createElement('span');
    num.className = 'num';
    num.textContent = String(n);
    const age = document.createElement('span');
    age.className = 'age';
    age.textContent = years(face.age);
    const range = document.createElement('span');
    range.className = 'range';
    range.textContent = `${years(face.low)}–${years(face.high)}`;
    tag.append(num, age, range);
    el.append(tag);
    el.addEventListener('mouseenter', () => showTip(el));
    el.addEventListener('mouseleave', () => {
      if (!el.classList.contains('active')) tip.hidden = true;
    });
    el.addEventListener('focus', () => showTip(el));
    el.addEventListener('click', () => {
      const wasActive = el.classList.contains('active');
      facesLayer.querySelectorAll('.face.active').forEach((f) => f.classList.remove('active'));
      if (wasActive) tip.hidden = true;
      else {
        el.classList.add('active');
        showTip(el);
      }
    });
    facesLayer.append(el);

    const item = document.createElement('li');
    item.value = n;
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = colour;
    swatch.textContent = String(n);
    item.append(swatch, text.replace(/^Face \d+: /, ''));
    list.append(item);
  });
  placeTags();
  const active = facesLayer.querySelector<HTMLElement>('.face.active');
  if (active) showTip(active);
  if (summary !== undefined) status.textContent = summary;
}

/** Puts each tag where it covers no face and no other tag (core/tag-layout.ts), in the pixels the photo is shown at. */
function placeTags(): void {
  const W = facesLayer.clientWidth;
  const H = facesLayer.clientHeight;
  if (!W || !H) return;
  const els = [...facesLayer.querySelectorAll<HTMLElement>('.face')];
  const boxes: Rect[] = els.map((el) => ({ x: el.offsetLeft, y: el.offsetTop, width: el.offsetWidth, height: el.offsetHeight }));
  const tags = els.map((el) => el.querySelector<HTMLElement>('.tag')!);
  const sizes = tags.map((t) => ({ width: t.offsetWidth, height: t.offsetHeight }));
  const spots = layoutTags(boxes, sizes, W, H);
  spots.forEach((spot, i) => {
    tags[i]!.style.left = `${spot.x - boxes[i]!.x}px`;
    tags[i]!.style.top = `${spot.y - boxes[i]!.y}px`;
    tags[i]!.dataset.covers = String(spot.covers);
  });
}

/**
 * Shows the face's details beside its tag: above the tag or below the face, wherever the bubble covers the least of
 * any face (the described one first), inside the photo.
 */
function showTip(el: HTMLElement): void {
  tip.textContent = el.dataset.details ?? '';
  tip.hidden = false;
  const W = facesLayer.clientWidth;
  const H = facesLayer.clientHeight;
  const tag = el.querySelector<HTMLElement>('.tag')!;
  const tagTop = el.offsetTop + tag.offsetTop;
  const tagBottom = tagTop + tag.offsetHeight;
  tip.style.maxWidth = `${Math.min(300, Math.max(160, W - 8))}px`;
  const w = tip.offsetWidth;
  const h = tip.offsetHeight;
  const centre = el.offsetLeft + el.offsetWidth / 2;
  const left = Math.min(Math.max(4, centre - w / 2), Math.max(4, W - w - 4));
  const boxes = [...facesLayer.querySelectorAll<HTMLElement>('.face')].map((f) => ({ f, x: f.offsetLeft, y: f.offsetTop, w: f.offsetWidth, h: f.offsetHeight }));
  const covered = (top: number) =>
    boxes.reduce((sum, b) => {
      const ow = Math.min(left + w, b.x + b.w) - Math.max(left, b.x);
      const oh = Math.min(top + h, b.y + b.h) - Math.max(top, b.y);
      return sum + (ow > 0 && oh > 0 ? ow * oh * (b.f === el ? 10 : 1) : 0);
    }, 0);
  const candidates = [Math.min(tagTop, el.offsetTop) - h - 4, Math.max(tagBottom, el.offsetTop + el.offsetHeight) + 4]
    .map((top) => Math.min(Math.max(0, top), Math.max(0, H - h)))
    .sort((a, b) => covered(a) - covered(b));
  tip.style.left = `${left}px`;
  tip.style.top = `${candidates[0]}px`;
}

new ResizeObserver(() => {
  if (!shown) return;
  placeTags();
  const active = facesLayer.querySelector<HTMLElement>('.face.active');
  if (active) showTip(active);
}).observe(facesLayer);

// ---------------------------------------------------------------------------------------------------------------
// A photo

class PageError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function onDevice(file: Blob, name: string): Promise<{ result: ShownResult; how: string }> {
  busyText.textContent = document.body.dataset.models === 'ready' ? 'Finding faces…' : 'Loading the models…';
  const estimator = await estimatorReady;
  busyText.textContent = 'Finding faces…';
  // the array form: each photo's size with its faces, and a photo that cannot be used as its error
  const [result] = await estimator([file], { names: [name] }).catch((err: unknown) => {
    const e = err as { code?: string; message?: string };
    throw new PageError(e.code ?? 'error', e.message ?? String(err));
  });
  if (!result || result.error) throw new PageError(result?.error.code ?? 'error', result?.error.message ?? 'no result');
  return { result, how: 'on this device' };
}

async function onServer(file: Blob): Promise<{ result: ShownResult; how: string }> {
  busyText.textContent = 'Sending the photo…';
  const type = file.type.startsWith('image/') ? file.type : 'application/octet-stream';
  let response: Response;
  try {
    response = await fetch('./v1/ages?distribution=1', { method: 'POST', body: file, headers: { 'content-type': type } });
  } catch {
    throw new PageError('network', 'Could not reach the server. Check the connection and try again.');
  }
  const body = (await response.json().catch(() => undefined)) as ShownResult | ApiError | undefined;
  if (!response.ok || !body || 'error' in body) {
    const err = body && 'error' in body ? body.error : { code: 'http', message: `HTTP ${response.status}` };
    throw new PageError(err.code, `Server said: ${err.message}`);
  }
  return { result: body, how: 'on the server' };
}

async function estimate(file: Blob, name: string): Promise<void> {
  stopCamera();
  const request = ++current;
  errorBox.hidden = true;
  status.textContent = '';
  clearFaces();
  if (objectUrl) URL.revokeObjectURL(objectUrl);
  objectUrl = URL.createObjectURL(file);
  photo.hidden = false;
  video.hidden = true;
  photo.src = objectUrl;
  photo.alt = `The photo ${name}`;
  empty.hidden = true;
  stage.hidden = false;
  again.hidden = false;
  busy.hidden = false;
  const started = performance.now();
  try {
    const { result, how } = where === 'device' ? await onDevice(file, name) : await onServer(file);
    if (request !== current) return;
    if (!photo.complete) await new Promise((resolve) => photo.addEventListener('load', resolve, { once: true }));
    const n = result.faces.length;
    const ms = Math.round(performance.now() - started);
    drawFaces(result, n === 0 ? 'No faces found in this photo.' : `${n} face${n === 1 ? '' : 's'} found in ${ms} ms ${how}.`);
    finished(name, ms);
  } catch (err) {
    if (request !== current) return;
    finished(name, -1);
    const e = err instanceof PageError ? err : new PageError('error', err instanceof Error ? err.message : String(err));
    const unusable = !['busy', 'timeout', 'network'].includes(e.code);
    stage.hidden = unusable;
    empty.hidden = !unusable;
    again.hidden = unusable;
    showError(e.code === 'network' ? e.message : friendly(e.code, name), e.message);
  } finally {
    if (request === current) busy.hidden = true;
  }
}

/** For tests and the benchmark: the photos finished so far, and the last one's name and time. */
function finished(name: string, ms: number): void {
  document.body.dataset.done = String(Number(document.body.dataset.done ?? 0) + 1);
  document.body.dataset.photo = name;
  document.body.dataset.ms = String(ms);
}

async function trySample(): Promise<void> {
  const response = await fetch('./sample.png');
  if (!response.ok) return showError('The sample photo is missing here.');
  await estimate(await response.blob(), 'sample.png');
}

// ---------------------------------------------------------------------------------------------------------------
// The camera: live video, faces tracked across frames, each face's age smoothed; off whenever the tab is hidden

let stream: MediaStream | undefined;
let cameraRun = 0;

async function startCamera(): Promise<void> {
  if (stream) return;
  const run = ++cameraRun;
  ++current;
  errorBox.hidden = true;
  clearFaces();
  empty.hidden = true;
  stage.hidden = false;
  again.hidden = false;
  photo.hidden = true;
  video.hidden = false;
  busy.hidden = false;
  busyText.textContent = 'Starting the camera…';
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'user', width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
  } catch (err) {
    busy.hidden = true;
    stage.hidden = true;
    empty.hidden = false;
    return showError('The camera is not available.', err instanceof Error ? err.message : String(err));
  }
  if (run !== cameraRun) return stopStream();
  video.srcObject = stream;
  await video.play();
  document.body.dataset.camera = 'on';
  stopButton.hidden = false;
  $('camera2').hidden = true;
  busyText.textContent = 'Loading the models…';
  const estimator = await estimatorReady;
  busy.hidden = true;
  const tracker = createFaceTracker();
  let frames = 0;
  let started = performance.now();
  while (run === cameraRun && stream) {
    const frame = await decodeInBrowser(video, 640, 'camera');
    const result = await estimator.estimateDecoded(frame);
    if (run !== cameraRun) break;
    const tracks = tracker.update(result.faces).filter((t) => t.missed === 0);
    frames += 1;
    const fps = (frames * 1000) / (performance.now() - started);
    if (frames > 30) {
      frames = 0;
      started = performance.now();
    }
    drawFaces(
      { width: result.width, height: result.height, faces: tracks },
      `${tracks.length} face${tracks.length === 1 ? '' : 's'} · ${fps.toFixed(1)} frames a second on this device`,
    );
    document.body.dataset.frames = String(Number(document.body.dataset.frames ?? 0) + 1);
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
}

function stopStream(): void {
  stream?.getTracks().forEach((t) => t.stop());
  stream = undefined;
}

function stopCamera(reason?: string): void {
  if (!stream && document.body.dataset.camera !== 'on') return;
  cameraRun += 1;
  stopStream();
  video.srcObject = null;
  document.body.dataset.camera = 'off';
  stopButton.hidden = true;
  $('camera2').hidden = false;
  if (reason) status.textContent = reason;
}

document.addEventListener('visibilitychange', () => {
  if (document.hidden && stream) stopCamera('The camera was turned off because the page was hidden.');
});

// ---------------------------------------------------------------------------------------------------------------

fileInput.addEventListener('change', () => {
  const file = fileInput.files?.[0];
  if (file) void estimate(file, file.name);
  fileInput.value = '';
});
$('sample').addEventListener('click', () => void trySample());
$('sample2').addEventListener('click', () => void trySample());
$('camera').addEventListener('click', () => void startCamera());
$('camera2').addEventListener('click', () => void startCamera());
stopButton.addEventListener('click', () => stopCamera('The camera is off.'));

drop.addEventListener('dragover', (event) => {
  event.preventDefault();
  drop.classList.add('dragging');
});
drop.addEventListener('dragleave', () => drop.classList.remove('dragging'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('dragging');
  const file = event.dataTransfer?.files[0];
  if (file) void estimate(file, file.name);
});
document.addEventListener('paste', (event) => {
  const file = [...(event.clipboardData?.files ?? [])].find((f) => f.type.startsWith('image/'));
  if (file) void estimate(file, file.name || 'pasted image');
});
// a tap outside every face hides the details shown by the last tap
document.addEventListener('click', (event) => {
  if (!(event.target as Element).closest('.face')) {
    facesLayer.querySelectorAll('.face.active').forEach((el) => el.classList.remove('active'));
    tip.hidden = true;
  }
});
// for the benchmark: bytes fetched from the network for the models and runtime
Object.defineProperty(window, 'howoldLoadedBytes', { get: () => loadedBytes });
