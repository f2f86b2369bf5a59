import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layoutTags, type Rect } from './tag-layout.js';

const overlaps = (a: Rect, b: Rect) =>
  Math.min(a.x + a.width, b.x + b.width) > Math.max(a.x, b.x) && Math.min(a.y + a.height, b.y + b.height) > Math.max(a.y, b.y);

test('layoutTags: above the face when there is room, below it at the top edge, never over a face or another tag', () => {
  const size = { width: 40, height: 20 };
  const [free] = layoutTags([{ x: 100, y: 100, width: 50, height: 50 }], [size], 400, 300);
  assert.deepEqual(free, { x: 105, y: 77, covers: 0 });
  // a face touching the top edge: the tag goes under it, not onto it
  const [top] = layoutTags([{ x: 100, y: 0, width: 50, height: 50 }], [size], 400, 300);
  assert.equal(top!.y, 53);
  // a row of faces close together under another row: every tag finds a spot off every face
  const boxes: Rect[] = [];
  for (let i = 0; i < 6; i++) boxes.push({ x: 10 + i * 55, y: 10, width: 45, height: 45 }, { x: 30 + i * 55, y: 80, width: 45, height: 45 });
  const spots = layoutTags(boxes, boxes.map(() => size), 400, 300);
  const tags = spots.map((s) => ({ x: s.x, y: s.y, ...size }));
  tags.forEach((t, i) => {
    for (const b of boxes) assert.ok(!overlaps(t, b), `tag ${i} over a face`);
    tags.forEach((u, j) => assert.ok(i === j || !overlaps(t, u), `tags ${i} and ${j} overlap`));
    assert.ok(t.x >= 0 && t.y >= 0 && t.x + t.width <= 400 && t.y + t.height <= 300, `tag ${i} off the picture`);
  });
});
