import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkOneOf, checkString } from '../../core/checks.js';
import { InputError } from '../../core/errors.js';
import type { LabelledRow } from '../../core/types.js';
import { resolveOptions } from './common.js';
import { openFgnet } from './fgnet.js';
import { openImdbWikiFolder } from './imdb-wiki-names.js';
import { openImdbWikiMat } from './imdb-wiki-mat.js';
import { openFairfaceLabels, openManifest } from './manifest.js';
import type { RejectSummary } from './rejects.js';
import { DATASET_FORMATS, type DatasetFormat, type DatasetOptions, type DatasetReader } from './types.js';
import { openUtkface } from './utkface.js';

export { DATASET_FORMATS } from './types.js';
export type { DatasetFormat, DatasetOptions, DatasetReader, UtkfaceRow } from './types.js';
export { RejectCounter, type RejectSummary } from './rejects.js';
export { parseImdbName, parseWikiName } from './imdb-wiki-names.js';
export { parseUtkfaceName, UTKFACE_RACES } from './utkface.js';
export { parseFgnetName } from './fgnet.js';
export { imdbWikiAge, datenum, faceLocationToBox } from './imdb-wiki-mat.js';
export { isImageName } from './walk.js';

/**
 * Opens a labelled dataset:
 * - `imdb` / `wiki`: a folder of crops named as in the tutorial, or the official imdb.mat / wiki.mat file;
 * - `utkface`, `fgnet`: a folder of images labelled by their names;
 * - `csv`: a CSV/TSV or JSON Lines manifest (`path,age[,age_group][,gender][,race]`);
 * - `fairface`: FairFace's labels (`file,age_group,gender[,race]`), the labels.csv file or the folder holding it.
 * Throws a one-line error now if the source is missing or of the wrong kind; rows are read lazily.
 */
export function openDataset(source: string, format: DatasetFormat, options: DatasetOptions = {}): DatasetReader {
  checkString(source, 'source');
  checkOneOf(format, 'format', DATASET_FORMATS);
  const resolved = resolveOptions(format, options);
  let isDir: boolean;
  try {
    isDir = statSync(source).isDirectory();
  } catch {
    throw new InputError('not_found', 'no such file or folder', source);
  }
  switch (format) {
    case 'imdb':
    case 'wiki':
      return isDir ? openImdbWikiFolder(format, source, resolved) : openImdbWikiMat(format, source, resolved);
    case 'utkface':
    case 'fgnet':
      if (!isDir) throw new InputError('bad_source', `expected a folder of ${format} images, not a file`, source);
      return format === 'utkface' ? openUtkface(source, resolved) : openFgnet(source, resolved);
    case 'csv':
      if (isDir) throw new InputError('bad_source', 'expected a CSV or JSON Lines manifest file, not a folder', source);
      return openManifest(source, resolved);
    case 'fairface': {
      const labels = isDir ? join(source, 'labels.csv') : source;
      if (!existsSync(labels)) throw new InputError('not_found', 'no labels.csv in this FairFace folder', source);
      return openFairfaceLabels(labels, resolved);
    }
  }
}

/** Reads a whole dataset into memory: its rows and the reject summary. */
export async function readDataset(reader: DatasetReader): Promise<{ rows: LabelledRow[]; rejects: RejectSummary }> {
  const rows: LabelledRow[] = [];
  for await (const row of reader.rows()) rows.push(row);
  return { rows, rejects: reader.rejects.summary() };
}
