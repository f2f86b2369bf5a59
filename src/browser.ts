/**
 * howold/browser: the same detector, alignment and age model as `howold`, in the browser on onnxruntime-web
 * (wasm with SIMD; threads when the page is cross-origin isolated; WebGPU where the browser has it). Photos are
 * decoded by the browser (EXIF orientation applied) and never leave the page.
 *
 * ```ts
 * import { createBrowserEstimator } from 'howold/browser';
 *
 * const estimate = await createBrowserEstimator({
 *   modelUrl: './models/default/', detectorUrl: './models/detector/', wasmPaths: './ort/',
 * });
 * const faces = await estimate(file); // a File/Blob, <img>, <video>, <canvas>, ImageBitmap or ImageData; throws a HowoldError
 * const results = await estimate([...input.files]); // one { input, width, height, faces } | { input, error } per photo
 * await estimate.dispose();
 * ```
 *
 * Everything after decoding is the Node library's own code (detect/pipeline.ts, detect/ort-engine.ts,
 * image/align.ts, infer/age-pipeline.ts, infer/estimate-call.ts), with the same call shape and options; this file only
 * fetches the models, opens the sessions and decodes.
 */
import type * as Ort from 'onnxruntime-web';
import { checkBoolean, checkInteger, invalid, isPlainObject } from './core/checks.js';
import { ERROR_CODES, errorCode, errorMessage, HowoldError, InputError, type HowoldErrorCode } from './core/errors.js';
import type { ModelMeta } from './core/model-meta.js';
import { parseModelMeta } from './core/model-meta-schema.js';
import type { OrtRuntime, OrtSession } from './core/ort.js';
import type { AgeEstimate, DetectedFace, Face, RgbImage } from './core/types.js';
import { checkSessionInput, ortDetectionEngine, readDetectorFiles, releaseSessions } from './detect/ort-engine.js';
import { detectorFromEngine, type DetectOptions, type DetectorOptions, type FaceDetector, type FaceDetectorName } from './detect/pipeline.js';
import { DEFAULT_MAX_SIDE, type DecodedImage } from './image/photo-pixels.js';
import { isRgbImage } from './core/rgb-image.js';
import { agePipeline, type PhotoFaces } from './infer/age-pipeline.js';
import {
  checkAgeCallOptions,
  checkImageName,
  checkImageNames,
  checkInterval,
  decodeSlots,
  facesOrThrow,
  type AgeCallOptions,
  type EstimateResult,
  type PhotoEstimate,
  type PhotoFailure,
} from './infer/estimate-call.js';
import { ortModelRunner } from './infer/ort-runner.js';

export type {
  AgeCallOptions,
  AgeEstimate,
  DecodedImage,
  DetectedFace,
  DetectOptions,
  DetectorOptions,
  EstimateResult,
  Face,
  FaceDetector,
  FaceDetectorName,
  ModelMeta,
  PhotoEstimate,
  PhotoFaces,
  PhotoFailure,
  RgbImage,
};
export { HowoldError, InputError, ERROR_CODES, errorCode, errorMessage, DEFAULT_MAX_SIDE, type HowoldErrorCode };
export { probabilityUnder } from './infer/age-pipeline.js';
export { iou } from './detect/pipeline.js';
export { layoutTags, tagColour, type Rect, type TagSpot } from './core/tag-layout.js';
export { createFaceTracker, type FaceTracker, type TrackedFace, type TrackerOptions } from './infer/track.js';

export const DEFAULT_CACHE = 'howold-models-v1';

export type BrowserBackend = 'wasm' | 'webgpu';

export interface BrowserEstimatorOptions {
  /** Folder (URL) of the age model: howold.json and model.onnx. */
  modelUrl: string | URL;
  /** Folder (URL) of the detector: models/detector's files. */
  detectorUrl: string | URL;
  /**
   * Where onnxruntime-web's .wasm files are served, set as ort.env.wasm.wasmPaths so nothing comes from a CDN: a
   * folder holding them under their own names (node_modules/onnxruntime-web/dist), or each file's URL (a bundler's
   * asset URLs): `wasm` for ort-wasm-simd-threaded.wasm, `webgpu` for ort-wasm-simd-threaded.asyncify.wasm.
   */
  wasmPaths: string | URL | { wasm: string | URL; webgpu?: string | URL };
  /** 'auto' (default): WebGPU when the browser has an adapter, else wasm. */
  backend?: 'auto' | BrowserBackend;
  /** wasm threads. Default: up to 4 when the page is cross-origin isolated (SharedArrayBuffer), else 1. */
  threads?: number;
  /** Cache Storage name for the model and wasm files (kept after the first visit); false: HTTP cache only. */
  cache?: string | false;
  /** Quantiles reported as low and high. Default [0.1, 0.9]. */
  interval?: [number, number];
  /** Mirror test-time augmentation, as in Node. Default true. */
  flip?: boolean;
  detector?: Omit<DetectorOptions, 'engine'>;
  /** Longer side a photo is shrunk to before detection. Default 1600, as in Node. */
  maxSide?: number;
  /** Called with each file fetched and its size (for progress and the benchmark). */
  onFetch?: (url: string, bytes: number, fromCache: boolean) => void;
}

/** What the browser can decode: encoded bytes (a File or Blob) or anything canvas can draw. */
export type BrowserImageInput = Blob | ImageBitmap | HTMLImageElement | HTMLVideoElement | HTMLCanvasElement | OffscreenCanvas | ImageData | RgbImage;

/** Options of a one-photo call, as in Node: minScore, faceDetector, interval, flip, and the name in error messages. */
export interface BrowserEstimateOptions extends AgeCallOptions {
  /** Default: the File's name, else 'image'. */
  name?: string;
}

/** Options of an array call, as in Node. */
export interface BrowserEstimateBatchOptions extends AgeCallOptions {
  /** One name per photo, for `result.input` and error messages. Default: each File's name, else 'image i'. */
  names?: string[];
}

/** The same call shape as Node's AgeEstimator: one photo gives its faces, an array one result per photo. */
export interface BrowserAgeEstimator {
  /**
   * The faces of one photo with their ages, boxes in the photo's own pixels; a photo that cannot be used throws a
   * HowoldError. `options` override the estimator's for this call: `estimate(file, { minScore: 0.3 })`.
   */
  (image: BrowserImageInput, options?: BrowserEstimateOptions): Promise<Face[]>;
  /**
   * Several photos, all their faces in one model call: one result per photo, in order, `{ input, width, height,
   * faces }` or `{ input, error }` for a photo that cannot be used (never a throw for a bad photo).
   */
  (images: readonly BrowserImageInput[], options?: BrowserEstimateBatchOptions): Promise<EstimateResult[]>;
  (input: BrowserImageInput | readonly BrowserImageInput[], options?: BrowserEstimateOptions | BrowserEstimateBatchOptions): Promise<Face[] | EstimateResult[]>;
  /** The faces of an image already decoded (decodeInBrowser), e.g. a video frame, with its size. */
  estimateDecoded(image: DecodedImage, options?: AgeCallOptions): Promise<PhotoFaces>;
  readonly meta: ModelMeta;
  readonly detector: FaceDetector;
  readonly backend: BrowserBackend;
  readonly threads: number;
  /** Releases the sessions. A second call does nothing; any call after it throws HowoldError 'disposed'. */
  dispose(): Promise<void>;
}

/** Raw RGB pixels (an RgbImage-shaped object, well formed or not), as opposed to something canvas can draw. */
const isRgbLike = (v: unknown): v is RgbImage => isPlainObject(v) && (v as Partial<RgbImage>).data instanceof Uint8Array;

/**
 * Decodes `input` to RGB with the EXIF orientation applied (createImageBitmap imageOrientation 'from-image'),
 * shrunk so its longer side is at most `maxSide`. A Blob that is not an image throws InputError 'not_an_image'.
 */
export async function decodeInBrowser(input: BrowserImageInput, maxSide = DEFAULT_MAX_SIDE, name = 'image'): Promise<DecodedImage> {
  checkInteger(maxSide, 'maxSide', 16, 16384);
  if (isRgbLike(input)) {
    if (!isRgbImage(input)) throw new InputError('bad_pixels', 'raw pixels must be width*height*3 RGB bytes', name);
    return { ...input, originalWidth: input.width, originalHeight: input.height };
  }
  let source: CanvasImageSource | ImageData;
  let bitmap: ImageBitmap | undefined;
  if (input instanceof Blob) {
    if (input.size === 0) throw new InputError('empty', 'empty file', name);
    try {
      bitmap = await createImageBitmap(input, { imageOrientation: 'from-image' });
    } catch {
      throw new InputError('not_an_image', 'not an image the browser can decode (expected JPEG, PNG or WebP)', name);
    }
    source = bitmap;
  } else {
    source = input;
  }
  try {
    const [width, height] = sizeOf(source);
    if (!(width > 0 && height > 0)) throw new InputError('not_an_image', 'the image has no pixels (not loaded yet?)', name);
    const scale = Math.min(1, maxSide / Math.max(width, height));
    const w = Math.max(1, Math.round(width * scale));
    const h = Math.max(1, Math.round(height * scale));
    const rgba = source instanceof ImageData && scale === 1 ? source : drawToImageData(source, w, h);
    const rgb = new Uint8Array(w * h * 3);
    const src = rgba.data;
    for (let i = 0, o = 0; i < src.length; i += 4, o += 3) {
      rgb[o] = src[i]!;
      rgb[o + 1] = src[i + 1]!;
      rgb[o + 2] = src[i + 2]!;
    }
    return { data: rgb, width: w, height: h, originalWidth: width, originalHeight: height };
  } finally {
    bitmap?.close();
  }
}

function sizeOf(source: CanvasImageSource | ImageData): [number, number] {
  if (typeof HTMLImageElement !== 'undefined' && source instanceof HTMLImageElement) return [source.naturalWidth, source.naturalHeight];
  if (typeof HTMLVideoElement !== 'undefined' && source instanceof HTMLVideoElement) return [source.videoWidth, source.videoHeight];
  if (typeof VideoFrame !== 'undefined' && source instanceof VideoFrame) return [source.displayWidth, source.displayHeight];
  const s = source as { width: number | SVGAnimatedLength; height: number | SVGAnimatedLength };
  return [typeof s.width === 'number' ? s.width : s.width.baseVal.value, typeof s.height === 'number' ? s.height : s.height.baseVal.value];
}

function drawToImageData(source: CanvasImageSource | ImageData, w: number, h: number): ImageData {
  const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(w, h) : Object.assign(document.createElement('canvas'), { width: w, height: h });
  const ctx = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  if (!ctx) throw new HowoldError('no_canvas', 'this browser gives no 2D canvas to decode images with');
  if (source instanceof ImageData) {
    // only reached when shrinking: draw the full-size pixels on their own canvas first
    const full = new OffscreenCanvas(source.width, source.height);
    full.getContext('2d')!.putImageData(source, 0, 0);
    source = full;
  }
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, 0, 0, w, h);
  return ctx.getImageData(0, 0, w, h);
}

/** Fetches `url` (through Cache Storage when `cache` is a name: the network only on the first visit). */
async function fetchBytes(url: URL, cache: string | false, onFetch?: BrowserEstimatorOptions['onFetch']): Promise<Uint8Array> {
  const store = cache && typeof caches !== 'undefined' ? await caches.open(cache).catch(() => undefined) : undefined;
  let response = await store?.match(url.href);
  const fromCache = response !== undefined;
  if (!response) {
    try {
      response = await fetch(url.href);
    } catch (err) {
      throw new HowoldError('model_not_found', `cannot fetch ${url.href} (${errorMessage(err)})`);
    }
    if (!response.ok) throw new HowoldError('model_not_found', `cannot fetch ${url.href} (HTTP ${response.status})`);
    if (store) await store.put(url.href, response.clone()).catch(() => undefined);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  onFetch?.(url.href, bytes.byteLength, fromCache);
  return bytes;
}

function folder(url: string | URL, name: string): URL {
  const base = typeof document !== 'undefined' ? document.baseURI : self.location.href;
  const u = new URL(String(url), base);
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  if (!/^(https?|blob|file):$/.test(u.protocol)) throw invalid('an http(s) folder URL', name, String(url));
  return u;
}

function wasmFileUrl(paths: BrowserEstimatorOptions['wasmPaths'], backend: BrowserBackend): URL {
  const name = backend === 'webgpu' ? 'ort-wasm-simd-threaded.asyncify.wasm' : 'ort-wasm-simd-threaded.wasm';
  if (typeof paths === 'string' || paths instanceof URL) return new URL(name, folder(paths, 'options.wasmPaths'));
  if (!isPlainObject(paths)) throw invalid('a folder URL or {wasm, webgpu} file URLs', 'options.wasmPaths', paths);
  const file = backend === 'webgpu' ? paths.webgpu : paths.wasm;
  if (file === undefined) throw invalid(`the URL of ${name}`, `options.wasmPaths.${backend === 'webgpu' ? 'webgpu' : 'wasm'}`, file);
  return new URL(String(file), typeof document !== 'undefined' ? document.baseURI : self.location.href);
}

async function hasWebGpu(): Promise<boolean> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}


/** Loads the detector and the age model from their URLs and returns the estimator (see the module comment). */
export async function createBrowserEstimator(options: BrowserEstimatorOptions): Promise<BrowserAgeEstimator> {
  if (!isPlainObject(options)) throw invalid('an options object', 'options', options);
  const modelUrl = folder(options.modelUrl, 'options.modelUrl');
  const detectorUrl = folder(options.detectorUrl, 'options.detectorUrl');
  const cache = options.cache === undefined ? DEFAULT_CACHE : options.cache;
  const maxSide = options.maxSide === undefined ? DEFAULT_MAX_SIDE : checkInteger(options.maxSide, 'options.maxSide', 16, 16384);
  if (options.interval !== undefined) checkInterval(options.interval, 'options.interval');
  if (options.flip !== undefined) checkBoolean(options.flip, 'options.flip');
  const isolated = typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated;
  const threads = options.threads ?? (isolated ? Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1)) : 1);
  checkInteger(threads, 'options.threads', 1, 64);
  const wanted = options.backend ?? 'auto';
  const backend: BrowserBackend = wanted === 'auto' ? ((await hasWebGpu()) ? 'webgpu' : 'wasm') : wanted;

  // Two builds of onnxruntime-web: the WebGPU one carries a larger wasm, so only a browser that can use it loads it.
  const ort = (backend === 'webgpu' ? await import('onnxruntime-web/webgpu') : await import('onnxruntime-web/wasm')) as typeof Ort;
  const wasmUrl = wasmFileUrl(options.wasmPaths, backend);
  ort.env.wasm.wasmPaths = { wasm: wasmUrl.href };
  ort.env.wasm.numThreads = threads;
  // the wasm binary through the same cache as the models (ort would fetch it from wasmPaths otherwise)
  ort.env.wasm.wasmBinary = (await fetchBytes(wasmUrl, cache, options.onFetch)).buffer as ArrayBuffer;

  const fetchModel = (base: URL, file: string) => fetchBytes(new URL(file, base), cache, options.onFetch);
  const metaUrl = new URL('howold.json', modelUrl);
  let meta: ModelMeta;
  try {
    meta = parseModelMeta(JSON.parse(new TextDecoder().decode(await fetchModel(modelUrl, 'howold.json'))), metaUrl.href);
  } catch (err) {
    if (err instanceof HowoldError) throw err;
    throw new HowoldError('bad_model', `${metaUrl.href} is not valid JSON`);
  }
  const [ageBytes, detectorFiles] = await Promise.all([
    fetchModel(modelUrl, 'model.onnx'),
    readDetectorFiles((file) => fetchModel(detectorUrl, file), detectorUrl.href),
  ]);
  const { config } = detectorFiles;
  const sessionOptions: Ort.InferenceSession.SessionOptions = {
    executionProviders: backend === 'webgpu' ? ['webgpu', 'wasm'] : ['wasm'],
    graphOptimizationLevel: 'all',
  };
  const open = async (bytes: Uint8Array, what: string): Promise<OrtSession> => {
    try {
      return (await ort.InferenceSession.create(bytes, sessionOptions)) as unknown as OrtSession;
    } catch (err) {
      throw new HowoldError('bad_model', `${what}: not a usable ONNX model (${errorMessage(err)})`);
    }
  };
  const runtime = ort as unknown as OrtRuntime;
  const ssd = await open(detectorFiles.ssd, config.ssd.file);
  const landmarks = await open(detectorFiles.landmarks, config.landmarks.file);
  const tiny = await open(detectorFiles.tiny, config.tiny.file);
  checkSessionInput(ssd, config.ssd.inputSize, 'ssd.inputSize', config.ssd.file, detectorUrl.href);
  checkSessionInput(landmarks, config.landmarks.inputSize, 'landmarks.inputSize', config.landmarks.file, detectorUrl.href);
  const sessions = { runtime, config, ssd, landmarks, tiny, anchors: detectorFiles.anchors };
  const engine = ortDetectionEngine(sessions, 'onnxruntime-web', () => releaseSessions(sessions));
  const detector = detectorFromEngine(engine, { ...options.detector, engine: 'onnx' });
  const runner = await ortModelRunner(runtime, await open(ageBytes, 'model.onnx'), 'onnxruntime-web');
  const pipeline = agePipeline(runner, detector, meta, { flip: options.flip, interval: options.interval });

  // one photo at a time: onnxruntime-web sessions do not take concurrent runs
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(job: () => Promise<T>): Promise<T> => {
    // a call queued before dispose() and reached after it gets 'disposed', never a released session
    const run = () => {
      live();
      return job();
    };
    const next = queue.then(run, run);
    queue = next.catch(() => undefined);
    return next;
  };
  let disposed = false;
  const live = () => {
    if (disposed) throw new HowoldError('disposed', 'this BrowserAgeEstimator has been disposed (dispose() was called)');
  };
  const fileName = (image: unknown) => (typeof File !== 'undefined' && image instanceof File && image.name ? image.name : undefined);
  const decode = (image: BrowserImageInput, name: string) => decodeInBrowser(image, maxSide, name);

  const estimateDecoded = async (image: DecodedImage, options?: AgeCallOptions): Promise<PhotoFaces> => {
    live();
    const call = checkAgeCallOptions(options);
    const result = await serial(() => pipeline.estimateDecoded([{ input: 'image', image }], call));
    const faces = facesOrThrow(result[0]);
    return { width: image.originalWidth, height: image.originalHeight, faces };
  };
  const estimateOne = async (image: BrowserImageInput, options?: BrowserEstimateOptions): Promise<Face[]> => {
    const call = checkAgeCallOptions(options);
    const name = checkImageName(options) ?? fileName(image) ?? 'image';
    const slots = await decodeSlots([image], [name], decode);
    return facesOrThrow((await serial(() => pipeline.estimateDecoded(slots, call)))[0]);
  };
  const estimateAll = async (images: readonly BrowserImageInput[], options?: BrowserEstimateBatchOptions): Promise<EstimateResult[]> => {
    const call = checkAgeCallOptions(options);
    const names = checkImageNames(options, images.length) ?? images.map((image, i) => fileName(image) ?? `image ${i}`);
    const slots = await decodeSlots(images, names, decode);
    return serial(() => pipeline.estimateDecoded(slots, call));
  };
  const estimate = (async (input: BrowserImageInput | readonly BrowserImageInput[], options?: BrowserEstimateOptions | BrowserEstimateBatchOptions) => {
    live();
    return Array.isArray(input) ? estimateAll(input, options as BrowserEstimateBatchOptions) : estimateOne(input as BrowserImageInput, options as BrowserEstimateOptions);
  }) as BrowserAgeEstimator;

  return Object.assign(estimate, {
    estimateDecoded,
    meta,
    detector,
    backend,
    threads: ort.env.wasm.numThreads ?? threads,
    async dispose() {
      if (disposed) return;
      disposed = true;
      // calls already queued finish (or get 'disposed') before their sessions are released
      await queue;
      await detector.dispose();
      await runner.dispose();
    },
  });
}
