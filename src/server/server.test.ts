import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { startServer, type HowoldServer } from './app.js';
import { clientErrorHandler } from './errors.js';
import { EstimatorPool } from './pool.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const astronaut = readFileSync(path.join(repoRoot, 'examples/astronaut.png'));
const groupPhoto = readFileSync(path.resolve(repoRoot, '../shared/datasets/group-photos/2007_007763.jpg'));
// unset in CI: the shipped models/default
const model = process.env.HOWOLD_MODEL;

interface AgesBody {
  faces: Array<{
    box: { x: number; y: number; width: number; height: number };
    age: number;
    low: number;
    high: number;
    score: number;
    under?: { years: number; probability: number };
    distribution?: number[];
  }>;
  width: number;
  height: number;
  model: string;
  ms: number;
}
interface ErrorBody {
  error: { code: string; message: string };
}

let server: HowoldServer & { url: string };
let bomb: Buffer;

before(async () => {
  [server, bomb] = await Promise.all([
    startServer({ model, port: 0, host: '127.0.0.1', workers: 1, maxQueue: 3, maxBodyBytes: 2 * 1024 * 1024 }),
    // 400 million grey pixels in ~0.4 MB: refused from its header, never decoded
    sharp({ create: { width: 20000, height: 20000, channels: 3, background: '#808080' }, limitInputPixels: false })
      .toColourspace('b-w')
      .png({ compressionLevel: 9, adaptiveFiltering: false })
      .toBuffer(),
  ]);
});
after(() => server?.app.close());

function post(body: BodyInit | Buffer | undefined, type?: string, query = ''): Promise<Response> {
  return fetch(`${server.url}/v1/ages${query}`, { method: 'POST', body: body as BodyInit | undefined, headers: type ? { 'content-type': type } : {} });
}

async function expectError(response: Response, status: number, code: string): Promise<ErrorBody> {
  const body = (await response.json()) as ErrorBody;
  assert.equal(response.status, status, JSON.stringify(body));
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(body.error.code, code);
  assert.ok(body.error.message.length > 10);
  return body;
}

test('GET /healthz: ok, with the model and the queue', async () => {
  const response = await fetch(`${server.url}/healthz`);
  assert.equal(response.status, 200);
  const body = (await response.json()) as { status: string; model: string; ready: number; queued: number };
  assert.equal(body.status, 'ok');
  assert.ok(body.model.length > 0);
  assert.equal(body.ready, 1);
});

test('POST /v1/ages: the example photo as a raw body and as multipart gives one face with a plausible age', async () => {
  const form = new FormData();
  form.append('file', new Blob([astronaut], { type: 'image/png' }), 'astronaut.png');
  for (const response of [await post(astronaut, 'image/png'), await post(form), await post(astronaut, 'application/octet-stream', '?distribution=1')]) {
    assert.equal(response.status, 200);
    const body = (await response.json()) as AgesBody;
    assert.deepEqual([body.width, body.height], [512, 512]);
    assert.equal(body.faces.length, 1);
    const face = body.faces[0];
    assert.ok(face.age >= 20 && face.age <= 65, `age ${face.age}`);
    assert.ok(face.low <= face.age && face.age <= face.high);
    assert.ok(face.box.x > 100 && face.box.x + face.box.width < 350 && face.box.y < 200, JSON.stringify(face.box));
    assert.ok(body.model.length > 0 && body.ms >= 0);
  }
  const withDistribution = (await (await post(astronaut, 'image/png', '?distribution=1')).json()) as AgesBody;
  assert.equal(withDistribution.faces[0].distribution?.length, 101);
  const without = (await (await post(astronaut, 'image/png')).json()) as AgesBody;
  assert.equal(without.faces[0].distribution, undefined);
});

test('POST /v1/ages?under=18: P(age < 18) per face from its distribution; a bad value is a 400 with a one-line message', async () => {
  const withUnder = (await (await post(groupPhoto, 'image/jpeg', '?under=18&distribution=1')).json()) as AgesBody;
  assert.ok(withUnder.faces.length >= 3);
  for (const face of withUnder.faces) {
    assert.equal(face.under!.years, 18);
    const below = face.distribution!.slice(0, 18).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(face.under!.probability - below) < 1e-3, `${face.under!.probability} vs ${below}`);
  }
  const adult = (await (await post(astronaut, 'image/png', '?under=18')).json()) as AgesBody;
  assert.ok(adult.faces[0]!.under!.probability < 0.1, JSON.stringify(adult.faces[0]!.under));
  assert.equal(adult.faces[0]!.distribution, undefined);
  const older = (await (await post(astronaut, 'image/png', '?under=90')).json()) as AgesBody;
  assert.ok(older.faces[0]!.under!.probability > 0.9, JSON.stringify(older.faces[0]!.under));
  assert.equal(((await (await post(astronaut, 'image/png')).json()) as AgesBody).faces[0]!.under, undefined);

  for (const bad of ['abc', '0', '101', '', '-5']) {
    const body = await expectError(await post(astronaut, 'image/png', `?under=${bad}`), 400, 'invalid_argument');
    assert.equal(body.error.message, `Expected a number between 1 and 100 for under but received '${bad}' of type string`);
  }
  const twice = await expectError(await post(astronaut, 'image/png', '?under=18&under=21'), 400, 'invalid_argument');
  assert.doesNotMatch(twice.error.message, /\n/);
});

test('POST /v1/ages: bad input gets a clear 4xx JSON error and the server carries on', async () => {
  await expectError(await post('just some text', 'text/plain'), 415, 'unsupported_media_type');
  await expectError(await post('just some text', 'image/jpeg'), 422, 'not_an_image');
  await expectError(await post(astronaut.subarray(0, astronaut.length / 3), 'image/png'), 422, 'corrupt');
  await expectError(await post(undefined, 'image/jpeg'), 400, 'empty');
  await expectError(await post(Buffer.alloc(0)), 400, 'empty');
  const big = Buffer.alloc(3 * 1024 * 1024, 1);
  const tooLarge = await expectError(await post(big, 'image/jpeg'), 413, 'too_large');
  assert.match(tooLarge.error.message, /2 MB/);
  const form = new FormData();
  form.append('file', new Blob([big]), 'big.jpg');
  await expectError(await post(form), 413, 'too_large');
  const noFile = new FormData();
  noFile.append('note', 'no file here');
  await expectError(await post(noFile), 400, 'no_file');
  const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).gif().toBuffer();
  await expectError(await post(gif, 'image/gif'), 415, 'unsupported_format');
  const bombError = await expectError(await post(bomb, 'image/png'), 422, 'too_many_pixels');
  assert.match(bombError.error.message, /20000x20000/);
  await expectError(await fetch(`${server.url}/v1/nothing`), 404, 'not_found');

  const healthz = await fetch(`${server.url}/healthz`);
  assert.equal(healthz.status, 200);
  assert.equal(((await healthz.json()) as { restarts: number }).restarts, 0);
  assert.equal((await post(astronaut, 'image/png')).status, 200);
});

test('POST /v1/ages?min_score=&face_detector=: per-request detector options, batched apart; bad values are a 400 invalid_argument', async () => {
  const ages = async (query: string) => {
    const response = await post(groupPhoto, 'image/jpeg', query);
    assert.equal(response.status, 200, query);
    return ((await response.json()) as AgesBody).faces;
  };
  // 2007_007763: seven faces, the lowest SSD score 0.73
  const byDefault = await ages('');
  assert.equal(byDefault.length, 7);
  assert.ok(byDefault.some((f) => f.score < 0.9));
  // sent together, so the worker's queue holds requests with different options at once
  const [strict, loose, tiny] = await Promise.all([ages('?min_score=0.9'), ages('?min_score=0.3'), ages('?face_detector=tiny')]);
  assert.ok(strict.length < byDefault.length && strict.length > 0, `${strict.length} faces at 0.9`);
  assert.ok(strict.every((f) => f.score >= 0.9));
  assert.equal(loose.length, byDefault.length);
  assert.ok(tiny.length >= 5, `${tiny.length} faces with tiny`);
  assert.ok(tiny.some((f) => byDefault.every((d) => Math.abs(d.box.x - f.box.x) > 0.5)), 'TinyFaceDetector gives its own boxes');
  for (const query of ['?min_score=abc', '?min_score=1.5', '?min_score=-0.1', '?min_score=', '?face_detector=yolo', '?min_score=0.3&min_score=0.4']) {
    const body = await expectError(await post(groupPhoto, 'image/jpeg', query), 400, 'invalid_argument');
    assert.doesNotMatch(body.error.message, /\n/);
    const expected = query.includes('&') ? /^give min_score once/ : query.includes('face_detector') ? /^Expected one of ssd, tiny for face_detector but received 'yolo'/ : /^Expected a number between 0 and 1 for min_score but received '/;
    assert.match(body.error.message, expected);
  }
});

test('POST /v1/ages: concurrent requests beyond the queue get 503 with Retry-After; the rest are answered', async () => {
  const responses = await Promise.all(Array.from({ length: 10 }, () => post(groupPhoto, 'image/jpeg')));
  const statuses = responses.map((r) => r.status);
  assert.ok(statuses.every((s) => s === 200 || s === 503), statuses.join(' '));
  const ok = responses.filter((r) => r.status === 200);
  const busy = responses.filter((r) => r.status === 503);
  assert.ok(ok.length >= 2, statuses.join(' '));
  assert.ok(busy.length >= 1, statuses.join(' '));
  for (const r of busy) {
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    assert.equal(((await r.json()) as ErrorBody).error.code, 'busy');
  }
  const faces = await Promise.all(ok.map(async (r) => ((await r.json()) as AgesBody).faces.length));
  assert.ok(faces.every((n) => n === faces[0] && n >= 3), faces.join(' '));
  assert.equal((await post(astronaut, 'image/png')).status, 200);
});

test('POST /v1/ages: past the time limit → 504 (estimating) or 503 (still queued), and the server recovers', async () => {
  const slow = await startServer({ model, port: 0, workers: 1, timeoutMs: 30 });
  try {
    const url = `${slow.url}/v1/ages`;
    const send = () => fetch(url, { method: 'POST', body: groupPhoto as BodyInit, headers: { 'content-type': 'image/jpeg' } });
    // one reaches the worker and runs past the limit, the other is still waiting for it
    const responses = (await Promise.all([send(), send()])).sort((a, b) => b.status - a.status);
    await expectError(responses[0], 504, 'timeout');
    const queued = await expectError(responses[1], 503, 'timeout');
    assert.match(queued.error.message, /no worker was free/);
    assert.equal((await fetch(`${slow.url}/healthz`)).status, 200);
  } finally {
    await slow.app.close();
  }
});

test('a worker that dies is replaced: its requests fail with 500, later ones are answered', async () => {
  const [pid] = server.pool.pids();
  const inFlight = post(groupPhoto, 'image/jpeg');
  // kill it while it is estimating (a group photo takes ~100 ms), so the crash path is what gets tested
  for (let i = 0; i < 2000 && server.pool.stats().running === 0; i++) await new Promise((resolve) => setTimeout(resolve, 1));
  assert.equal(server.pool.stats().running, 1, 'the request reached the worker');
  process.kill(pid!, 'SIGKILL');
  const failed = await inFlight;
  assert.equal(failed.status, 500);
  assert.equal(((await failed.json()) as ErrorBody).error.code, 'worker_failed');
  for (let i = 0; i < 600 && server.pool.stats().ready === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  const health = (await (await fetch(`${server.url}/healthz`)).json()) as { ready: number; restarts: number };
  assert.deepEqual([health.ready, health.restarts], [1, 1]);
  assert.notEqual(server.pool.pids()[0], pid);
  assert.equal((await post(astronaut, 'image/png')).status, 200);
});

/** A request written by hand on a socket (what fetch refuses to send); resolves to the status and the JSON body. */
function rawRequest(text: string): Promise<{ status: number; body: ErrorBody; type: string }> {
  const { port, hostname } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(text));
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => (data += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]);
      const type = /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '';
      try {
        resolve({ status, body: JSON.parse(body) as ErrorBody, type });
      } catch {
        reject(new Error(`not JSON: ${data.slice(0, 300)}`));
      }
    });
  });
}

function multipart(body: string, boundary: string): Promise<Response> {
  return post(Buffer.from(body.replaceAll('\n', '\r\n')), `multipart/form-data${boundary ? `; boundary=${boundary}` : ''}`);
}

test('malformed multipart bodies get 400 bad_multipart; 30 small fields get 413 too_many_parts, not a size message', async () => {
  await expectError(await multipart('--x\nContent-Disposition: form-data; name="file"; filename="a.png"\n\nabc\n--x--\n', ''), 400, 'bad_multipart');
  await expectError(await multipart('--x\nContent-Disposition: form-data; name="file"; filename="a.png"\nContent-Type: image/png\n\nabc', 'x'), 400, 'bad_multipart');
  const long = 'b'.repeat(5000);
  await expectError(await multipart(`--${long}\nContent-Disposition: form-data; name="file"; filename="a.png"\n\nabc\n--${long}--\n`, long), 400, 'bad_multipart');
  const form = new FormData();
  for (let i = 0; i < 30; i++) form.append(`f${i}`, 'x');
  form.append('file', new Blob([astronaut], { type: 'image/png' }), 'astronaut.png');
  const tooMany = await expectError(await post(form), 413, 'too_many_parts');
  assert.doesNotMatch(tooMany.error.message, /larger than/);
  assert.equal((await post(astronaut, 'image/png')).status, 200);
});

test('errors raised by Node and fastify themselves have the same {error: {code, message}} shape', async () => {
  const headers = await rawRequest(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`);
  assert.deepEqual([headers.status, headers.body.error.code], [431, 'headers_too_large']);
  const twice = await rawRequest('POST /v1/ages HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd');
  assert.deepEqual([twice.status, twice.body.error.code], [400, 'bad_request']);
  assert.match(twice.type, /^application\/json/);
  const url = await rawRequest('GET /%zz%E0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.deepEqual([url.status, url.body.error.code], [400, 'bad_request']);
  const traversal = await rawRequest('GET /..%2f..%2fpackage.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.ok([403, 404].includes(traversal.status), String(traversal.status));
  assert.equal(traversal.body.error.code, traversal.status === 403 ? 'forbidden' : 'not_found');
  const big = await expectError(await post(Buffer.alloc(2 * 1024 * 1024 + 1), 'image/png'), 413, 'too_large');
  assert.match(big.error.message, /larger than the limit of 2 MB/);
});

test('the request timeout (408) is answered in the same shape, on the socket', async () => {
  const listener = net.createServer((socket) => clientErrorHandler(Object.assign(new Error('timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), socket));
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as net.AddressInfo;
  const text = await new Promise<string>((resolve) => {
    let data = '';
    net.connect(port, '127.0.0.1').setEncoding('latin1').on('data', (c) => (data += c)).on('close', () => resolve(data));
  });
  listener.close();
  assert.match(text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  assert.deepEqual(JSON.parse(text.split('\r\n\r\n')[1]!), { error: { code: 'request_timeout', message: 'the request was not received in time' } });
});

test('a request sent to a worker that has just died is retried on a live one', async () => {
  const pool = await EstimatorPool.start({ model, workers: 2 });
  try {
    const [first] = pool.pids();
    // killed and asked in the same tick: the pool has not seen the exit yet and sends the photo to the dead worker
    process.kill(first!, 'SIGKILL');
    const result = await pool.estimate(astronaut);
    assert.ok(!('error' in result), JSON.stringify(result));
    assert.equal(result.faces.length, 1);
  } finally {
    await pool.close();
  }
});

test("the pool reports its workers' engine note: none on onnxruntime-node, one line on onnxruntime-web", async () => {
  const native = await EstimatorPool.start({ model, workers: 1 });
  try {
    assert.equal(native.engine, 'onnxruntime-node');
    assert.equal(native.note, undefined);
  } finally {
    await native.close();
  }
  // the forked workers inherit the environment
  process.env.HOWOLD_ONNXRUNTIME = 'web';
  let wasm: EstimatorPool;
  try {
    wasm = await EstimatorPool.start({ model, workers: 1 });
  } finally {
    delete process.env.HOWOLD_ONNXRUNTIME;
  }
  try {
    assert.equal(wasm.engine, 'onnxruntime-web');
    assert.equal(wasm.note, 'onnxruntime-web chosen by HOWOLD_ONNXRUNTIME=web (~4x slower than onnxruntime-node)');
  } finally {
    await wasm.close();
  }
});
