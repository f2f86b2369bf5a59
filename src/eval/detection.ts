// Detection quality against annotated boxes (the group photos' faces.csv): faces found and false positives, and
// the share of images with no face at all (FairFace: one face in every image). Used by `npm run bench:detect`
// and the detector tests, so both count the same way.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Box } from '../core/types.js';
import { InputError } from '../core/errors.js';
import { iou } from '../detect/pipeline.js';

/** dlib's boxes are tight around eyes, nose and mouth, smaller than a detector's: matched at this loose IoU. */
export const MATCH_IOU = 0.4;

/** The annotated faces of each photo in a `file,...,left,top,width,height` CSV (group-photos/faces.csv). */
export async function readFaceBoxes(csvPath: string): Promise<Map<string, Box[]>> {
  const rows = parse(await readFile(csvPath, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  const boxes = new Map<string, Box[]>();
  for (const [i, row] of rows.entries()) {
    const box = { x: Number(row.left), y: Number(row.top), width: Number(row.width), height: Number(row.height) };
    if (!row.file || !Object.values(box).every(Number.isFinite)) {
      throw new InputError('bad_labels', `row ${i + 2}: expected file,left,top,width,height`, path.basename(csvPath));
    }
    boxes.set(row.file, [...(boxes.get(row.file) ?? []), box]);
  }
  return boxes;
}

export interface DetectionMatch {
  /** Annotated faces matched by a detection. */
  found: number;
  /** Detections matched to no annotated face. */
  falsePositives: number;
  /** Indices of the annotated faces not found. */
  missed: number[];
  /** Indices of the detections that matched nothing. */
  extra: number[];
}

/** Greedy one-to-one matching, best overlap first, at IoU >= `minIou`. */
export function matchDetections(truth: Box[], detected: Box[], minIou = MATCH_IOU): DetectionMatch {
  const pairs = truth.flatMap((g, gi) => detected.map((d, di) => ({ gi, di, v: iou(g, d) }))).sort((a, b) => b.v - a.v);
  const usedTruth = new Set<number>();
  const usedDetected = new Set<number>();
  for (const { gi, di, v } of pairs) {
    if (v < minIou || usedTruth.has(gi) || usedDetected.has(di)) continue;
    usedTruth.add(gi);
    usedDetected.add(di);
  }
  return {
    found: usedTruth.size,
    falsePositives: detected.length - usedDetected.size,
    missed: truth.flatMap((_, i) => (usedTruth.has(i) ? [] : [i])),
    extra: detected.flatMap((_, i) => (usedDetected.has(i) ? [] : [i])),
  };
}
