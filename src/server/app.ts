// The HTTP API (POST /v1/ages, GET /healthz) and the web page, on fastify. Every error is JSON
// {error: {code, message}} with a 4xx status for bad input; estimation runs in worker threads (pool.ts).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
// Light modules only: the HTTP process never estimates, and loading the whole library (TF.js, onnxruntime) costs
// ~90 MB of RSS (105 vs 195 MB). The workers use the public API (worker.ts).
import { HowoldError } from '../index.js';
import { DEFAULT_MAX_PIXELS } from '../index.js';
import { BusyError, EstimatorPool, TimeoutError, type PoolOptions } from './pool.js';

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

/** An error answered as `{error: {code, message}}` with this status. */
export class HttpError extends HowoldError {
  constructor(readonly status: number, code: string, message: string, readonly headers: Record<string, string> = {}) {
    super(code, message);
    this.name = 'HttpError';
  }
}

const IMAGE_TYPES = /^(image\/[\w.+-]+|application\/octet-stream)$/i;
const HOW_TO_SEND =
  "send the photo as the body with Content-Type image/jpeg, image/png or image/webp (curl -H 'Content-Type: image/jpeg' " +
  "--data-binary @photo.jpg), or as multipart/form-data with a 'file' field (curl -F file=@photo.jpg)";

/** HTTP status for each reason a photo is refused (decode.ts's codes). */
const INPUT_STATUS: Record<string, number> = {
  empty: 400,
  not_an_image: 422,
  corrupt: 422,
  decode_failed: 422,
  bad_pixels: 422,
  unsupported_format: 415,
  too_many_pixels: 422,
};

function toHttpError(err: unknown, maxBodyBytes = DEFAULT_MAX_BODY): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof BusyError) return new HttpError(503, err.code, err.message, { 'retry-after': String(err.retryAfter) });
  if (err instanceof TimeoutError) return new HttpError(err.queued ? 503 : 504, err.code, err.message, err.queued ? { 'retry-after': '5' } : {});
  if (err instanceof HowoldError && INPUT_STATUS[err.code]) return new HttpError(INPUT_STATUS[err.code]!, err.code, err.message);
  if (err instanceof HowoldError && err.code === 'worker_failed') return new HttpError(500, err.code, `${err.message}; it has been restarted`);
  const fe = err as FastifyError;
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    if (fe.statusCode === 413) return new HttpError(413, 'too_large', `the upload is larger than the limit of ${formatBytes(maxBodyBytes)}`);
    const code = fe.statusCode === 415 ? 'unsupported_media_type' : fe.statusCode === 404 ? 'not_found' : 'bad_request';
    return new HttpError(fe.statusCode, code, fe.message);
  }
  return new HttpError(500, 'internal', 'internal error');
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${+(n / 1024 / 1024).toFixed(1)} MB` : `${+(n / 1024).toFixed(1)} kB`;
}

async function readPhoto(request: FastifyRequest, maxBodyBytes: number): Promise<Buffer> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'multipart/form-data') {
    const part = await request.file({ limits: { fileSize: maxBodyBytes, files: 1 } });
    if (!part) throw new HttpError(400, 'no_file', `the multipart body has no file; ${HOW_TO_SEND}`);
    const bytes = await part.toBuffer();
    if (bytes.length === 0) throw new HttpError(400, 'empty', 'the uploaded file is empty');
    return bytes;
  }
  if (type !== '' && !IMAGE_TYPES.test(type)) throw new HttpError(415, 'unsupported_media_type', `Content-Type ${type} is not accepted: ${HOW_TO_SEND}`);
  const body = request.body;
  if (!Buffer.isBuffer(body) || body.length === 0) throw new HttpError(400, 'empty', `the request body is empty: ${HOW_TO_SEND}`);
  return body;
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

  app.post('/v1/ages', async (request: FastifyRequest<{ Querystring: { distribution?: string } }>, reply: FastifyReply) => {
    const started = performance.now();
    const photo = await readPhoto(request, maxBodyBytes);
    const result = await pool.estimate(photo);
    if ('error' in result) throw toHttpError(new HowoldError(result.error.code, result.error.message));
    const keep = request.query.distribution === '1' || request.query.distribution === 'true';
    const faces = keep ? result.faces : result.faces.map(({ distribution: _d, ...face }) => face);
    return reply.send({ faces, width: result.width, height: result.height, model: pool.model, ms: Math.round(performance.now() - started) });
  });

  const webRoot = options.webRoot ?? WEB_ROOT;
  if (existsSync(webRoot)) {
    await app.register(fastifyStatic, { root: webRoot, index: 'index.html' });
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
