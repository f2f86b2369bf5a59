// The HTTP API (POST /v1/ages, GET /healthz) and the web page, on fastify. Every error is JSON
// {error: {code, message}} with a 4xx status for bad input; estimation runs in worker processes (pool.ts).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
// Light modules only: the HTTP process never estimates, and loading the whole library (TF.js, onnxruntime) costs
// ~90 MB of RSS (105 vs 195 MB). The workers use the public API (worker.ts).
import { HowoldError } from '../index.js';
import { DEFAULT_MAX_PIXELS, FACE_DETECTORS, underJson, type DetectOptions, type FaceDetectorName } from '../index.js';
import { EstimatorPool, type PoolOptions } from './pool.js';
import { badMultipart, clientErrorHandler, HttpError, toHttpError } from './errors.js';

export const WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));
export const DEFAULT_MAX_BODY = 10 * 1024 * 1024;

export interface ServerOptions extends PoolOptions {
  /** Largest upload, bytes; larger → 413. Default 10 MiB. */
  maxBodyBytes?: number;
  /** The built web page (npm run build:web). Default web/dist. */
  webRoot?: string;
  /** fastify's logger (pino, JSON lines on stdout). Default off. */
  logger?: boolean;
}

export { HttpError };

const IMAGE_TYPES = /^(image\/[\w.+-]+|application\/octet-stream)$/i;
const HOW_TO_SEND =
  "send the photo as the body with Content-Type image/jpeg, image/png or image/webp (curl -H 'Content-Type: image/jpeg' " +
  "--data-binary @photo.jpg), or as multipart/form-data with a 'file' field (curl -F file=@photo.jpg)";

async function readPhoto(request: FastifyRequest, maxBodyBytes: number): Promise<Buffer> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'multipart/form-data') {
    let bytes: Buffer;
    try {
      const part = await request.file({ limits: { fileSize: maxBodyBytes, files: 1 } });
      if (!part) throw new HttpError(400, 'no_file', `the multipart body has no file; ${HOW_TO_SEND}`);
      bytes = await part.toBuffer();
    } catch (err) {
      throw err instanceof HttpError || typeof (err as { statusCode?: unknown }).statusCode === 'number' ? err : badMultipart(err);
    }
    if (bytes.length === 0) throw new HttpError(400, 'empty', 'the uploaded file is empty');
    return bytes;
  }
  if (type !== '' && !IMAGE_TYPES.test(type)) throw new HttpError(415, 'unsupported_media_type', `Content-Type ${type} is not accepted: ${HOW_TO_SEND}`);
  const body = request.body;
  if (!Buffer.isBuffer(body) || body.length === 0) throw new HttpError(400, 'empty', `the request body is empty: ${HOW_TO_SEND}`);
  return body;
}

/** `?under=18`: the threshold in years (1..100) whose P(age < T) each face gets. */
function parseUnder(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new HttpError(400, 'invalid_argument', 'give under once, as a number of years from 1 to 100');
  const years = value.trim() === '' ? Number.NaN : Number(value);
  if (!(years >= 1 && years <= 100)) {
    throw new HttpError(400, 'invalid_argument', `Expected a number between 1 and 100 for under but received '${value.slice(0, 40)}' of type string`);
  }
  return years;
}

interface AgesQuery {
  distribution?: string;
  under?: unknown;
  min_score?: unknown;
  face_detector?: unknown;
}

/** The detector options of a request's query (`?min_score=0.3&face_detector=tiny`); a bad value is a 400. */
export function detectOptionsFromQuery(query: AgesQuery): DetectOptions {
  const options: DetectOptions = {};
  const once = (value: unknown, name: string, what: string): string => {
    if (typeof value !== 'string') throw new HttpError(400, 'invalid_argument', `give ${name} once, as ${what}`);
    return value;
  };
  if (query.min_score !== undefined) {
    const text = once(query.min_score, 'min_score', 'a number from 0 to 1');
    const value = text.trim() === '' ? Number.NaN : Number(text);
    if (!(value >= 0 && value <= 1)) {
      throw new HttpError(400, 'invalid_argument', `Expected a number between 0 and 1 for min_score but received '${text.slice(0, 40)}' of type string`);
    }
    options.minScore = value;
  }
  if (query.face_detector !== undefined) {
    const name = once(query.face_detector, 'face_detector', FACE_DETECTORS.join(' or '));
    if (!FACE_DETECTORS.includes(name as FaceDetectorName)) {
      throw new HttpError(400, 'invalid_argument', `Expected one of ${FACE_DETECTORS.join(', ')} for face_detector but received '${name.slice(0, 40)}' of type string`);
    }
    options.faceDetector = name as FaceDetectorName;
  }
  return options;
}

export interface HowoldServer {
  app: FastifyInstance;
  pool: EstimatorPool;
}

/** Builds the app and starts the estimator workers (the model loads here); call `app.listen` to serve. */
export async function createServer(options: ServerOptions = {}): Promise<HowoldServer> {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const pool = await EstimatorPool.start({ ...options, maxPixels });
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: maxBodyBytes,
    // a client must send its whole request within this time (slow uploads hold a connection, not a worker)
    requestTimeout: 60_000,
    clientErrorHandler,
    // a URL that does not decode (%zz) is answered like every other error
    frameworkErrors: (err, _request, reply) => {
      const http = toHttpError(err, maxBodyBytes);
      void (reply as FastifyReply).code(http.status).send({ error: { code: http.code, message: http.message } });
    },
  });
  app.addHook('onClose', () => pool.close());
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    // the page runs the models itself: wasm needs 'wasm-unsafe-eval', the camera a blob:/mediastream: video source;
    // cross-origin isolation (COOP + COEP) lets onnxruntime-web use threads
    reply.header(
      'content-security-policy',
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' blob: data:; media-src 'self' blob: mediastream:; style-src 'self'; object-src 'none'; frame-ancestors 'none'",
    );
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('cross-origin-embedder-policy', 'require-corp');
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBodyBytes }, (_request, body, done) => done(null, body));
  await app.register(multipart, { limits: { fileSize: maxBodyBytes, files: 1, fields: 10, parts: 20 } });

  app.setErrorHandler((err, request, reply) => {
    const http = toHttpError(err, maxBodyBytes);
    if (http.status >= 500 && http.code === 'internal') request.log.error(err);
    return reply.code(http.status).headers(http.headers).send({ error: { code: http.code, message: http.message } });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: { code: 'not_found', message: `no route for ${request.method} ${request.url.split('?')[0]}` } }),
  );

  app.get('/healthz', async (_request, reply) => {
    const stats = pool.stats();
    return reply.code(stats.ready > 0 ? 200 : 503).send({ status: stats.ready > 0 ? 'ok' : 'unavailable', model: pool.model, engine: pool.engine, ...stats });
  });

  app.post('/v1/ages', async (request: FastifyRequest<{ Querystring: AgesQuery }>, reply: FastifyReply) => {
    const started = performance.now();
    const under = parseUnder(request.query.under);
    const options = detectOptionsFromQuery(request.query);
    const photo = await readPhoto(request, maxBodyBytes);
    const result = await pool.estimate(photo, options);
    if ('error' in result) throw toHttpError(new HowoldError(result.error.code, result.error.message), maxBodyBytes);
    const keep = request.query.distribution === '1' || request.query.distribution === 'true';
    // the workers always send the distribution: P(under) is read from it here
    const faces = result.faces.map(({ distribution, ...face }) => ({
      ...face,
      ...(under !== undefined && distribution ? { under: underJson(distribution, under) } : {}),
      ...(keep ? { distribution } : {}),
    }));
    return reply.send({ faces, width: result.width, height: result.height, model: pool.model, ms: Math.round(performance.now() - started) });
  });

  const webRoot = options.webRoot ?? WEB_ROOT;
  if (existsSync(webRoot)) {
    await app.register(fastifyStatic, { root: webRoot, index: ['index.html'], preCompressed: true });
  } else {
    app.get('/', (_request, reply) =>
      reply.code(404).type('text/html').send('<!doctype html><title>howold</title><p>The web page is not built: run <code>npm run build:web</code>.</p>'),
    );
  }
  return { app, pool };
}

/** Creates the server and listens; resolves to its URL once it accepts connections. */
export async function startServer(options: ServerOptions & { port?: number; host?: string } = {}): Promise<HowoldServer & { url: string }> {
  const server = await createServer(options);
  try {
    const address = await server.app.listen({ port: options.port ?? 8080, host: options.host ?? '127.0.0.1' });
    return { ...server, url: address };
  } catch (err) {
    await server.app.close();
    throw err;
  }
}
