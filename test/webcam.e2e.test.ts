// The page's camera mode in real Chromium with a fake camera showing a group photo (a Y4M made from it here):
// faces tracked across frames keep their numbers, each one's age holds within +-1 year over 5 s, and hiding the
// tab stops the camera's tracks. The page is the static build on a plain static server.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { Page } from 'playwright-core';
import { fakeCameraArgs, groupPhotosDir, useStaticPage, writeY4m } from './chromium.js';

// seven people, close together
const group = path.join(groupPhotosDir, '2007_007763.jpg');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'howold-webcam-'));
const video = path.join(scratch, 'camera.y4m');

const page$ = useStaticPage({ prepare: () => writeY4m(group, video), args: () => fakeCameraArgs(video) });
after(() => rmSync(scratch, { recursive: true, force: true }));

const frames = (page: Page) => page.evaluate(() => Number(document.body.dataset.frames ?? 0));
const ages = (page: Page) =>
  page.$$eval('.face', (els) => els.map((el) => [Number((el as HTMLElement).dataset.number), Number((el as HTMLElement).dataset.age)] as [number, number]));

test('camera mode: a still group keeps its face numbers and ages (within 1 year over 5 s); hiding the tab stops the camera', async () => {
  const context = await page$.browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(page$.url);
  await page.waitForSelector('body[data-models="ready"]', { timeout: 120_000 });
  await page.getByRole('button', { name: 'Use the camera' }).first().click();
  await page.waitForSelector('body[data-camera="on"]', { timeout: 30_000 });
  assert.deepEqual(await page.evaluate(() => [(document.getElementById('video') as HTMLVideoElement).videoWidth, (document.getElementById('video') as HTMLVideoElement).videoHeight]), [640, 480]);
  // past the first frames, while a new track's age is the mean of only a few frames
  await page.waitForFunction(() => Number(document.body.dataset.frames ?? 0) >= 3, undefined, { timeout: 120_000 });

  const first = new Map(await ages(page));
  assert.ok(first.size >= 5, `${first.size} faces tracked in the camera's view of a photo of seven`);
  const seen = new Map([...first].map(([n, age]) => [n, { min: age, max: age }]));
  const startFrames = await frames(page);
  const started = Date.now();
  // 5 s of frames (and at least 3 of them however slow the machine)
  while (Date.now() - started < 5000 || (await frames(page)) < startFrames + 3) {
    await page.waitForTimeout(200);
    const now = await ages(page);
    assert.deepEqual(now.map(([n]) => n).sort((a, b) => a - b), [...first.keys()].sort((a, b) => a - b), 'the same tracks, numbered as before');
    for (const [n, age] of now) {
      const s = seen.get(n)!;
      s.min = Math.min(s.min, age);
      s.max = Math.max(s.max, age);
    }
  }
  for (const [n, { min, max }] of seen) {
    assert.ok(max - first.get(n)! <= 1 && first.get(n)! - min <= 1, `face ${n}: ${first.get(n)!.toFixed(2)} at first, then ${min.toFixed(2)}..${max.toFixed(2)}`);
  }
  assert.match((await page.textContent('#status')) ?? '', /^\d+ faces · [\d.]+ frames a second on this device$/);

  // Headless Chromium shows every tab as visible (a second tab in front, a minimised window: still 'visible'), so
  // the tab is hidden the way the browser reports it: visibilityState 'hidden' and a visibilitychange event.
  // (a string: tsx would wrap the getters in a helper the page does not have)
  await page.evaluate(`{
    const stream = document.getElementById('video').srcObject;
    window.cameraTracks = stream.getTracks();
    Object.defineProperty(document, 'visibilityState', { configurable: true, get() { return 'hidden'; } });
    Object.defineProperty(document, 'hidden', { configurable: true, get() { return true; } });
    document.dispatchEvent(new Event('visibilitychange'));
  }`);
  const after = await page.evaluate(() => ({
    tracks: (window as unknown as { cameraTracks: MediaStreamTrack[] }).cameraTracks.map((t) => `${t.kind}:${t.readyState}`),
    camera: document.body.dataset.camera,
    srcObject: (document.getElementById('video') as HTMLVideoElement).srcObject,
    status: document.getElementById('status')!.textContent,
  }));
  assert.deepEqual(after.tracks, ['video:ended']);
  assert.equal(after.camera, 'off');
  assert.equal(after.srcObject, null);
  assert.match(after.status ?? '', /turned off because the page was hidden/);
  const stoppedAt = await frames(page);
  await page.waitForTimeout(1500);
  assert.equal(await frames(page), stoppedAt, 'no frame is shown after the camera stopped');
  assert.deepEqual(errors, []);
  await context.close();
});
