// Draws each face's box and age on the photo, like how-old.net: sharp composites an SVG layer (librsvg), no canvas.
// The drawing itself is the reports' (boxesSvg); this keeps the photo's own size and format.
import sharp from 'sharp';
import type { FaceJson } from '../index.js';
import { boxesSvg, type LabelledBox } from '../report/gallery.js';

const COLOURS = ['#ffb400', '#00c2ff', '#ff4f81', '#7ddc1f', '#b98cff', '#ff7a2f'];

export function ageLabel(face: Pick<FaceJson, 'age' | 'gender'>): string {
  const sign = face.gender ? (face.gender.label === 'female' ? ' \u2640' : ' \u2642') : '';
  return `${Math.round(face.age)}${sign}`;
}

export function faceBoxes(faces: FaceJson[]): LabelledBox[] {
  return faces.map((face, i) => ({
    box: face.box,
    label: ageLabel(face),
    detail: `${Math.round(face.low)}-${Math.round(face.high)}`,
    color: COLOURS[i % COLOURS.length],
  }));
}

/**
 * The photo (EXIF orientation applied, original size) with the faces drawn on it, encoded like the input
 * (JPEG stays JPEG, PNG and WebP stay themselves).
 */
export async function annotatePhoto(input: string | Buffer, faces: FaceJson[]): Promise<{ data: Buffer; format: 'jpeg' | 'png' | 'webp' }> {
  const meta = await sharp(input).metadata();
  const width = meta.autoOrient?.width ?? meta.width ?? 0;
  const height = meta.autoOrient?.height ?? meta.height ?? 0;
  const svg = Buffer.from(boxesSvg(width, height, faceBoxes(faces)));
  const out = sharp(input).rotate().composite([{ input: svg, top: 0, left: 0 }]);
  const format = meta.format;
  if (format === 'png') return { data: await out.png().toBuffer(), format: 'png' };
  if (format === 'webp') return { data: await out.webp({ quality: 90 }).toBuffer(), format: 'webp' };
  return { data: await out.jpeg({ quality: 90 }).toBuffer(), format: 'jpeg' };
}
