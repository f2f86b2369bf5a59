// Draws each face's box and age on the photo, like how-old.net: sharp composites an SVG overlay (librsvg), no canvas.
import sharp from 'sharp';
import type { FaceJson } from '../index.js';

const COLOURS = ['#ffb400', '#00c2ff', '#ff4f81', '#7ddc1f', '#b98cff', '#ff7a2f'];

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function ageLabel(face: Pick<FaceJson, 'age' | 'gender'>): string {
  const sign = face.gender ? (face.gender.label === 'female' ? ' \u2640' : ' \u2642') : '';
  return `${Math.round(face.age)}${sign}`;
}

/** An SVG the size of the photo with one box and one age label per face. */
export function overlaySvg(width: number, height: number, faces: FaceJson[]): string {
  const unit = Math.max(width, height) / 100;
  const stroke = Math.max(2, Math.round(unit * 0.5));
  const font = Math.max(12, Math.round(unit * 3.2));
  const parts = faces.map((face, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const { x, y, width: w, height: h } = face.box;
    const text = ageLabel(face);
    const labelW = Math.round(font * (0.62 * [...text].length + 0.8));
    const labelH = Math.round(font * 1.4);
    // Above the box when it fits, otherwise just inside its top edge.
    const ly = y - labelH - stroke >= 0 ? y - labelH - stroke : Math.max(0, y + stroke);
    const lx = Math.min(Math.max(0, x + w / 2 - labelW / 2), Math.max(0, width - labelW));
    return [
      `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>`,
      `<rect x="${lx.toFixed(1)}" y="${ly.toFixed(1)}" width="${labelW}" height="${labelH}" rx="${Math.round(font / 4)}" fill="${colour}"/>`,
      `<text x="${(lx + labelW / 2).toFixed(1)}" y="${(ly + labelH * 0.72).toFixed(1)}" font-family="DejaVu Sans, Liberation Sans, sans-serif" ` +
        `font-size="${font}" font-weight="bold" fill="#111" text-anchor="middle">${escapeXml(text)}</text>`,
    ].join('');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

/**
 * The photo (EXIF orientation applied, original size) with the faces drawn on it, encoded like the input
 * (JPEG stays JPEG, PNG and WebP stay themselves).
 */
export async function annotatePhoto(input: string | Buffer, faces: FaceJson[]): Promise<{ data: Buffer; format: 'jpeg' | 'png' | 'webp' }> {
  const meta = await sharp(input).metadata();
  const width = meta.autoOrient?.width ?? meta.width ?? 0;
  const height = meta.autoOrient?.height ?? meta.height ?? 0;
  const svg = Buffer.from(overlaySvg(width, height, faces));
  const out = sharp(input).rotate().composite([{ input: svg, top: 0, left: 0 }]);
  const format = meta.format;
  if (format === 'png') return { data: await out.png().toBuffer(), format: 'png' };
  if (format === 'webp') return { data: await out.webp({ quality: 90 }).toBuffer(), format: 'webp' };
  return { data: await out.jpeg({ quality: 90 }).toBuffer(), format: 'jpeg' };
}
