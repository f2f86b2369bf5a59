// Where to put each face's label so that it covers no face and no other label: the page and the annotated photos
// (report/gallery.ts boxesSvg) place their tags with it. Greedy, in the order given: each tag takes the first spot,
// in order of preference, that overlaps nothing already there, else the spot overlapping the least.
// Distinct hues readable with black text; past twelve faces, more hues by the golden angle.
const TAG_COLOURS = ['#ffb400', '#00c2ff', '#ff4f81', '#7ddc1f', '#b98cff', '#ff7a2f', '#00e0b0', '#ffe14d', '#ff9ecf', '#8fb3ff', '#c6f26b', '#e0a96d'];

/** The colour of face i's box and tag: the same on the page and in annotated photos. */
export function tagColour(i: number): string {
  return TAG_COLOURS[i] ?? `hsl(${Math.round((i * 137.508) % 360)}, 90%, 62%)`;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface TagSpot {
  x: number;
  y: number;
  /** Area of faces and earlier tags this spot covers (0 when it covers nothing). */
  covers: number;
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * A spot for each tag (`sizes[i]` for `boxes[i]`) inside a `width` x `height` picture: above the box, below it,
 * right of it, left of it (each also shifted along the box's edge), and only when all of those cover something,
 * the least covering of them. `gap` is the space between a box and its tag.
 */
export function layoutTags(boxes: Rect[], sizes: { width: number; height: number }[], width: number, height: number, gap = 3): TagSpot[] {
  const placed: Rect[] = [];
  return boxes.map((box, i) => {
    const { width: tw, height: th } = sizes[i]!;
    const cx = box.x + box.width / 2 - tw / 2;
    const clampX = (x: number) => Math.min(Math.max(0, x), Math.max(0, width - tw));
    const clampY = (y: number) => Math.min(Math.max(0, y), Math.max(0, height - th));
    const above = box.y - th - gap;
    const below = box.y + box.height + gap;
    const right = box.x + box.width + gap;
    const left = box.x - tw - gap;
    const candidates: { x: number; y: number; fits: boolean }[] = [
      { x: cx, y: above, fits: above >= 0 },
      { x: box.x, y: above, fits: above >= 0 },
      { x: box.x + box.width - tw, y: above, fits: above >= 0 },
      { x: cx, y: below, fits: below + th <= height },
      { x: box.x, y: below, fits: below + th <= height },
      { x: box.x + box.width - tw, y: below, fits: below + th <= height },
      { x: right, y: box.y, fits: right + tw <= width },
      { x: left, y: box.y, fits: left >= 0 },
      { x: right, y: box.y + box.height - th, fits: right + tw <= width },
      { x: left, y: box.y + box.height - th, fits: left >= 0 },
    ];
    let best: TagSpot | undefined;
    for (const c of candidates) {
      // a spot off the picture is clamped back onto it, and then judged like any other
      const spot = { x: clampX(c.x), y: clampY(c.y), width: tw, height: th };
      let covers = 0;
      for (const b of boxes) covers += overlap(spot, b);
      for (const p of placed) covers += overlap(spot, p);
      // prefer spots that fit unclamped; a clamped one only wins by covering strictly less
      const score = covers + (c.fits ? 0 : 0.5);
      if (!best || score < best.covers) best = { x: spot.x, y: spot.y, covers: score };
      if (score === 0) break;
    }
    placed.push({ x: best!.x, y: best!.y, width: tw, height: th });
    return { x: best!.x, y: best!.y, covers: Math.floor(best!.covers) };
  });
}
