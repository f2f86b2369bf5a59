// Pictures for the reports, made with sharp: face crops tiled with a caption under each (tutorial Figures 5/6),
// and photos with each face boxed and labelled with its age (Figure 7).
import sharp, { type OverlayOptions, type Sharp } from 'sharp';
import type { Box, RgbImage } from '../core/types.js';
import { COLORS, FONT, esc, num, textWidth } from './svg.js';
import { layoutTags } from '../core/tag-layout.js';

export interface Tile {
  image: RgbImage;
  /** Caption lines under the face (the first in bold). */
  lines: string[];
  /** Colour of the first caption line and of the tile's frame. */
  color?: string;
}

export interface RenderedImage {
  /** Encoded bytes: JPEG by default (photos compress 5-10x better than as PNG), PNG on request. */
  data: Buffer;
  format: 'jpeg' | 'png';
  width: number;
  height: number;
}

export type ImageFormat = RenderedImage['format'];

function encode(image: Sharp, format: ImageFormat): Promise<Buffer> {
  // A 256-colour palette keeps a photo PNG small (about 4x) with no visible loss at these sizes.
  return format === 'png' ? image.png({ palette: true, effort: 10, compressionLevel: 9 }).toBuffer() : image.jpeg({ quality: 85, mozjpeg: true }).toBuffer();
}

/** A transparent SVG layer to composite over pixels. */
function overlaySvg(width: number, height: number, parts: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="${FONT}">${parts.join('')}</svg>`;
}

function rawInput(image: RgbImage) {
  return { raw: { width: image.width, height: image.height, channels: 3 as const } };
}

async function resized(image: RgbImage, size: number): Promise<Buffer> {
  if (image.width === size && image.height === size) return Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return sharp(Buffer.from(image.data), rawInput(image)).resize(size, size, { fit: 'cover' }).raw().toBuffer();
}

/** Faces in a grid, `columns` wide, each `tile` px square with its caption below. */
export async function tileGallery(tiles: Tile[], options: { columns?: number; tile?: number; title?: string; format?: ImageFormat } = {}): Promise<RenderedImage> {
  const tile = options.tile ?? 128;
  const columns = Math.max(1, Math.min(options.columns ?? 6, Math.max(1, tiles.length)));
  const rows = Math.max(1, Math.ceil(tiles.length / columns));
  const pad = 6;
  const lineCount = Math.max(1, ...tiles.map((t) => t.lines.length));
  const captionH = lineCount * 15 + 6;
  const titleH = options.title ? 30 : 0;
  const cellW = tile + pad;
  const cellH = tile + captionH + pad;
  const width = columns * cellW + pad;
  const height = titleH + rows * cellH + pad;
  const composites: OverlayOptions[] = [];
  const svg: string[] = [];
  if (options.title) svg.push(`<text x="${pad}" y="20" font-size="14" font-weight="bold" fill="#111">${esc(options.title)}</text>`);
  for (const [i, t] of tiles.entries()) {
    const left = pad + (i % columns) * cellW;
    const top = titleH + pad + Math.floor(i / columns) * cellH;
    composites.push({ input: await resized(t.image, tile), ...rawInput({ ...t.image, width: tile, height: tile }), left, top });
    if (t.color) svg.push(`<rect x="${left - 1.5}" y="${top - 1.5}" width="${tile + 3}" height="${tile + 3}" fill="none" stroke="${t.color}" stroke-width="3"/>`);
    t.lines.forEach((line, k) => {
      const weight = k === 0 ? ' font-weight="bold"' : '';
      const color = k === 0 ? (t.color ?? '#111') : COLORS.muted;
      svg.push(`<text x="${left + tile / 2}" y="${top + tile + 15 + k * 15}" font-size="${k === 0 ? 12 : 10}" text-anchor="middle" fill="${color}"${weight}>${esc(line)}</text>`);
    });
  }
  composites.push({ input: Buffer.from(overlaySvg(width, height, svg)), left: 0, top: 0 });
  const format = options.format ?? 'jpeg';
  const data = await encode(sharp({ create: { width, height, channels: 3, background: '#ffffff' } }).composite(composites), format);
  return { data, format, width, height };
}

export interface LabelledBox {
  box: Box;
  /** Main label (say, the age). */
  label: string;
  /** A smaller second line (say, the interval). */
  detail?: string;
  color?: string;
}

/**
 * A transparent layer the size of a photo with each box drawn and its label on a tag beside it (above, below or to a
 * side, wherever it covers no face: core/tag-layout.ts), with the detail on every box: the one drawing of
 * faces and ages, used by the reports and by `howold predict --annotate`. `scale` maps box coordinates onto it;
 * tags grow with photos wider than 900 px so they stay readable on full-size photos.
 */
export function boxesSvg(width: number, height: number, boxes: LabelledBox[], scale = 1): string {
  const grow = Math.max(1, width / 900);
  const drawn = boxes.map((b) => {
    const rect = { x: b.box.x * scale, y: b.box.y * scale, width: b.box.width * scale, height: b.box.height * scale };
    const stroke = Math.max(2, Math.min(4 * grow, rect.width / 40));
    // the label stays readable on small faces: it sits beside the face, not inside it
    const size = Math.round(Math.max(12, Math.min(22 * grow, Math.max(rect.width * 0.3, 13 * grow))));
    const small = Math.round(size * 0.75);
    const hasDetail = b.detail !== undefined;
    const tagW = Math.max(textWidth(b.label, size) * 1.05, hasDetail ? textWidth(b.detail!, small) : 0) + 10;
    const tagH = size + 8 + (hasDetail ? small + 2 : 0);
    return { b, rect, stroke, size, small, tagW, tagH };
  });
  // every tag where it covers no face and no other tag when there is such a spot (above, below, beside)
  const spots = layoutTags(drawn.map((d) => d.rect), drawn.map((d) => ({ width: d.tagW, height: d.tagH })), width, height);
  const svg: string[] = [];
  for (const d of drawn) {
    const color = d.b.color ?? '#ffd400';
    const { x, y, width: w, height: h } = d.rect;
    svg.push(`<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" fill="none" stroke="${color}" stroke-width="${num(d.stroke)}"/>`);
  }
  drawn.forEach((d, i) => {
    const color = d.b.color ?? '#ffd400';
    const { x: tagX, y: tagY } = spots[i]!;
    svg.push(`<rect x="${num(tagX)}" y="${num(tagY)}" width="${num(d.tagW)}" height="${num(d.tagH)}" fill="${color}" fill-opacity="0.9"/>`);
    svg.push(`<text x="${num(tagX + 5)}" y="${num(tagY + d.size + 2)}" font-size="${d.size}" font-weight="bold" fill="#000">${esc(d.b.label)}</text>`);
    if (d.b.detail !== undefined) svg.push(`<text x="${num(tagX + 5)}" y="${num(tagY + d.size + d.small + 4)}" font-size="${d.small}" fill="#000">${esc(d.b.detail)}</text>`);
  });
  return overlaySvg(width, height, svg);
}

/** The photo (shrunk to at most `maxWidth`) with each box drawn and its label on a tag above it. */
export async function annotatePhoto(image: RgbImage, boxes: LabelledBox[], options: { maxWidth?: number; format?: ImageFormat } = {}): Promise<RenderedImage> {
  const scale = Math.min(1, (options.maxWidth ?? 900) / image.width);
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  let base = sharp(Buffer.from(image.data), rawInput(image));
  if (scale < 1) base = base.resize(width, height);
  const photo = await base.raw().toBuffer();
  const format = options.format ?? 'jpeg';
  const composed = sharp(photo, rawInput({ data: photo, width, height })).composite([{ input: Buffer.from(boxesSvg(width, height, boxes, scale)), left: 0, top: 0 }]);
  return { data: await encode(composed, format), format, width, height };
}

/** Caption colour by absolute error: green within 5 years, orange within 10, red beyond. */
export function errorColor(error: number): string {
  const e = Math.abs(error);
  return e <= 5 ? COLORS.good : e <= 10 ? '#e08a00' : COLORS.bad;
}
