// FG-NET: `001A02.JPG` is subject 001 at age 2; a letter suffix (`001A43a.JPG`, `001A43b.JPG`) marks a further
// photo at the same age. The subject keeps all of a person's photos on one side of a split.
import type { NameResult, ResolvedOptions } from './common.js';
import { FolderReader } from './common.js';
import type { DatasetReader } from './types.js';

const FGNET_NAME = /^(\d{3})A(\d{2})([ab])?\.(?:jpe?g|png)$/i;

export function parseFgnetName(name: string): NameResult {
  const m = FGNET_NAME.exec(name);
  if (!m) return { reason: 'bad_filename', detail: 'expected <subject>A<age>[a|b].JPG' };
  return { row: { age: Number(m[2]), subject: m[1] } };
}

export function openFgnet(source: string, options: ResolvedOptions): DatasetReader {
  return new FolderReader('fgnet', source, parseFgnetName, options);
}
