// One error shape for every HTTP error, ours and those fastify or Node raise themselves: `{error: {code, message}}`.
import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError } from 'fastify';
import { formatBytes, HowoldError, type HowoldErrorCode } from '../index.js';
import { BusyError, TimeoutError } from './pool.js';

/** An error answered as `{error: {code, message}}` with this status. */
export class HttpError extends HowoldError {
  constructor(readonly status: number, code: HowoldErrorCode, message: string, readonly headers: Record<string, string> = {}) {
    super(code, message);
    this.name = 'HttpError';
  }
}

/** HTTP status for each reason a photo is refused (decode.ts's codes). */
const INPUT_STATUS: Record<string, number> = {
  empty: 400,
  not_an_image: 422,
  corrupt: 422,
  decode_failed: 422,
  bad_pixels: 422,
  unsupported_format: 415,
  too_many_pixels: 422,
  too_large: 413,
};

/** Our code for a status fastify or Node chose. */
const STATUS_CODES: Record<number, HowoldErrorCode> = {
  400: 'bad_request',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  411: 'length_required',
  413: 'too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  431: 'headers_too_large',
};

/** @fastify/multipart's count limits: 413 too, but not about bytes. */
const PART_LIMITS = new Set(['FST_PARTS_LIMIT', 'FST_FILES_LIMIT', 'FST_FIELDS_LIMIT']);

export function toHttpError(err: unknown, maxBodyBytes: number): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof BusyError) return new HttpError(503, err.code, err.message, { 'retry-after': String(err.retryAfter) });
  if (err instanceof TimeoutError) return new HttpError(err.queued ? 503 : 504, err.code, err.message, err.queued ? { 'retry-after': '5' } : {});
  if (err instanceof HowoldError && INPUT_STATUS[err.code]) return new HttpError(INPUT_STATUS[err.code]!, err.code, err.message);
  if (err instanceof HowoldError && err.code === 'worker_failed') return new HttpError(500, err.code, `${err.message}; it has been restarted`);
  const fe = err as FastifyError;
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    if (PART_LIMITS.has(fe.code)) return new HttpError(413, 'too_many_parts', `the multipart body has too many parts (${fe.message}): send one 'file' field`);
    if (fe.statusCode === 413) return new HttpError(413, 'too_large', `the upload is larger than the limit of ${formatBytes(maxBodyBytes)}`);
    return new HttpError(fe.statusCode, STATUS_CODES[fe.statusCode] ?? 'bad_request', fe.message);
  }
  return new HttpError(500, 'internal', 'internal error');
}

/** A multipart body busboy cannot parse (no boundary, an unfinished part, a boundary over 70 characters). */
export function badMultipart(err: unknown): HttpError {
  const text = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return new HttpError(400, 'bad_multipart', `malformed multipart/form-data body (${text})`);
}

/**
 * Node's own refusals, before fastify sees a request (headers too large, a duplicate Content-Length, a body that
 * never finished): the same JSON shape as every other error, on the raw socket.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  let code: HowoldErrorCode = 'bad_request';
  let message = `malformed HTTP request (${err.code ?? err.message})`;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    [status, code, message] = [408, 'request_timeout', 'the request was not received in time'];
  } else if (err.code === 'HPE_HEADER_OVERFLOW') {
    [status, code, message] = [431, 'headers_too_large', 'the request headers are larger than the server accepts'];
  }
  if (socket.writable) {
    const body = JSON.stringify({ error: { code, message } });
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
