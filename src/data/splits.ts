// Deterministic train/val/test splits, stratified by age band, keeping each subject (and each image file) on
// one side. Rows are grouped into units: rows sharing a path or a subject are one unit. Each unit goes to the
// stratum of its median age; inside a stratum units are ordered by a hash of (seed, unit key) and cut at the
// fractions by image count. Only the set of rows matters, never their order.
import { createHash } from 'node:crypto';
import { checkNumber, invalid, isPlainObject } from '../core/checks.js';
import type { LabelledRow, SplitName } from '../core/types.js';

export const SPLIT_NAMES: readonly SplitName[] = ['train', 'val', 'test'];
export const AGE_BANDS = ['0-9', '10-19', '20-29', '30-39', '40-49', '50-59', '60-69', '70-79', '80-89', '90+'] as const;
export type AgeBand = (typeof AGE_BANDS)[number];

export function ageBand(age: number): AgeBand {
  const i = Math.min(AGE_BANDS.length - 1, Math.max(0, Math.floor(age / 10)));
  return AGE_BANDS[Number.isFinite(i) ? i : 0]!;
}

export interface SplitFractions {
  train: number;
  val: number;
  test: number;
}

export interface SplitOptions {
  /** Any seed; the same seed and rows give the same split (default 0). */
  seed?: number | string;
  /** Default 0.8 / 0.1 / 0.1; must add up to 1. */
  fractions?: SplitFractions;
  /** Keep all rows of a subject in one split (default true). */
  bySubject?: boolean;
}

export interface SplitResult<T extends LabelledRow> {
  train: T[];
  val: T[];
  test: T[];
  /** The split of an image path (undefined if it was not among the rows). */
  splitOf(path: string): SplitName | undefined;
  counts: Record<SplitName, number>;
  /** Rows per split in each age band, by the row's own age. */
  byBand: Record<AgeBand, Record<SplitName, number>>;
}

export const DEFAULT_FRACTIONS: SplitFractions = { train: 0.8, val: 0.1, test: 0.1 };

function checkFractions(value: unknown): SplitFractions {
  if (value === undefined) return DEFAULT_FRACTIONS;
  if (!isPlainObject(value)) throw invalid('an object {train, val, test}', 'fractions', value);
  const f = {
    train: checkNumber(value.train, 'fractions.train', 0, 1),
    val: checkNumber(value.val, 'fractions.val', 0, 1),
    test: checkNumber(value.test, 'fractions.test', 0, 1),
  };
  const sum = f.train + f.val + f.test;
  if (Math.abs(sum - 1) > 1e-6) throw invalid('fractions that add up to 1', 'fractions', `${f.train}+${f.val}+${f.test}`);
  return f;
}

function unitHash(seed: string, key: string): number {
  return createHash('sha256').update(seed).update('\0').update(key).digest().readUIntBE(0, 6);
}

/** Union-find over string keys. */
class Groups {
  private parent = new Map<string, string>();

  has(key: string): boolean {
    return this.parent.has(key);
  }

  find(key: string): string {
    let root = key;
    for (let p = this.parent.get(root); p !== undefined && p !== root; p = this.parent.get(root)) root = p;
    if (!this.parent.has(key)) this.parent.set(key, key);
    for (let k = key; k !== root; ) {
      const next = this.parent.get(k)!;
      this.parent.set(k, root);
      k = next;
    }
    return root;
  }

  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    // The smaller key becomes the root, so a unit's key does not depend on the order rows arrive in.
    if (ra < rb) this.parent.set(rb, ra);
    else if (rb < ra) this.parent.set(ra, rb);
  }
}

// Subject keys sort before path keys, so a subject's unit is keyed (and hashed) by the subject: adding photos
// of a person does not move the person to another split.
const subjectKey = (subject: string) => `a|${subject}`;
const pathKey = (path: string) => `b|${path}`;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Splits rows into train / val / test. */
export function splitDataset<T extends LabelledRow>(rows: Iterable<T>, options: SplitOptions = {}): SplitResult<T> {
  if (!isPlainObject(options)) throw invalid('an object', 'options', options);
  const seed = options.seed ?? 0;
  if (typeof seed !== 'string' && !(typeof seed === 'number' && Number.isFinite(seed))) throw invalid('a number or string', 'seed', seed);
  const fractions = checkFractions(options.fractions);
  const bySubject = options.bySubject ?? true;

  const all = [...rows];
  const groups = new Groups();
  for (const row of all) {
    groups.find(pathKey(row.path));
    if (bySubject && row.subject !== undefined) groups.union(pathKey(row.path), subjectKey(row.subject));
  }

  const units = new Map<string, number[]>(); // unit key -> ages of its rows
  for (const row of all) {
    const key = groups.find(pathKey(row.path));
    const ages = units.get(key);
    if (ages) ages.push(row.age);
    else units.set(key, [row.age]);
  }

  const strata = new Map<AgeBand, { key: string; size: number; hash: number }[]>();
  const seedText = String(seed);
  for (const [key, ages] of units) {
    const band = ageBand(median(ages));
    const list = strata.get(band) ?? [];
    list.push({ key, size: ages.length, hash: unitHash(seedText, key) });
    strata.set(band, list);
  }

  const unitSplit = new Map<string, SplitName>();
  for (const list of strata.values()) {
    list.sort((a, b) => a.hash - b.hash || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const total = list.reduce((n, u) => n + u.size, 0);
    let done = 0;
    for (const unit of list) {
      // Cut by the unit's midpoint, so a stratum's rows are shared out in proportion without rounding bias.
      const at = (done + unit.size / 2) / total;
      unitSplit.set(unit.key, at < fractions.train ? 'train' : at < fractions.train + fractions.val ? 'val' : 'test');
      done += unit.size;
    }
  }

  const result: SplitResult<T> = {
    train: [],
    val: [],
    test: [],
    splitOf: (path) => (groups.has(pathKey(path)) ? unitSplit.get(groups.find(pathKey(path))) : undefined),
    counts: { train: 0, val: 0, test: 0 },
    byBand: Object.fromEntries(AGE_BANDS.map((b) => [b, { train: 0, val: 0, test: 0 }])) as SplitResult<T>['byBand'],
  };
  for (const row of all) {
    const split = unitSplit.get(groups.find(pathKey(row.path)))!;
    result[split].push(row);
    result.counts[split] += 1;
    result.byBand[ageBand(row.age)][split] += 1;
  }
  return result;
}
