// `npm run build:web`'s folder as a static site: a plain static file server (no howold routes; it sends the build's
// .br files where the browser takes brotli) and Chromium. The page finds the faces of a group photo on the device,
// offers no server option (there is none), and on the next visit takes the models and the wasm runtime from Cache
// Storage: nothing of them crosses the network again.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { groupPhotosDir, useStaticPage, webRoot } from './chromium.js';

const group = path.join(groupPhotosDir, '2008_002506.jpg');

const page$ = useStaticPage();

interface Shown {
  number: number;
  age: number;
  low: number;
  high: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

async function runPhoto(page: Page, done: number): Promise<Shown[]> {
  await page.setInputFiles('#file', group);
  await page.waitForFunction((n) => Number(document.body.dataset.done ?? 0) >= n, done, { timeout: 60_000 });
  return page.$$eval('.face', (els) =>
    els.map((el) => {
      const d = (el as HTMLElement).dataset;
      return { number: Number(d.number), age: Number(d.age), low: Number(d.low), high: Number(d.high), x: Number(d.x), y: Number(d.y), width: Number(d.width), height: Number(d.height) };
    }),
  );
}

test('the built folder on a plain static server: faces of a group photo found in the page, the models cached for the next visit', async () => {
  // the build carries the models it loads as its own files
  for (const f of ['index.html', 'models/default/howold.json', 'models/default/model.onnx', 'models/detector/detector.json', 'models/detector/ssd_mobilenetv1.onnx', 'models/detector/face_landmark_68.onnx']) {
    assert.ok(readFileSync(path.join(webRoot, f)).length > 0, f);
  }
  const context = await page$.browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  const fromNetwork: string[] = [];
  page.on('requestfinished', (request) => fromNetwork.push(new URL(request.url()).pathname));
  const encodings = new Map<string, string | undefined>();
  page.on('response', (response) => encodings.set(new URL(response.url()).pathname, response.headers()['content-encoding']));

  await page.goto(page$.url);
  await page.waitForSelector('body[data-models="ready"]', { timeout: 120_000 });
  assert.match((await page.textContent('#privacy')) ?? '', /never leaves this device/);
  await page.waitForLoadState('networkidle');
  assert.equal(await page.locator('#server-choice').isVisible(), false, 'no server option on a static host');
  const firstVisit = await page.evaluate(() => (window as unknown as { howoldLoadedBytes: number }).howoldLoadedBytes);
  assert.ok(firstVisit > 5e6, `${firstVisit} bytes of models and runtime on the first visit`);
  for (const f of ['/models/default/model.onnx', '/models/detector/ssd_mobilenetv1.onnx']) assert.ok(fromNetwork.includes(f), `${f} fetched on the first visit`);
  // the build's brotli files, sent by a server that looks for them (the wasm runtime: 14.2 MB, 2.7 MB in brotli)
  const wasm = [...encodings].find(([p]) => p.endsWith('.wasm'));
  assert.equal(wasm?.[1], 'br', `the wasm runtime ${wasm?.[0]} sent as ${wasm?.[1]}`);

  const faces = await runPhoto(page, 1);
  const { width, height } = await page.evaluate(() => {
    const img = document.getElementById('photo') as HTMLImageElement;
    return { width: img.naturalWidth, height: img.naturalHeight };
  });
  assert.ok(faces.length >= 2, `${faces.length} faces`);
  assert.deepEqual(faces.map((f) => f.number).sort((a, b) => a - b), faces.map((_, i) => i + 1));
  for (const f of faces) {
    assert.ok(f.low <= f.age && f.age <= f.high, `face ${f.number}: ${f.low} <= ${f.age} <= ${f.high}`);
    assert.ok(f.age >= 0 && f.age <= 100, `face ${f.number}: age ${f.age}`);
    assert.ok(f.width >= 10 && f.height >= 10 && f.x > -f.width && f.y > -f.height && f.x + f.width <= width * 1.1 && f.y + f.height <= height * 1.1, `face ${f.number}: box ${JSON.stringify(f)} in ${width}x${height}`);
  }
  assert.match((await page.textContent('#status')) ?? '', new RegExp(`^${faces.length} faces found in \\d+ ms on this device\\.$`));

  // the next visit: the page again over HTTP, the models and wasm from Cache Storage only
  fromNetwork.length = 0;
  await page.reload();
  await page.waitForSelector('body[data-models="ready"]', { timeout: 120_000 });
  assert.equal(await page.evaluate(() => (window as unknown as { howoldLoadedBytes: number }).howoldLoadedBytes), 0);
  const heavy = fromNetwork.filter((p) => /\.(onnx|wasm|bin)$/.test(p));
  assert.deepEqual(heavy, [], 'models and runtime from the cache on the second visit');
  const again = await runPhoto(page, 1);
  assert.deepEqual(again, faces, 'the same faces and ages from the cached models');
  assert.deepEqual(errors, []);
  await context.close();
});
