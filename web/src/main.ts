// The how-old page: a photo goes to POST /v1/ages; each face comes back with a box, an age and an interval.

interface ApiFace {
  box: { x: number; y: number; width: number; height: number };
  age: number;
  low: number;
  high: number;
  gender?: { label: 'male' | 'female'; probability: number };
  score: number;
}
interface ApiResult {
  faces: ApiFace[];
  width: number;
  height: number;
  model: string;
  ms: number;
}
interface ApiError {
  error: { code: string; message: string };
}

const COLOURS = ['#ffb400', '#00c2ff', '#ff4f81', '#7ddc1f', '#b98cff', '#ff7a2f'];

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const drop = $<HTMLElement>('drop');
const empty = $<HTMLElement>('empty');
const stage = $<HTMLElement>('stage');
const photo = $<HTMLImageElement>('photo');
const facesLayer = $<HTMLElement>('faces');
const busy = $<HTMLElement>('busy');
const fileInput = $<HTMLInputElement>('file');
const status = $<HTMLElement>('status');
const errorBox = $<HTMLElement>('error');
const list = $<HTMLOListElement>('list');
const again = $<HTMLElement>('again');

let objectUrl: string | undefined;
let current = 0;

/** What to tell a person, by the API's error code; the server's own message follows as detail. */
function friendly(code: string, status: number, name: string): string {
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
      return status >= 500 ? 'Something went wrong on the server. Try again.' : 'That upload did not work.';
  }
}

function showError(message: string, detail?: string): void {
  const strong = document.createElement('strong');
  strong.textContent = message;
  errorBox.replaceChildren(strong);
  if (detail) {
    const small = document.createElement('span');
    small.className = 'detail';
    small.textContent = `Server said: ${detail}`;
    errorBox.append(small);
  }
  errorBox.hidden = false;
  status.textContent = '';
}

function clearFaces(): void {
  facesLayer.replaceChildren();
  list.replaceChildren();
}

const pct = (v: number, of: number) => `${Math.min(100, Math.max(0, (v / of) * 100)).toFixed(3)}%`;
const years = (v: number) => Math.round(v).toString();

function rangeText(face: ApiFace): string {
  const gender = face.gender ? ` · ${face.gender.label}` : '';
  return `likely ${years(face.low)}–${years(face.high)}${gender}`;
}

function drawFaces(result: ApiResult): void {
  clearFaces();
  // numbered and coloured left to right, so the list below reads in the same order as the photo
  const faces = [...result.faces].sort((a, b) => a.box.x + a.box.width / 2 - (b.box.x + b.box.width / 2));
  faces.forEach((face, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const { x, y, width, height } = face.box;
    const left = Math.max(0, x);
    const top = Math.max(0, y);
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'face';
    button.style.left = pct(left, result.width);
    button.style.top = pct(top, result.height);
    button.style.width = pct(Math.min(x + width, result.width) - left, result.width);
    button.style.height = pct(Math.min(y + height, result.height) - top, result.height);
    button.style.setProperty('--colour', colour);
    button.setAttribute('aria-label', `Face ${i + 1}: about ${years(face.age)} years old, ${rangeText(face)}`);
    // a tag above the box, or below it when the face touches the top of the photo
    if (top / result.height < 0.08) button.classList.add('tag-below');

    const tag = document.createElement('span');
    tag.className = 'tag';
    tag.textContent = years(face.age);
    const tip = document.createElement('span');
    tip.className = 'tip';
    tip.textContent = rangeText(face);
    button.append(tag, tip);
    button.addEventListener('click', () => {
      const wasActive = button.classList.contains('active');
      facesLayer.querySelectorAll('.face.active').forEach((el) => el.classList.remove('active'));
      if (!wasActive) button.classList.add('active');
    });
    facesLayer.append(button);

    const item = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = colour;
    item.append(swatch, `About ${years(face.age)} (${rangeText(face)})`);
    list.append(item);
  });
  const n = result.faces.length;
  status.textContent = n === 0 ? 'No faces found in this photo.' : `${n} face${n === 1 ? '' : 's'} found in ${result.ms} ms.`;
}

async function estimate(file: Blob, name: string): Promise<void> {
  const request = ++current;
  errorBox.hidden = true;
  status.textContent = '';
  clearFaces();
  if (objectUrl) URL.revokeObjectURL(objectUrl);
  objectUrl = URL.createObjectURL(file);
  photo.src = objectUrl;
  photo.alt = `The photo ${name}`;
  empty.hidden = true;
  stage.hidden = false;
  again.hidden = false;
  busy.hidden = false;
  try {
    const type = file.type.startsWith('image/') ? file.type : 'application/octet-stream';
    const response = await fetch('./v1/ages', { method: 'POST', body: file, headers: { 'content-type': type } });
    const body = (await response.json().catch(() => undefined)) as ApiResult | ApiError | undefined;
    if (request !== current) return;
    if (!response.ok || !body || 'error' in body) {
      const err = body && 'error' in body ? body.error : { code: 'http', message: `HTTP ${response.status}` };
      stage.hidden = err.code !== 'busy' && err.code !== 'timeout';
      empty.hidden = !stage.hidden;
      again.hidden = !empty.hidden;
      showError(friendly(err.code, response.status, name), err.message);
      return;
    }
    drawFaces(body);
  } catch (err) {
    if (request === current) showError('Could not reach the server. Check the connection and try again.');
  } finally {
    if (request === current) busy.hidden = true;
  }
}

async function trySample(): Promise<void> {
  const response = await fetch('./sample.png');
  if (!response.ok) return showError('The sample photo is missing on this server.');
  await estimate(await response.blob(), 'sample.png');
}

fileInput.addEventListener('change', () => {
  const file = fileInput.files?.[0];
  if (file) void estimate(file, file.name);
  fileInput.value = '';
});
$('sample').addEventListener('click', () => void trySample());
$('sample2').addEventListener('click', () => void trySample());

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
// a tap outside every face hides the interval shown by the last tap
document.addEventListener('click', (event) => {
  if (!(event.target as Element).closest('.face')) facesLayer.querySelectorAll('.face.active').forEach((el) => el.classList.remove('active'));
});
