import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import type { RgbImage } from '../core/types.js';
import { annotatePhoto, errorColor, tileGallery } from './gallery.js';

const dir = mkdtempSync(path.join(tmpdir(), 'howold-gallery-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function flat(width: number, height: number, rgb: [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(rgb, i);
  return { data, width, height };
}

test('tileGallery: a grid of captioned faces, of the computed size, crops resized to the tile', async () => {
  const tiles = [
    { image: flat(64, 64, [200, 50, 50]), lines: ['A=30 P=31', 'interval 25-37'], color: errorColor(1) },
    { image: flat(100, 100, [50, 200, 50]), lines: ['A=8 P=40'], color: errorColor(32) },
    { image: flat(64, 64, [50, 50, 200]), lines: ['A=50 P=58'] },
  ];
  const g = await tileGallery(tiles, { columns: 2, tile: 64, title: 'Three faces', format: 'png' });
  // 2 columns of (64 + 6) + 6; title 30 + 2 rows of (64 + caption 2 x 15 + 6 + 6) + 6.
  assert.deepEqual([g.width, g.height], [146, 30 + 2 * (64 + 36 + 6) + 6]);
  const meta = await sharp(g.data).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', g.width, g.height]);
  // The second tile (resized from 100 px) sits at column 2 of row 1.
  const { data, info } = await sharp(g.data).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3));
  assert.deepEqual(at(6 + 70 + 32, 30 + 6 + 32), [50, 200, 50]);
  assert.deepEqual(at(6 + 32, 30 + 6 + 32), [200, 50, 50]);
  const jpeg = await tileGallery(tiles.slice(0, 1));
  assert.equal((await sharp(jpeg.data).metadata()).format, 'jpeg');
});

test('annotatePhoto: boxes and tags drawn on the photo, shrunk to maxWidth', async () => {
  const photo = flat(400, 200, [128, 128, 128]);
  const boxes = [
    { box: { x: 40, y: 60, width: 80, height: 80 }, label: '34', detail: '28-41' },
    { box: { x: 300, y: 0, width: 40, height: 40 }, label: '7', color: '#7fd3ff' },
  ];
  const same = await annotatePhoto(photo, boxes, { format: 'png' });
  assert.deepEqual([same.width, same.height], [400, 200]);
  const half = await annotatePhoto(photo, boxes, { maxWidth: 200 });
  assert.deepEqual([half.width, half.height], [200, 100]);
  writeFileSync(path.join(dir, 'half.jpg'), half.data);
  const meta = await sharp(path.join(dir, 'half.jpg')).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 200, 100]);
  const { data } = await sharp(same.data).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const px = (x: number, y: number) => Array.from(data.subarray((y * 400 + x) * 3, (y * 400 + x) * 3 + 3));
  assert.deepEqual(px(200, 150), [128, 128, 128], 'untouched away from the boxes');
  assert.notDeepEqual(px(40, 100), [128, 128, 128], 'the box edge is drawn');
});

test('boxesSvg: the range on every box however small, and a face at the top edge gets its tag below it, off the face', async () => {
  const { boxesSvg } = await import('./gallery.js');
  const boxes = [
    { box: { x: 20, y: 0, width: 24, height: 28 }, label: '1: 31', detail: '25-38' },
    { box: { x: 120, y: 60, width: 30, height: 34 }, label: '2: 8', detail: '5-12' },
  ];
  const svg = boxesSvg(300, 200, boxes);
  assert.match(svg, /25-38/);
  assert.match(svg, /5-12/);
  const rects = [...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="([^"]+)"/g)].map((m) => ({
    x: Number(m[1]), y: Number(m[2]), width: Number(m[3]), height: Number(m[4]), fill: m[5],
  }));
  const tags = rects.filter((r) => r.fill !== 'none');
  assert.equal(tags.length, 2);
  for (const t of tags) {
    for (const { box: b } of boxes) {
      const w = Math.min(t.x + t.width, b.x + b.width) - Math.max(t.x, b.x);
      const h = Math.min(t.y + t.height, b.y + b.height) - Math.max(t.y, b.y);
      assert.ok(!(w > 0 && h > 0), `tag at ${t.x},${t.y} covers the face at ${b.x},${b.y}`);
    }
  }
  assert.ok(tags[0]!.y >= 28, 'the top-edge face has its tag below it');
});
