// The web page end to end in real Chromium (Debian's, driven by playwright-core) against the real server:
// on-device by default, the server as an option, numbered tags that cover no face, details on hover and tap.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startServer, type HowoldServer } from '../src/server/app.js';
import { artifacts, ensureWebBuilt, groupPhotosDir, launchChromium, repoRoot } from './chromium.js';

const astronaut = path.join(repoRoot, 'examples/astronaut.png');
// seven people, close together
const group = path.join(groupPhotosDir, '2007_007763.jpg');

let server: HowoldServer & { url: string };
let browser: Browser;

before(async () => {
  await ensureWebBuilt();
  mkdirSync(artifacts, { recursive: true });
  [server, browser] = await Promise.all([startServer({ model: process.env.HOWOLD_MODEL, port: 0, host: '127.0.0.1', workers: 1 }), launchChromium()]);
});
after(async () => {
  await browser?.close();
  await server?.app.close();
});

async function openPage(viewport: { width: number; height: number }, touch = false): Promise<Page> {
  const context = await browser.newContext({ viewport, hasTouch: touch, isMobile: touch });
  const page = await context.newPage();
  const failures: string[] = [];
  page.on('pageerror', (err) => failures.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/status of 4\d\d/.test(msg.text())) failures.push(msg.text());
  });
  page.on('close', () => assert.deepEqual(failures, [], 'errors in the page'));
  await page.goto(server.url, { waitUntil: 'load' });
  await page.waitForSelector('body[data-models="ready"]', { timeout: 120_000 });
  return page;
}

interface ShownFace {
  number: number;
  age: number;
  low: number;
  high: number;
  under18: number;
  box: { x: number; y: number; width: number; height: number };
  tag: string;
  covers: number;
}

async function photoDone(page: Page, count: number): Promise<void> {
  await page.waitForFunction((n) => Number(document.body.dataset.done ?? 0) >= n, count, { timeout: 60_000 });
}

function facesOf(page: Page): Promise<ShownFace[]> {
  return page.$$eval('.face', (els) =>
    els.map((el) => {
      const d = (el as HTMLElement).dataset;
      const tag = el.querySelector('.tag') as HTMLElement;
      return {
        number: Number(d.number),
        age: Number(d.age),
        low: Number(d.low),
        high: Number(d.high),
        under18: Number(d.under18),
        box: { x: Number(d.x), y: Number(d.y), width: Number(d.width), height: Number(d.height) },
        tag: tag.textContent ?? '',
        covers: Number(tag.dataset.covers),
      };
    }),
  );
}

/** Screen rectangles of every face box and every tag: no tag may overlap a face box. */
async function tagsOverFaces(page: Page): Promise<string[]> {
  return page.$$eval('.face', (els) => {
    const boxes = els.map((e) => e.getBoundingClientRect());
    const bad: string[] = [];
    els.forEach((el, i) => {
      const t = el.querySelector('.tag')!.getBoundingClientRect();
      boxes.forEach((b, j) => {
        const w = Math.min(t.right, b.right) - Math.max(t.left, b.left);
        const h = Math.min(t.bottom, b.bottom) - Math.max(t.top, b.top);
        if (w > 1 && h > 1) bad.push(`tag ${i + 1} covers face ${j + 1} (${w.toFixed(0)}x${h.toFixed(0)} px)`);
      });
    });
    return bad;
  });
}

test('on this device by default: the example photo gets a numbered tag with age and range, the details on hover; the server option agrees', async () => {
  const page = await openPage({ width: 1200, height: 900 });
  assert.match((await page.textContent('#privacy')) ?? '', /Your photo never leaves this device/);
  assert.match((await page.getAttribute('body', 'data-engine')) ?? '', /^wasm:\d+$/);
  await page.setInputFiles('#file', astronaut);
  await photoDone(page, 1);
  const [face, ...others] = await facesOf(page);
  assert.equal(others.length, 0);
  assert.ok(face!.age >= 20 && face!.age <= 65, `age ${face!.age}`);
  assert.ok(face!.low <= face!.age && face!.age <= face!.high);
  assert.equal(face!.tag, `1${Math.round(face!.age)}${Math.round(face!.low)}–${Math.round(face!.high)}`);
  assert.ok(face!.under18 >= 0 && face!.under18 < 0.2, `P(under 18) ${face!.under18} for an adult`);
  assert.match((await page.locator('#status').textContent()) ?? '', /^1 face found in \d+ ms on this device\.$/);
  // the box sits over the face: the upper middle of the 512x512 photo
  assert.ok(face!.box.x > 150 && face!.box.x < 220 && face!.box.y > 40 && face!.box.y < 110, JSON.stringify(face!.box));

  await page.locator('.face').first().hover();
  const tip = page.locator('#tip');
  await tip.waitFor({ state: 'visible' });
  assert.match((await tip.textContent()) ?? '', /^Face 1: about \d+ · 80% likely [\d.]+–[\d.]+ years · P\(under 18\) (<1|\d+)% · (fe)?male \d+%$/);
  await page.screenshot({ path: path.join(artifacts, 'web.png'), fullPage: true });

  // the same photo on the server: the same face and age (one model, one pipeline)
  assert.ok(await page.locator('#server-choice').isVisible(), 'the server option is offered where there is a server');
  await page.locator('input[value="server"]').check();
  assert.match((await page.textContent('#privacy')) ?? '', /sent to the howold server/);
  await page.setInputFiles('#file', astronaut);
  await photoDone(page, 2);
  const [fromServer] = await facesOf(page);
  assert.ok(Math.abs(fromServer!.age - face!.age) <= 0.5, `server ${fromServer!.age} vs device ${face!.age}`);
  assert.match((await page.locator('#status').textContent()) ?? '', /on the server\.$/);

  await page.locator('input[value="device"]').check();
  await page.setInputFiles('#file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a photo\n') });
  const error = page.locator('#error');
  await error.waitFor({ state: 'visible', timeout: 30_000 });
  assert.match((await error.textContent()) ?? '', /notes\.txt isn't a photo we can read/);
  assert.equal(await page.locator('.face').count(), 0);
  await page.screenshot({ path: path.join(artifacts, 'web-error.png'), fullPage: true });
  await page.close();
});

test('howold serve makes the page cross-origin isolated, so onnxruntime-web runs its wasm with threads', async () => {
  const page = await openPage({ width: 1280, height: 900 });
  const { isolated, cores } = await page.evaluate(() => ({ isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency }));
  assert.equal(isolated, true, 'COOP + COEP from howold serve');
  const engine = (await page.getAttribute('body', 'data-engine')) ?? '';
  const threads = Number(/^wasm:(\d+)$/.exec(engine)?.[1]);
  assert.equal(threads, Math.max(1, Math.min(4, cores)), `engine ${engine} on ${cores} cores`);
  // and it still answers: the example photo's one face
  await page.setInputFiles('#file', astronaut);
  await photoDone(page, 1);
  assert.equal((await facesOf(page)).length, 1);
  await page.context().close();
});

test('a group photo: tags numbered 1..n in distinct colours, each with its range, none over a face (desktop and 375 px)', async () => {
  for (const [viewport, touch, shot] of [
    [{ width: 1200, height: 900 }, false, 'web-group.png'],
    [{ width: 375, height: 812 }, true, 'web-375-group.png'],
  ] as const) {
    const page = await openPage(viewport, touch);
    await page.setInputFiles('#file', group);
    await photoDone(page, 1);
    const faces = await facesOf(page);
    assert.ok(faces.length >= 5, `${faces.length} faces`);
    assert.deepEqual(faces.map((f) => f.number).sort((a, b) => a - b), faces.map((_, i) => i + 1));
    for (const f of faces) assert.match(f.tag, new RegExp(`^${f.number}\\d+\\d+–\\d+$`));
    const colours = await page.$$eval('.face', (els) => els.map((el) => getComputedStyle(el).borderTopColor));
    assert.equal(new Set(colours).size, faces.length, `colours ${colours.join(' ')}`);
    assert.deepEqual(await tagsOverFaces(page), [], `${viewport.width} px`);
    assert.equal(await page.locator('#list li').count(), faces.length);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
    if (touch) {
      await page.locator('.face').nth(2).tap();
      await page.locator('#tip').waitFor({ state: 'visible' });
      assert.match((await page.textContent('#tip')) ?? '', /^Face \d+: about \d+ · 80% likely/);
    }
    await page.screenshot({ path: path.join(artifacts, shot), fullPage: true });
    await page.close();
  }
});

test('phone width (375 px): the sample, a tap shows the details, nothing wider than the screen', async () => {
  const page = await openPage({ width: 375, height: 812 }, true);
  await page.getByRole('button', { name: 'Try the sample' }).first().tap();
  await photoDone(page, 1);
  const [face] = await facesOf(page);
  assert.ok(face!.age >= 20 && face!.age <= 65, `age ${face!.age}`);
  await page.locator('.face').first().tap();
  await page.locator('#tip').waitFor({ state: 'visible' });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
  await page.screenshot({ path: path.join(artifacts, 'web-375.png'), fullPage: true });
  await page.close();
});
