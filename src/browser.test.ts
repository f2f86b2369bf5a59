// howold/browser's estimator run in Node (onnxruntime-web's wasm, the models over a local HTTP server, raw RGB
// pixels since Node has no createImageBitmap): the same call shape as Node's, the same ages, and dispose().
// The page itself is tested in Chromium (test/*.e2e.test.ts).
import assert from 'node:assert/strict';
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BrowserAgeEstimator } from './browser.js';
import { createAgeEstimator, decodeImage, HowoldError, type RgbImage } from './index.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const astronaut = path.join(repo, 'examples/astronaut.png');

const server = http.createServer((req, res) => {
  const file = path.join(repo, decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname));
  if (!file.startsWith(repo) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200);
  createReadStream(file).pipe(res);
});
let base: string;
let estimate: BrowserAgeEstimator;
let pixels: RgbImage;

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  // what the entry reads for relative URLs outside a page
  (globalThis as { self?: unknown }).self = { location: { href: base } };
  const { createBrowserEstimator } = await import('./browser.js');
  estimate = await createBrowserEstimator({
    modelUrl: `${base}models/default/`,
    detectorUrl: `${base}models/detector/`,
    wasmPaths: `${base}node_modules/onnxruntime-web/dist/`,
    backend: 'wasm',
    cache: false,
  });
  const { originalWidth: _w, originalHeight: _h, ...rgb } = await decodeImage(astronaut);
  pixels = rgb;
});
after(async () => {
  await estimate?.dispose();
  server.close();
});

test('the browser estimator: one photo gives Face[], an array one result per photo, ages as in Node', async () => {
  const faces = await estimate(pixels);
  assert.equal(faces.length, 1);
  const [good, bad] = await estimate([pixels, { data: new Uint8Array(5), width: 2, height: 2 }], { names: ['astronaut', 'broken'] });
  assert.ok(good && !good.error);
  assert.deepEqual([good.input, good.width, good.height], ['astronaut', pixels.width, pixels.height]);
  assert.ok(Math.abs(good.faces[0]!.age - faces[0]!.age) < 1e-6);
  assert.ok(bad?.error instanceof HowoldError);
  assert.equal(bad.error.code, 'bad_pixels');
  assert.match(bad.error.message, /^broken: /);
  await assert.rejects(estimate({ data: new Uint8Array(5), width: 2, height: 2 }, { name: 'frame' }), (err: unknown) => err instanceof HowoldError && err.code === 'bad_pixels' && err.message.startsWith('frame: '));

  const node = await createAgeEstimator();
  try {
    const [reference] = await node(pixels);
    assert.ok(Math.abs(faces[0]!.age - reference!.age) < 0.05, `browser ${faces[0]!.age}, Node ${reference!.age}`);
    const [wideNode] = await node(pixels, { interval: [0.05, 0.95], flip: false });
    const [wide] = await estimate(pixels, { interval: [0.05, 0.95], flip: false });
    assert.ok(Math.abs(wide!.high - wideNode!.high) < 0.05 && Math.abs(wide!.age - wideNode!.age) < 0.05);
  } finally {
    await node.dispose();
  }
  await assert.rejects(estimate(pixels, { minScore: 2 }), /^ArgumentError: Expected a number between 0 and 1 for options\.minScore/);
  await assert.rejects(estimate([pixels], { names: [] }), /Expected an array of 1 names for options\.names/);
});

test('the browser estimator: dispose() twice is fine; any call after it throws HowoldError disposed', async () => {
  const { createBrowserEstimator } = await import('./browser.js');
  const own = await createBrowserEstimator({
    modelUrl: `${base}models/default/`,
    detectorUrl: `${base}models/detector/`,
    wasmPaths: `${base}node_modules/onnxruntime-web/dist/`,
    backend: 'wasm',
    cache: false,
  });
  await own.dispose();
  await own.dispose();
  const disposed = (err: unknown) => err instanceof HowoldError && err.code === 'disposed' && /BrowserAgeEstimator has been disposed/.test(err.message);
  await assert.rejects(own(pixels), disposed);
  await assert.rejects(own([pixels]), disposed);
  await assert.rejects(own.estimateDecoded({ ...pixels, originalWidth: pixels.width, originalHeight: pixels.height }), disposed);
  await assert.rejects(own.detector.detect(pixels), (err: unknown) => err instanceof HowoldError && err.code === 'disposed');
});
