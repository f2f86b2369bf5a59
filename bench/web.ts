// The page in Chromium from localhost (the built web/dist on a plain static server): cold load to the first
// result, bytes transferred, ms per group photo in the browser against howold in Node, and face-api.js's own
// browser pipeline (SSD-MobileNetV1 + 68 landmarks + AgeGenderNet, its dist bundle and weights served from
// node_modules, TF.js wasm) on the same photos in the same browser. A measurement, not a test:
// `npm run bench:web [-- --runs 3]`. Every figure line carries the CPU model.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { vectorExtensions } from './cpu.js';
import { median } from './stats.js';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import fastifyStatic from '@fastify/static';
import type { Browser, Page } from 'playwright-core';
import { createAgeEstimator } from '../src/index.js';
import { ensureWebBuilt, groupPhotosDir, launchChromium, repoRoot, startStaticServer } from '../test/chromium.js';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '3' }, isolated: { type: 'boolean', default: false } } });
const runs = Number(args.runs);
const photos = readdirSync(groupPhotosDir).filter((f) => f.endsWith('.jpg')).sort();

function cpuModel(): string {
  try {
    const line = execFileSync('lscpu', { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } }).split('\n').find((l) => l.startsWith('Model name:'));
    if (line) return line.replace('Model name:', '').trim();
  } catch {
    // no lscpu: Node's view of the CPU
  }
  return cpus()[0]?.model ?? 'unknown CPU';
}
const cpu = `${cpuModel()}, ${vectorExtensions().join(' ') || 'vector extensions unknown'}`;
console.log(`# load average at the start ${loadavg()[0]!.toFixed(2)} (other jobs on the machine slow every figure alike)`);
const say = (what: string, figure: string) => console.log(`${what.padEnd(58)} ${figure.padEnd(34)} [${cpu}]`);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;

await ensureWebBuilt();
// --isolated: the static server sends COOP + COEP (as `howold serve` and web/public/_headers do): wasm threads
const site = await startStaticServer(undefined, { isolated: args.isolated });

// face-api.js's page: its ESM bundle (TF.js inside), its weights and TF.js's wasm binaries, all from node_modules
const faceApiServer = Fastify();
await faceApiServer.register(fastifyStatic, { root: path.join(repoRoot, 'node_modules/@vladmandic/face-api'), prefix: '/face-api/' });
await faceApiServer.register(fastifyStatic, { root: path.join(repoRoot, 'node_modules/@tensorflow/tfjs-backend-wasm/dist'), prefix: '/tfjs-wasm/', decorateReply: false });
await faceApiServer.register(fastifyStatic, { root: groupPhotosDir, prefix: '/photos/', decorateReply: false });
faceApiServer.get('/', (_req, reply) =>
  reply.type('text/html').send(`<!doctype html><meta charset="utf-8"><title>face-api.js</title><script type="module">
import * as faceapi from './face-api/dist/face-api.esm.js';
faceapi.tf.setWasmPaths('./tfjs-wasm/');
await faceapi.tf.setBackend('wasm');
await faceapi.tf.ready();
await Promise.all([faceapi.nets.ssdMobilenetv1.loadFromUri('./face-api/model'), faceapi.nets.faceLandmark68Net.loadFromUri('./face-api/model'), faceapi.nets.ageGenderNet.loadFromUri('./face-api/model')]);
const options = new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 });
window.faceApiRun = async (url) => {
  const blob = await (await fetch(url)).blob();
  const started = performance.now();
  const img = await faceapi.bufferToImage(blob);
  const faces = await faceapi.detectAllFaces(img, options).withFaceLandmarks().withAgeAndGender();
  return { ms: performance.now() - started, faces: faces.length };
};
document.body.dataset.backend = faceapi.tf.getBackend();
document.body.dataset.ready = 'yes';
</script>`),
);
const faceApiUrl = `${await faceApiServer.listen({ port: 0, host: '127.0.0.1' })}/`;

let browser: Browser = await launchChromium();

// ---- cold load: a fresh browser (empty HTTP cache and Cache Storage) to the first photo's faces ---------------
async function load(page: Page): Promise<{ ms: number; ready: number; bytes: number; requests: number }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  let bytes = 0;
  let requests = 0;
  cdp.on('Network.loadingFinished', (e: { encodedDataLength: number }) => {
    bytes += e.encodedDataLength;
    requests += 1;
  });
  const started = performance.now();
  await page.goto(site.url, { waitUntil: 'domcontentloaded' });
  await page.setInputFiles('#file', path.join(groupPhotosDir, photos[0]!));
  const readyAt = page.waitForSelector('body[data-models="ready"]', { timeout: 120_000 }).then(() => performance.now() - started);
  await page.waitForFunction(() => Number(document.body.dataset.done ?? 0) >= 1, undefined, { timeout: 120_000, polling: 20 });
  const ms = performance.now() - started;
  const ready = await readyAt;
  await cdp.detach();
  return { ms, ready, bytes, requests };
}
const colds: { ms: number; ready: number; bytes: number; requests: number }[] = [];
for (let i = 0; i < runs; i++) {
  await browser.close();
  browser = await launchChromium();
  const page = await (await browser.newContext()).newPage();
  colds.push(await load(page));
  if (i === runs - 1) {
    // the next visit in the same profile: models from Cache Storage
    const warm = await page.context().newPage();
    const second = await load(warm);
    say('second visit to first result (models cached), ms', `${second.ms.toFixed(0)} (${mb(second.bytes)} transferred)`);
    await warm.close();
    await page.context().close();
  }
  if (i < runs - 1) await page.context().close();
}
const cold = { ms: median(colds.map((c) => c.ms)), ready: median(colds.map((c) => c.ready)), bytes: median(colds.map((c) => c.bytes)) };
say(`cold load to first result, ms (median of ${runs} fresh browsers)`, `${cold.ms.toFixed(0)} (models ready ${cold.ready.toFixed(0)})`);
say('transferred on a cold load (CDP encodedDataLength)', `${mb(cold.bytes)} in ${colds[0]!.requests} responses`);

// ---- ms per group photo: howold in the page, face-api.js in its page, howold in Node ------------------------
const page = await browser.newPage();
await page.goto(site.url);
await page.waitForSelector('body[data-models="ready"]', { timeout: 120_000 });
const engine = await page.getAttribute('body', 'data-engine');
let done = 0;
async function howoldInPage(file: string): Promise<{ ms: number; faces: number }> {
  await page.setInputFiles('#file', path.join(groupPhotosDir, file));
  done += 1;
  await page.waitForFunction((n) => Number(document.body.dataset.done ?? 0) >= n, done, { timeout: 120_000, polling: 20 });
  return { ms: Number(await page.getAttribute('body', 'data-ms')), faces: await page.locator('.face').count() };
}

const faceApiPage = await browser.newPage();
await faceApiPage.goto(faceApiUrl);
await faceApiPage.waitForSelector('body[data-ready="yes"]', { state: 'attached', timeout: 120_000 });
const faceApiBackend = await faceApiPage.getAttribute('body', 'data-backend');
const faceApiRun = (file: string) =>
  faceApiPage.evaluate((url) => (window as unknown as { faceApiRun(u: string): Promise<{ ms: number; faces: number }> }).faceApiRun(url), `./photos/${file}`);

const node = await createAgeEstimator({ threads: 1 });
async function howoldInNode(file: string): Promise<{ ms: number; faces: number }> {
  const started = performance.now();
  const result = await node(path.join(groupPhotosDir, file));
  return { ms: performance.now() - started, faces: result.length };
}

/**
 * Per photo: one warm-up run of each pipeline, then `runs` rounds taking turns (so a busy machine slows all three
 * alike); per pipeline the mean over the photos of each photo's median, and the faces found.
 */
type Run = (file: string) => Promise<{ ms: number; faces: number }>;
async function perPhoto(pipelines: Run[]): Promise<{ ms: number; faces: number }[]> {
  const medians: number[][] = pipelines.map(() => []);
  const faces = pipelines.map(() => 0);
  for (const file of photos) {
    for (const [i, run] of pipelines.entries()) faces[i] += (await run(file)).faces;
    const times: number[][] = pipelines.map(() => []);
    for (let r = 0; r < runs; r++) for (const [i, run] of pipelines.entries()) times[i]!.push((await run(file)).ms);
    times.forEach((t, i) => medians[i]!.push(median(t)));
  }
  return pipelines.map((_, i) => ({ ms: mean(medians[i]!), faces: faces[i]! }));
}
const [inPage, faceApi, inNode] = (await perPhoto([howoldInPage, faceApiRun, howoldInNode])) as [{ ms: number; faces: number }, { ms: number; faces: number }, { ms: number; faces: number }];
await node.dispose();

say(`howold in Chromium (${engine}), ms per group photo`, `${inPage.ms.toFixed(0)} (${inPage.faces} faces in ${photos.length} photos)`);
say(`howold in Node (${node.engine}, 1 thread), ms per group photo`, `${inNode.ms.toFixed(0)} (${inNode.faces} faces)`);
say(`face-api.js in Chromium (TF.js ${faceApiBackend}), ms per group photo`, `${faceApi.ms.toFixed(0)} (${faceApi.faces} faces)`);
say('browser / Node', `${(inPage.ms / inNode.ms).toFixed(2)}x`);
say('face-api.js / howold in the same browser (target >= 2)', `${(faceApi.ms / inPage.ms).toFixed(2)}x`);

console.log(`# load average at the end ${loadavg()[0]!.toFixed(2)}`);
await browser.close();
await faceApiServer.close();
await site.app.close();
