import { access } from 'node:fs/promises';
import { basename } from 'node:path';
import { errorMessage } from '../../core/errors.js';
import { checkBoolean, checkInteger, checkNumber, isPlainObject, invalid } from '../../core/checks.js';
import type { LabelledRow } from '../../core/types.js';
import { RejectCounter } from './rejects.js';
import type { DatasetFormat, DatasetOptions, DatasetReader } from './types.js';
import { isImageName, walkFiles } from './walk.js';

export interface ResolvedOptions {
  minAge: number;
  maxAge: number;
  minFaceScore: number;
  maxSecondFaceScore?: number;
  checkFiles: boolean;
  maxExamples: number;
  onReject?: DatasetOptions['onReject'];
}

const AGE_DEFAULTS: Record<DatasetFormat, [number, number]> = {
  imdb: [0, 100],
  wiki: [0, 100],
  utkface: [1, 120],
  fgnet: [0, 120],
  csv: [0, 120],
  fairface: [0, 120],
};

export function resolveOptions(format: DatasetFormat, options: unknown = {}): ResolvedOptions {
  if (!isPlainObject(options)) throw invalid('an object', 'options', options);
  const o = options as DatasetOptions;
  const [minDefault, maxDefault] = AGE_DEFAULTS[format];
  const minAge = o.minAge === undefined ? minDefault : checkNumber(o.minAge, 'minAge', 0);
  const maxAge = o.maxAge === undefined ? maxDefault : checkNumber(o.maxAge, 'maxAge', minAge);
  if (maxAge < minAge) throw invalid(`a number >= minAge (${minAge})`, 'maxAge', maxAge);
  if (o.onReject !== undefined && typeof o.onReject !== 'function') throw invalid('a function', 'onReject', o.onReject);
  if (o.checkFiles !== undefined) checkBoolean(o.checkFiles, 'checkFiles');
  return {
    minAge,
    maxAge,
    minFaceScore: o.minFaceScore === undefined ? 1.0 : checkNumber(o.minFaceScore, 'minFaceScore'),
    maxSecondFaceScore: o.maxSecondFaceScore === undefined ? undefined : checkNumber(o.maxSecondFaceScore, 'maxSecondFaceScore'),
    checkFiles: o.checkFiles ?? false,
    maxExamples: o.maxExamples === undefined ? 3 : checkInteger(o.maxExamples, 'maxExamples', 0),
    onReject: o.onReject,
  };
}

export function ageInRange(age: number, options: ResolvedOptions): boolean {
  return Number.isFinite(age) && age >= options.minAge && age <= options.maxAge;
}

export function ageRangeText(options: ResolvedOptions): string {
  return `outside ${options.minAge}-${options.maxAge}`;
}

export async function fileExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** What a file-name parser makes of one name: the labels, or why the name was refused. */
export type NameResult = { row: Omit<LabelledRow, 'path'> & Record<string, unknown> } | { reason: string; detail?: string };

/**
 * A folder of images whose labels are in the file names (IMDB-WIKI, UTKFace, FG-NET). Non-image files are
 * skipped (counted in `rejects.skipped`), image files with names that do not parse are rejected.
 */
export class FolderReader implements DatasetReader {
  readonly rejects: RejectCounter;

  constructor(
    readonly format: DatasetFormat,
    readonly source: string,
    private parse: (name: string) => NameResult,
    private options: ResolvedOptions,
  ) {
    this.rejects = new RejectCounter(options.maxExamples, options.onReject);
  }

  async *rows(): AsyncGenerator<LabelledRow> {
    this.rejects.clear();
    const onError = (path: string, err: Error) => this.rejects.reject(path, 'unreadable_folder', errorMessage(err));
    for await (const path of walkFiles(this.source, { onError })) {
      const name = basename(path);
      if (!isImageName(name)) {
        this.rejects.skipped += 1;
        continue;
      }
      const result = this.parse(name);
      if ('reason' in result) {
        this.rejects.reject(path, result.reason, result.detail);
      } else if (!ageInRange(result.row.age, this.options)) {
        this.rejects.reject(path, 'age_out_of_range', `age ${result.row.age} ${ageRangeText(this.options)}`);
      } else {
        yield { path, ...result.row };
      }
    }
  }
}
