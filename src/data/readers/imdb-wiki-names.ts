// IMDB-WIKI crops named as in the tutorial, in a folder (the official layout has 00/ .. 99/ subfolders):
//   IMDB       nm0000100_rm46373120_1955-1-6_2003.jpg   person nm0000100, born 1955-01-06, photo taken 2003
//   Wikipedia  10000217_1981-05-05_2009.jpg             born 1981-05-05, photo taken 2009
// Age = year taken - birth year (the tutorial's rule; the .mat reader uses the official 1 July rule).
import type { NameResult, ResolvedOptions } from './common.js';
import { FolderReader } from './common.js';
import type { DatasetReader } from './types.js';

const IMDB_NAME = /^(nm\d+)_rm\d+_(\d{1,4})-(\d{1,2})-(\d{1,2})_(\d{1,4})\.(?:jpe?g|png)$/i;
const WIKI_NAME = /^(\d+)_(\d{1,4})-(\d{1,2})-(\d{1,2})_(\d{1,4})\.(?:jpe?g|png)$/i;

function result(born: number, taken: number, subject?: string): NameResult {
  if (born <= 0) return { reason: 'bad_dob', detail: `birth year ${born}` };
  return { row: subject === undefined ? { age: taken - born } : { age: taken - born, subject } };
}

/** Labels of an IMDB crop name; the nm id is the person, so it becomes the subject. */
export function parseImdbName(name: string): NameResult {
  const m = IMDB_NAME.exec(name);
  if (!m) return { reason: 'bad_filename', detail: 'expected nm<id>_rm<id>_<born Y-M-D>_<year taken>.jpg' };
  return result(Number(m[2]), Number(m[5]), m[1]);
}

export function parseWikiName(name: string): NameResult {
  const m = WIKI_NAME.exec(name);
  if (!m) return { reason: 'bad_filename', detail: 'expected <id>_<born Y-M-D>_<year taken>.jpg' };
  return result(Number(m[2]), Number(m[5]));
}

export function openImdbWikiFolder(format: 'imdb' | 'wiki', source: string, options: ResolvedOptions): DatasetReader {
  return new FolderReader(format, source, format === 'imdb' ? parseImdbName : parseWikiName, options);
}
