// howold/browser in Chromium finds the same faces as Node (`howold predict`'s path) on the nine group photos,
// with the same ages: boxes within IoU 0.95, ages within 0.5 years. The page is served by a plain static server.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { createAgeEstimator } from '../src/index.js';
import { iou } from '../src/detect/index.js';
import { groupPhotosDir, useStaticPage } from './chromium.js';

const photos = readdirSync(groupPhotosDir).filter((f) => f.endsWith('.jpg')).sort().map((f) => path.join(groupPhotosDir, f));

interface PageFace {
  age: number;
  low: number;
  high: number;
  box: { x: number; y: number; width: number; height: number };
}

const page$ = useStaticPage();

test('the page on a static server finds the faces Node finds in the 9 group photos, with ages within 0.5 years', async () => {
  assert.equal(photos.length, 9, `group photos in ${groupPhotosDir}`);
  const estimator = await createAgeEstimator();
  const node = await estimator(photos);
  await estimator.dispose();

  const page = await page$.browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(page$.url);
  await page.waitForSelector('body[data-models="ready"]', { timeout: 120_000 });
  assert.match((await page.textContent('#privacy')) ?? '', /never leaves this device/);

  let worst = { iou: 1, age: 0 };
  let total = 0;
  for (const [i, file] of photos.entries()) {
    const expected = node[i]!;
    if (expected.error) throw expected.error;
    await page.setInputFiles('#file', file);
    await page.waitForFunction((n) => Number(document.body.dataset.done ?? 0) === n, i + 1, { timeout: 60_000 });
    const got: PageFace[] = await page.$$eval('.face', (els) =>
      els.map((el) => {
        const d = (el as HTMLElement).dataset;
        return { age: Number(d.age), low: Number(d.low), high: Number(d.high), box: { x: Number(d.x), y: Number(d.y), width: Number(d.width), height: Number(d.height) } };
      }),
    );
    const name = path.basename(file);
    assert.equal(got.length, expected.faces.length, `${name}: ${got.length} faces in the browser, ${expected.faces.length} in Node`);
    assert.ok(expected.faces.length >= 2, `${name}: a group photo`);
    for (const face of expected.faces) {
      const best = got.reduce((a, b) => (iou(a.box, face.box) >= iou(b.box, face.box) ? a : b));
      const overlap = iou(best.box, face.box);
      const diff = Math.abs(best.age - face.age);
      worst = { iou: Math.min(worst.iou, overlap), age: Math.max(worst.age, diff) };
      assert.ok(overlap >= 0.95, `${name}: face at ${face.box.x.toFixed(0)},${face.box.y.toFixed(0)} has IoU ${overlap.toFixed(3)} with the browser's`);
      assert.ok(diff <= 0.5, `${name}: age ${best.age.toFixed(2)} in the browser, ${face.age.toFixed(2)} in Node`);
      assert.ok(Math.abs(best.low - face.low) <= 0.5 && Math.abs(best.high - face.high) <= 0.5, `${name}: interval`);
      total += 1;
    }
  }
  console.log(`# parity: ${total} faces, lowest IoU ${worst.iou.toFixed(4)}, largest age difference ${worst.age.toFixed(3)} years`);
  assert.deepEqual(errors, []);
  await page.close();
});
