// UTKFace: `<age>_<gender>_<race>_<timestamp>.jpg.chip.jpg` (aligned crops) or `....jpg` (in-the-wild set),
// gender 0 male / 1 female, race 0 White, 1 Black, 2 Asian, 3 Indian, 4 Others.
import type { NameResult, ResolvedOptions } from './common.js';
import { FolderReader } from './common.js';
import type { DatasetReader } from './types.js';

/** UTKFace's race codes 0..4 by name, as its README gives them. */
export const UTKFACE_RACES = ['White', 'Black', 'Asian', 'Indian', 'Others'] as const;

const SUFFIX = /(?:\.jpg\.chip\.jpg|\.jpe?g|\.png)$/i;

export function parseUtkfaceName(name: string): NameResult {
  const fields = name.replace(SUFFIX, '').split('_');
  if (fields.length !== 4) {
    return { reason: 'bad_filename', detail: `${fields.length} fields, expected <age>_<gender>_<race>_<timestamp>` };
  }
  const [age, gender, race, stamp] = fields as [string, string, string, string];
  if (!/^\d{1,3}$/.test(age)) return { reason: 'bad_age', detail: `age '${age}' is not a whole number` };
  if (gender !== '0' && gender !== '1') return { reason: 'bad_gender', detail: `gender '${gender}' is not 0 or 1` };
  if (!/^[0-4]$/.test(race)) return { reason: 'bad_race', detail: `race '${race}' is not 0-4` };
  if (!/^\d+$/.test(stamp)) return { reason: 'bad_filename', detail: `timestamp '${stamp}' is not a number` };
  return { row: { age: Number(age), gender: gender === '0' ? 'male' : 'female', race: UTKFACE_RACES[Number(race)]! } };
}

export function openUtkface(source: string, options: ResolvedOptions): DatasetReader {
  return new FolderReader('utkface', source, parseUtkfaceName, options);
}
