// Photos with several people: every face found, boxed and labelled with its predicted age (tutorial Figure 7).
import { readdir, stat } from 'node:fs/promises';
import { basename, join, parse } from 'node:path';
import type { Face } from '../core/types.js';
import { errorMessage } from '../core/errors.js';
import { isImageName } from '../data/readers/index.js';
import { decodeImage } from '../image/decode.js';
import type { AgeEstimator } from '../infer/estimator.js';
import { annotatePhoto, type LabelledBox, type RenderedImage } from './gallery.js';
import type { Block, Section } from './html.js';
import { writeRendered, type WrittenImage } from './render.js';

/** The image files of a folder (not recursive), sorted; or the file itself. */
export async function listPhotos(source: string): Promise<string[]> {
  if (!(await stat(source)).isDirectory()) return [source];
  const names = (await readdir(source)).filter((n) => isImageName(n)).sort();
  return names.map((n) => join(source, n));
}

export function faceLabels(faces: Face[]): LabelledBox[] {
  return faces.map((face) => ({
    box: face.box,
    label: String(Math.round(face.age)),
    detail: `${Math.round(face.low)}-${Math.round(face.high)}`,
    color: face.gender ? (face.gender.label === 'female' ? '#ffb347' : '#7fd3ff') : '#ffd400',
  }));
}

/** One photo with its faces boxed and labelled. */
export async function annotateFile(path: string, estimator: AgeEstimator, maxWidth = 900): Promise<{ image: RenderedImage; faces: Face[] }> {
  const pixels = await decodeImage(path);
  const faces = await estimator(pixels);
  return { image: await annotatePhoto(pixels, faceLabels(faces), { maxWidth }), faces };
}

export interface PhotoResult {
  path: string;
  image?: WrittenImage;
  faces: Face[];
  error?: string;
}

/** Annotates up to `limit` photos of `source` into `outDir` as photo-NAME.jpg. */
export async function annotatePhotos(source: string, estimator: AgeEstimator, outDir: string, options: { limit?: number; maxWidth?: number } = {}): Promise<PhotoResult[]> {
  const files = (await listPhotos(source)).slice(0, options.limit ?? 24);
  const results: PhotoResult[] = [];
  const used = new Set<string>();
  for (const path of files) {
    try {
      const { image, faces } = await annotateFile(path, estimator, options.maxWidth);
      let name = `photo-${parse(path).name.replace(/[^\w.-]+/g, '_')}`;
      while (used.has(name)) name += '_';
      used.add(name);
      results.push({ path, faces, image: await writeRendered(outDir, name, image) });
    } catch (err) {
      results.push({ path, faces: [], error: errorMessage(err) });
    }
  }
  return results;
}

export function photoSection(results: PhotoResult[], source: string): Section {
  const blocks: Block[] = [];
  for (const r of results) {
    if (!r.image) {
      blocks.push({ kind: 'text', text: `${basename(r.path)}: ${r.error ?? 'failed'}` });
      continue;
    }
    const ages = r.faces.map((f) => `${Math.round(f.age)} (${Math.round(f.low)}-${Math.round(f.high)})`).join(', ');
    const caption = `${basename(r.path)}: ${r.faces.length} face${r.faces.length === 1 ? '' : 's'}${r.faces.length ? `: ${ages}` : ''}`;
    blocks.push({ kind: 'figure', image: r.image, caption });
  }
  const total = results.reduce((a, r) => a + r.faces.length, 0);
  return {
    id: 'photos',
    title: 'Photos with several faces',
    intro:
      `Every face found in ${results.length} photo${results.length === 1 ? '' : 's'} of ${basename(source) || source} (${total} faces), ` +
      'boxed and labelled with its predicted age and, below it, the 10-90% interval (Figure 7, where the tutorial\'s ' +
      'model saw one face per photo). Blue tags: predicted male, orange: predicted female.',
    blocks,
  };
}
