// Draws each face's box and age on the photo, like how-old.net: sharp composites an SVG layer (librsvg), no canvas.
// The drawing itself is the reports' (boxesSvg); this keeps the photo's own size and format.
import sharp from 'sharp';
import { tagColour, type FaceJson } from '../index.js';
import { boxesSvg, type LabelledBox } from '../report/index.js';


export function ageLabel(face: Pick<FaceJson, 'age' | 'gender'>): string {
  const sign = face.gender ? (face.gender.label === 'female' ? ' \u2640' : ' \u2642') : '';
  return `${Math.round(face.age)}${sign}`;
}

export function faceBoxes(faces: FaceJson[]): LabelledBox[] {
  return faces.map((face, i) => ({
    box: face.box,
    // numbered as predict's lines number them ("face 1"), with the range on every face
    label: `${i + 1}: ${ageLabel(face)}`,
    detail: `${Math.round(face.low)}-${Math.round(face.high)}`,
    // the web page's colours: face n has the same colour and number here and there
    color: tagColour(i),
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
