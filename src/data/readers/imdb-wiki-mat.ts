// The official IMDB-WIKI metadata: imdb.mat / wiki.mat, a 1x1 struct `imdb` or `wiki` whose fields are 1xN:
// dob (MATLAB serial date number), photo_taken (year), full_path (cell of char), gender (1 male, 0 female, NaN),
// name (cell), face_location (cell of 1x4 [x1 y1 x2 y2]), face_score (-Inf: no face), second_face_score
// (NaN: none), and for imdb celeb_names / celeb_id.
import { dirname, join } from 'node:path';
import type { Box, Gender, LabelledRow } from '../../core/types.js';
import type { ResolvedOptions } from './common.js';
import { ageInRange, ageRangeText, fileExists } from './common.js';
import { MatFileError, readMat, type MatArray, type MatStruct } from './mat.js';
import { RejectCounter } from './rejects.js';
import type { DatasetReader } from './types.js';

const MS_PER_DAY = 86_400_000;
/** datenum(1970, 1, 1): MATLAB counts days from the year 0 (datenum(0, 1, 1) = 1). */
const DATENUM_UNIX_EPOCH = 719_529;

/** MATLAB's datenum(year, month, day) for whole dates. */
export function datenum(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day); // unlike Date.UTC, keeps years 0-99 as they are
  return d.getTime() / MS_PER_DAY + DATENUM_UNIX_EPOCH;
}

/** The official rule: the photo counts as taken on 1 July of photo_taken; age in whole years of 365.25 days. */
export function imdbWikiAge(dob: number, photoTaken: number): number {
  return Math.floor((datenum(photoTaken, 7, 1) - dob) / 365.25);
}

/**
 * face_location holds MATLAB's 1-based pixel coordinates of the corners; the box is in 0-based pixel
 * coordinates, so both corners move by one.
 */
export function faceLocationToBox(location: ArrayLike<number>): Box | undefined {
  if (location.length !== 4) return undefined;
  const [x1, y1, x2, y2] = Array.from(location) as [number, number, number, number];
  if (![x1, y1, x2, y2].every(Number.isFinite) || x2 <= x1 || y2 <= y1) return undefined;
  return { x: x1 - 1, y: y1 - 1, width: x2 - x1, height: y2 - y1 };
}

interface Columns {
  n: number;
  fullPath: MatArray[];
  dob: Float64Array;
  photoTaken: Float64Array;
  faceScore: Float64Array;
  secondFaceScore?: Float64Array;
  gender?: Float64Array;
  faceLocation?: MatArray[];
  celebId?: Float64Array;
}

function columns(variables: Map<string, MatArray>, want: 'imdb' | 'wiki', file: string): Columns {
  let top = variables.get(want);
  if (!top) {
    const structs = [...variables.values()].filter((v) => v.type === 'struct');
    if (structs.length === 1) top = structs[0];
  }
  if (!top) throw new MatFileError(`no struct variable '${want}' (found: ${[...variables.keys()].join(', ') || 'none'})`, file);
  if (top.type !== 'struct' || top.elements.length === 0) throw new MatFileError(`variable '${top.name}' is not a struct`, file);
  const struct: MatStruct = top;
  const record = struct.elements[0]!;
  const fail = (why: string) => new MatFileError(`struct '${struct.name}' ${why}`, file);

  const cellField = (name: string, required: boolean): MatArray[] | undefined => {
    const v = record[name];
    if (!v) {
      if (required) throw fail(`has no field '${name}'`);
      return undefined;
    }
    if (v.type !== 'cell') throw fail(`field '${name}' is ${v.type}, expected a cell array`);
    return v.cells;
  };
  const fullPath = cellField('full_path', true)!;
  const n = fullPath.length;
  const numberField = (name: string, required: boolean): Float64Array | undefined => {
    const v = record[name];
    if (!v) {
      if (required) throw fail(`has no field '${name}'`);
      return undefined;
    }
    if (v.type !== 'numeric') throw fail(`field '${name}' is ${v.type}, expected numbers`);
    if (v.real.length !== n) throw fail(`field '${name}' has ${v.real.length} values, full_path has ${n}`);
    return v.real;
  };
  const faceLocation = cellField('face_location', false);
  if (faceLocation && faceLocation.length !== n) throw fail(`field 'face_location' has ${faceLocation.length} cells, full_path has ${n}`);
  return {
    n,
    fullPath,
    dob: numberField('dob', true)!,
    photoTaken: numberField('photo_taken', true)!,
    faceScore: numberField('face_score', true)!,
    secondFaceScore: numberField('second_face_score', false),
    gender: numberField('gender', false),
    faceLocation,
    celebId: numberField('celeb_id', false),
  };
}

function genderOf(code: number | undefined): Gender | undefined {
  return code === 1 ? 'male' : code === 0 ? 'female' : undefined;
}

export class ImdbWikiMatReader implements DatasetReader {
  readonly rejects: RejectCounter;

  constructor(
    readonly format: 'imdb' | 'wiki',
    readonly source: string,
    private options: ResolvedOptions,
  ) {
    this.rejects = new RejectCounter(options.maxExamples, options.onReject);
  }

  async *rows(): AsyncGenerator<LabelledRow> {
    this.rejects.clear();
    const variables = await readMat(this.source, { skipFields: ['name', 'celeb_names'] });
    const c = columns(variables, this.format, this.source);
    const root = dirname(this.source);
    const o = this.options;
    for (let i = 0; i < c.n; i++) {
      const cell = c.fullPath[i]!;
      if (cell.type !== 'char' || cell.text.length === 0) {
        this.rejects.reject(`${this.source}#${i + 1}`, 'bad_path', `full_path{${i + 1}} is not a string`);
        continue;
      }
      const path = join(root, cell.text);
      const reject = (reason: string, detail: string) => this.rejects.reject(path, reason, detail);
      const dob = c.dob[i]!;
      const taken = c.photoTaken[i]!;
      if (!Number.isFinite(dob) || dob <= 0) {
        reject('bad_dob', `dob ${dob}`);
        continue;
      }
      if (!Number.isInteger(taken) || taken <= 0) {
        reject('bad_photo_taken', `photo_taken ${taken}`);
        continue;
      }
      const age = imdbWikiAge(dob, taken);
      if (!ageInRange(age, o)) {
        reject('age_out_of_range', `age ${age} ${ageRangeText(o)}`);
        continue;
      }
      const score = c.faceScore[i]!;
      if (!Number.isFinite(score)) {
        reject('no_face', `face_score ${score}`);
        continue;
      }
      if (score < o.minFaceScore) {
        reject('low_face_score', `face_score ${score} < ${o.minFaceScore}`);
        continue;
      }
      const second = c.secondFaceScore?.[i] ?? Number.NaN;
      if (Number.isFinite(second) && (o.maxSecondFaceScore === undefined || second >= o.maxSecondFaceScore)) {
        reject('second_face', `second_face_score ${second}`);
        continue;
      }
      const row: LabelledRow = { path, age };
      const gender = genderOf(c.gender?.[i]);
      if (gender) row.gender = gender;
      if (c.faceLocation) {
        const loc = c.faceLocation[i]!;
        const box = loc.type === 'numeric' ? faceLocationToBox(loc.real) : undefined;
        if (!box) {
          reject('bad_face_box', loc.type === 'numeric' ? `face_location [${Array.from(loc.real).join(' ')}]` : `face_location is ${loc.type}`);
          continue;
        }
        row.faceBox = box;
      }
      const celeb = c.celebId?.[i];
      if (celeb !== undefined && Number.isFinite(celeb)) row.subject = String(celeb);
      if (o.checkFiles && !(await fileExists(path))) {
        reject('missing_file', 'no such file');
        continue;
      }
      yield row;
    }
  }
}

export function openImdbWikiMat(format: 'imdb' | 'wiki', source: string, options: ResolvedOptions): DatasetReader {
  return new ImdbWikiMatReader(format, source, options);
}
