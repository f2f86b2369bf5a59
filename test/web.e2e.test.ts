// The web page end to end in real Chromium (Debian's, driven by playwright-core) against the real server.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer, type HowoldServer } from '../src/server/app.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const astronaut = path.join(repoRoot, 'examples/astronaut.png');
const artifacts = path.join(repoRoot, 'test-artifacts');
const webRoot = path.join(repoRoot, 'web/dist');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let server: HowoldServer & { url: string };
let browser: Browser;

before(async () => {
  if (!existsSync(path.join(webRoot, 'index.html'))) {
    // `npm test` builds the page first (pretest); this covers running the file on its own
    const { build } = await import('vite');
    await build({ configFile: path.join(repoRoot, 'web/vite.config.ts'), logLevel: 'warn' });
  }
  mkdirSync(artifacts, { recursive: true });
  [server, browser] = await Promise.all([
    startServer({ model: process.env.HOWOLD_MODEL, port: 0, host: '127.0.0.1', workers: 1 }),
    chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true }),
  ]);
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
  return page;
}

async function ageOfFirstFace(page: Page): Promise<number> {
  const tag = page.locator('.face .tag').first();
  await tag.waitFor({ state: 'visible', timeout: 60_000 });
  const text = (await tag.textContent())?.trim() ?? '';
  assert.match(text, /^\d{1,3}$/);
  return Number(text);
}

test('upload the example photo: a box and an age appear, the interval on hover; a text file shows an error', async () => {
  const page = await openPage({ width: 1200, height: 900 });
  await page.setInputFiles('#file', astronaut);
  const age = await ageOfFirstFace(page);
  assert.ok(age >= 20 && age <= 65, `age ${age}`);
  assert.equal(await page.locator('.face').count(), 1);
  await page.locator('#busy').waitFor({ state: 'hidden' });
  assert.match((await page.locator('#status').textContent()) ?? '', /^1 face found in \d+ ms\.$/);

  // the box sits over the face: the upper middle of the 512x512 photo
  const img = (await page.locator('#photo').boundingBox())!;
  const box = (await page.locator('.face').first().boundingBox())!;
  const cx = (box.x + box.width / 2 - img.x) / img.width;
  const cy = (box.y + box.height / 2 - img.y) / img.height;
  assert.ok(cx > 0.3 && cx < 0.6 && cy > 0.1 && cy < 0.45, `face centre at (${cx.toFixed(2)}, ${cy.toFixed(2)}) of the photo`);

  await page.locator('.face').first().hover();
  const tip = page.locator('.face .tip').first();
  await tip.waitFor({ state: 'visible' });
  const [, low, high] = (await tip.textContent())!.match(/likely (\d+)–(\d+)/) ?? [];
  assert.ok(Number(low) <= age && age <= Number(high), `${low} <= ${age} <= ${high}`);
  await page.screenshot({ path: path.join(artifacts, 'web.png'), fullPage: true });

  await page.setInputFiles('#file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a photo\n') });
  const error = page.locator('#error');
  await error.waitFor({ state: 'visible', timeout: 30_000 });
  assert.match((await error.textContent()) ?? '', /notes\.txt isn't a photo we can read/);
  assert.equal(await page.locator('.face').count(), 0);
  await page.screenshot({ path: path.join(artifacts, 'web-error.png'), fullPage: true });
  await page.close();
});

test('phone width (375 px): the sample, a tap shows the interval, nothing wider than the screen', async () => {
  const page = await openPage({ width: 375, height: 812 }, true);
  await page.getByRole('button', { name: 'Try the sample' }).first().tap();
  const age = await ageOfFirstFace(page);
  assert.ok(age >= 20 && age <= 65, `age ${age}`);
  await page.locator('.face').first().tap();
  await page.locator('.face.active .tip').waitFor({ state: 'visible' });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
  await page.screenshot({ path: path.join(artifacts, 'web-375.png'), fullPage: true });
  await page.close();
});
