// A manifest for anyone's own data: CSV (or TSV) with a header row
// `path,age[,age_group][,gender][,race][,subject][,x,y,width,height]`, or JSON Lines
// `{"path": ..., "age": ..., "age_group": ..., "gender": ..., "race": ..., "subject": ..., "faceBox": {x, y, width, height}}`.
// Paths are relative to the manifest's folder. Gender: m/f/male/female, or 0/1 as in UTKFace (0 male, 1 female).
// A row needs an age or an age group ('0-2', '10-19', '70+'; core/age-group.ts): a row with only a group has
// `ageGroup` set and its middle as `age`; a row with both keeps its age (which must lie in the group).
import { createReadStream } from 'node:fs';
import { dirname, extname, isAbsolute, join } from 'node:path';
import { createInterface } from 'node:readline';
import { parse as parseCsv } from 'csv-parse/sync';
import { errorMessage, InputError } from '../../core/errors.js';
import { groupMiddle, inGroup, parseAgeGroup } from '../../core/age-group.js';
import type { Box, Gender, LabelledRow } from '../../core/types.js';
import type { ResolvedOptions } from './common.js';
import { ageInRange, ageRangeText, fileExists } from './common.js';
import { RejectCounter } from './rejects.js';
import type { DatasetReader } from './types.js';

const GENDERS: Record<string, Gender> = { m: 'male', male: 'male', '0': 'male', f: 'female', female: 'female', '1': 'female' };
const BOX_KEYS = ['x', 'y', 'width', 'height'] as const;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** The fields of one manifest entry before checking; `where` (file:line) names it in label rejects. */
interface Entry {
  where: string;
  path: unknown;
  age: unknown;
  ageGroup?: unknown;
  gender?: unknown;
  race?: unknown;
  subject?: unknown;
  box?: Partial<Record<(typeof BOX_KEYS)[number], unknown>>;
}

/** Which header names hold the path, the age and the age group: the first one present is used. */
export interface ManifestColumns {
  path: string[];
  age: string[];
  ageGroup: string[];
}

const DEFAULT_COLUMNS: ManifestColumns = { path: ['path'], age: ['age'], ageGroup: ['age_group'] };

function isBlank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

export class ManifestReader implements DatasetReader {
  readonly rejects: RejectCounter;
  /** Each path (and face box) accepted so far, with where it was. */
  private seen = new Map<string, string>();

  constructor(
    readonly source: string,
    private options: ResolvedOptions,
    private columns: ManifestColumns = DEFAULT_COLUMNS,
    readonly format: 'csv' | 'fairface' = 'csv',
  ) {
    this.rejects = new RejectCounter(options.maxExamples, options.onReject);
  }

  get kind(): 'jsonl' | 'csv' {
    return ['.jsonl', '.ndjson', '.json'].includes(extname(this.source).toLowerCase()) ? 'jsonl' : 'csv';
  }

  async *rows(): AsyncGenerator<LabelledRow> {
    this.rejects.clear();
    this.seen.clear();
    const entries = this.kind === 'jsonl' ? this.jsonlEntries() : this.csvEntries();
    for await (const entry of entries) {
      const row = await this.check(entry);
      if (row) yield row;
    }
  }

  private async check(e: Entry): Promise<LabelledRow | undefined> {
    const reject = (path: string, reason: string, detail?: string) => {
      this.rejects.reject(path, reason, detail);
      return undefined;
    };
    if (isBlank(e.path) || typeof e.path !== 'string') return reject(e.where, 'missing_path');
    const path = isAbsolute(e.path) ? e.path : join(dirname(this.source), e.path);
    // label problems name the manifest's line, where the fix is made
    const group = isBlank(e.ageGroup) ? undefined : parseAgeGroup(String(e.ageGroup));
    if (!isBlank(e.ageGroup) && !group) {
      return reject(e.where, 'bad_age_group', `age group '${String(e.ageGroup)}' is not like 0-2, 10-19 or 70+ (whole years 0-120)`);
    }
    if (isBlank(e.age) && !group) return reject(path, 'missing_age');
    let row: LabelledRow;
    if (isBlank(e.age)) {
      row = { path, age: groupMiddle(group!), ageGroup: group! };
    } else {
      // decimal only: Number() would also read '0x1F' as 31, '1e1' as 10 and '0b11' as 3
      const age = typeof e.age === 'number' ? e.age : typeof e.age === 'string' && DECIMAL.test(e.age.trim()) ? Number(e.age.trim()) : Number.NaN;
      if (!Number.isFinite(age)) return reject(path, 'bad_age', `age '${String(e.age)}' is not a decimal number`);
      if (!ageInRange(age, this.options)) return reject(path, 'age_out_of_range', `age ${age} ${ageRangeText(this.options)}`);
      if (group && !inGroup(age, group)) return reject(e.where, 'age_group_mismatch', `age ${age} is not in its age group ${group.label}`);
      row = { path, age };
    }
    if (!isBlank(e.gender)) {
      const gender = GENDERS[String(e.gender).trim().toLowerCase()];
      if (!gender) return reject(path, 'bad_gender', `gender '${String(e.gender)}' is not m, f, male, female, 0 or 1`);
      row.gender = gender;
    }
    if (!isBlank(e.race)) row.race = String(e.race).trim();
    if (!isBlank(e.subject)) row.subject = String(e.subject).trim();
    if (e.box && BOX_KEYS.some((k) => !isBlank(e.box![k]))) {
      const values = BOX_KEYS.map((k) => Number(e.box![k]));
      const [x, y, width, height] = values as [number, number, number, number];
      if (!values.every(Number.isFinite) || width <= 0 || height <= 0) {
        return reject(path, 'bad_face_box', `box ${BOX_KEYS.map((k) => String(e.box![k])).join(',')}`);
      }
      row.faceBox = { x, y, width, height } satisfies Box;
    }
    // the same face twice would weigh double in training and could land in both train and test
    const key = `${path}\0${row.faceBox ? BOX_KEYS.map((k) => row.faceBox![k]).join(',') : ''}`;
    const first = this.seen.get(key);
    if (first !== undefined) return reject(path, 'duplicate_row', `the same ${row.faceBox ? 'face box' : 'file'} as ${first}`);
    this.seen.set(key, e.where);
    if (this.options.checkFiles && !(await fileExists(path))) return reject(path, 'missing_file', 'no such file');
    return row;
  }

  /**
   * One physical line is one record: a quote left open is that line's reject ('bad_csv_record'), not the silent
   * end of the file (CSV would let it run on through every following line). Paths holding a newline are not
   * supported in a CSV manifest (use JSON Lines).
   */
  private async *csvEntries(): AsyncGenerator<Entry> {
    const source = this.source;
    const cols = this.columns;
    let pick: { path?: string; age?: string; ageGroup?: string } = {};
    const delimiter = extname(source).toLowerCase() === '.tsv' ? '\t' : ',';
    const lines = createInterface({ input: createReadStream(source), crlfDelay: Infinity });
    let columns: string[] | undefined;
    let n = 0;
    try {
      for await (const raw of lines) {
        n += 1;
        const line = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
        if (line.trim() === '') continue;
        let fields: string[];
        try {
          fields = (parseCsv(line, { delimiter, relax_quotes: true, relax_column_count: true }) as string[][])[0] ?? [];
        } catch (err) {
          if (!columns) throw new InputError('bad_manifest', `bad header line (${errorMessage(err)})`, source);
          this.rejects.reject(`${source}:${n}`, 'bad_csv_record', errorMessage(err));
          continue;
        }
        if (!columns) {
          const names = fields.map((h) => h.trim().toLowerCase());
          const first = (candidates: string[]) => candidates.find((c) => names.includes(c));
          pick = { path: first(cols.path), age: first(cols.age), ageGroup: first(cols.ageGroup) };
          if (!pick.path || (!pick.age && !pick.ageGroup)) {
            const want = `${cols.path.join(' or ')} and ${[...cols.age, ...cols.ageGroup].join(' or ')}`;
            throw new InputError('bad_manifest', `header must name the columns ${want} (found: ${names.join(',')})`, source);
          }
          columns = names;
          continue;
        }
        const r: Record<string, string> = {};
        columns.forEach((name, i) => {
          if (fields[i] !== undefined) r[name] = fields[i]!;
        });
        yield {
          where: `${source}:${n}`,
          path: r[pick.path!]?.trim(),
          age: pick.age ? r[pick.age] : undefined,
          ageGroup: pick.ageGroup ? r[pick.ageGroup] : undefined,
          gender: r.gender,
          race: r.race,
          subject: r.subject,
          box: { x: r.x, y: r.y, width: r.width, height: r.height },
        };
      }
    } catch (err) {
      throw manifestError(err, source);
    }
  }

  private async *jsonlEntries(): AsyncGenerator<Entry> {
    const source = this.source;
    const lines = createInterface({ input: createReadStream(source), crlfDelay: Infinity });
    let n = 0;
    try {
      for await (const line of lines) {
        n += 1;
        if (line.trim() === '') continue;
        const where = `${source}:${n}`;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch (err) {
          this.rejects.reject(where, 'bad_json', errorMessage(err));
          continue;
        }
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          this.rejects.reject(where, 'bad_json', 'not an object');
          continue;
        }
        const o = value as Record<string, unknown>;
        const box = typeof o.faceBox === 'object' && o.faceBox !== null ? (o.faceBox as Entry['box']) : undefined;
        const field = (names: string[]) => {
          const key = names.find((k) => k in o);
          return key === undefined ? undefined : o[key];
        };
        yield { where, path: field(this.columns.path), age: field(this.columns.age), ageGroup: field(this.columns.ageGroup), gender: o.gender, race: o.race, subject: o.subject, box };
      }
    } catch (err) {
      throw manifestError(err, source);
    }
  }
}

function manifestError(err: unknown, source: string): InputError {
  if (err instanceof InputError) return err;
  const code = (err as { code?: string }).code === 'ENOENT' ? 'not_found' : 'bad_manifest';
  return new InputError(code, errorMessage(err), source);
}

export function openManifest(source: string, options: ResolvedOptions): DatasetReader {
  return new ManifestReader(source, options);
}

/**
 * FairFace's labels: `file,age_group,gender[,race]` (the sample in ../shared/datasets/fairface) or FairFace's own
 * `file,age,gender,race,...` whose `age` column holds groups ('more than 70'); given the folder, its labels.csv.
 */
export function openFairfaceLabels(source: string, options: ResolvedOptions): DatasetReader {
  return new ManifestReader(source, options, { path: ['file', 'path'], age: [], ageGroup: ['age_group', 'age'] }, 'fairface');
}
