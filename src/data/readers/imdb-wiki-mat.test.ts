import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InputError } from '../../core/errors.js';
import { datenum, imdbWikiAge, openDataset, readDataset } from './index.js';
import { mat, writeMat, type MatValue } from './mat-writer.js';

interface Person {
  path: string;
  dob: number;
  taken: number;
  gender: number;
  score: number;
  second: number;
  box: [number, number, number, number];
  name: string;
  celeb?: number;
}

const box: [number, number, number, number] = [111.5, 80.25, 251.5, 220.25];

// One row per case; `expect` is the reject reason, or the age of an accepted row.
const PEOPLE: (Person & { expect: string | number })[] = [
  { path: '00/nm0000100_rm1_1955-1-6_2003.jpg', dob: datenum(1955, 1, 6), taken: 2003, gender: 1, score: 4.2, second: NaN, box, name: 'A', celeb: 7, expect: 48 },
  { path: '17/10000217_1981-05-05_2009.jpg', dob: datenum(1981, 5, 5), taken: 2009, gender: 0, score: 1.0, second: NaN, box: [1, 1, 101, 51], name: 'B', celeb: 8, expect: 28 },
  { path: '01/no-face.jpg', dob: datenum(1970, 1, 1), taken: 2000, gender: 1, score: -Infinity, second: NaN, box: [1, 1, 500, 400], name: 'C', expect: 'no_face' },
  { path: '01/two-faces.jpg', dob: datenum(1970, 1, 1), taken: 2000, gender: 0, score: 3.1, second: 2.1, box, name: 'D', expect: 'second_face' },
  { path: '02/nan-gender.jpg', dob: datenum(1990, 7, 2), taken: 2000, gender: NaN, score: 2.5, second: NaN, box, name: 'E', celeb: 7, expect: 9 },
  { path: '02/on-birthday.jpg', dob: datenum(1990, 7, 1), taken: 2000, gender: 1, score: 2.5, second: NaN, box, name: 'E', expect: 10 },
  { path: '03/too-old.jpg', dob: datenum(1890, 3, 3), taken: 2005, gender: 1, score: 5, second: NaN, box, name: 'F', expect: 'age_out_of_range' },
  { path: '03/unborn.jpg', dob: datenum(2010, 3, 3), taken: 2005, gender: 1, score: 5, second: NaN, box, name: 'G', expect: 'age_out_of_range' },
  { path: '04/dob-zero.jpg', dob: 0, taken: 2005, gender: 0, score: 5, second: NaN, box, name: 'H', expect: 'bad_dob' },
  { path: '04/low-score.jpg', dob: datenum(1980, 1, 1), taken: 2005, gender: 0, score: 0.7, second: NaN, box, name: 'I', expect: 'low_face_score' },
  { path: '05/bad-box.jpg', dob: datenum(1980, 1, 1), taken: 2005, gender: 0, score: 1.5, second: NaN, box: [50, 50, 40, 60], name: 'J', expect: 'bad_face_box' },
];

function struct(people: Person[], imdb: boolean): MatValue {
  const fields: Record<string, MatValue> = {
    // MATLAB stores integer-valued doubles in the narrowest type that holds them.
    dob: mat.double(people.map((p) => p.dob), { storage: 'uint32' }),
    photo_taken: mat.double(people.map((p) => p.taken), { storage: 'uint16' }),
    full_path: mat.cell(people.map((p) => mat.char(p.path))),
    gender: mat.double(people.map((p) => p.gender)),
    name: mat.cell(people.map((p) => (p.name ? mat.char(p.name) : mat.double([], { dims: [0, 0] })))),
    face_location: mat.cell(people.map((p) => mat.double(p.box))),
    face_score: mat.double(people.map((p) => p.score)),
    second_face_score: mat.double(people.map((p) => p.second)),
  };
  if (imdb) {
    fields.celeb_names = mat.cell([mat.char('Alpha Person'), mat.char('Beta Person')]);
    fields.celeb_id = mat.double(people.map((p) => p.celeb ?? NaN));
  }
  return mat.struct(fields);
}

describe('IMDB-WIKI .mat reader', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'howold-mat-'));
    await writeMat(join(dir, 'imdb.mat'), { imdb: struct(PEOPLE, true) }, { compress: true });
    await writeMat(join(dir, 'wiki.mat'), { wiki: struct(PEOPLE, false) }, { compress: false });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const accepted = PEOPLE.filter((p) => typeof p.expect === 'number');
  const reasons: Record<string, number> = {};
  for (const p of PEOPLE) if (typeof p.expect === 'string') reasons[p.expect] = (reasons[p.expect] ?? 0) + 1;

  for (const format of ['imdb', 'wiki'] as const) {
    it(`${format}.mat: ages by the 1 July rule, boxes, genders, DEX filters`, async () => {
      const file = join(dir, `${format}.mat`);
      const { rows, rejects } = await readDataset(openDataset(file, format));
      assert.deepEqual(
        rows.map((r) => r.path),
        accepted.map((p) => join(dir, p.path)),
      );
      assert.deepEqual(
        rows.map((r) => r.age),
        accepted.map((p) => p.expect),
      );
      assert.deepEqual(
        rows.map((r) => r.gender),
        ['male', 'female', undefined, 'male'],
      );
      assert.deepEqual(rows[0]!.faceBox, { x: 110.5, y: 79.25, width: 140, height: 140 });
      assert.deepEqual(rows[1]!.faceBox, { x: 0, y: 0, width: 100, height: 50 });
      assert.deepEqual(
        rows.map((r) => r.subject),
        format === 'imdb' ? ['7', '8', '7', undefined] : [undefined, undefined, undefined, undefined],
      );
      assert.deepEqual(rejects.byReason, Object.fromEntries(Object.entries(reasons).sort(([a], [b]) => a.localeCompare(b))));
      assert.equal(rejects.total, PEOPLE.length - accepted.length);
      assert.equal(rejects.examples.no_face?.[0]?.path, join(dir, '01/no-face.jpg'));
      assert.match(rejects.examples.second_face?.[0]?.detail ?? '', /2\.1/);
    });
  }

  it('thresholds are options: face score and second-face score', async () => {
    const { rows, rejects } = await readDataset(
      openDataset(join(dir, 'imdb.mat'), 'imdb', { minFaceScore: 0.5, maxSecondFaceScore: 3, maxAge: 120 }),
    );
    assert.equal(rejects.byReason.low_face_score, undefined);
    assert.equal(rejects.byReason.second_face, undefined);
    assert.equal(rejects.byReason.age_out_of_range, 1); // the unborn one; 115 is now allowed
    assert.ok(rows.some((r) => r.path.endsWith('two-faces.jpg') && r.age === 30));
    assert.ok(rows.some((r) => r.path.endsWith('too-old.jpg') && r.age === imdbWikiAge(datenum(1890, 3, 3), 2005)));
  });

  it('checkFiles rejects rows whose image is missing', async () => {
    const { rows, rejects } = await readDataset(openDataset(join(dir, 'imdb.mat'), 'imdb', { checkFiles: true }));
    assert.equal(rows.length, 0);
    assert.equal(rejects.byReason.missing_file, accepted.length);
  });

  it('a truncated .mat is a one-line error naming the file', async () => {
    const whole = await readFile(join(dir, 'imdb.mat'));
    const cut = join(dir, 'cut.mat');
    await writeFile(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    await assert.rejects(readDataset(openDataset(cut, 'imdb')), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.equal(err.code, 'bad_mat');
      assert.match(err.message, new RegExp(`^${cut.replace(/[.\\/]/g, '\\$&')}: truncated`));
      assert.equal(err.message.includes('\n'), false);
      return true;
    });
  });

  it('a .mat without the expected fields names what is missing', async () => {
    const file = join(dir, 'partial.mat');
    await writeMat(file, { wiki: mat.struct({ dob: mat.double([1]), full_path: mat.cell([mat.char('a.jpg')]) }) });
    await assert.rejects(readDataset(openDataset(file, 'wiki')), /partial\.mat: struct 'wiki' has no field 'photo_taken'/);
    await writeMat(file, { other: mat.double([1]) });
    await assert.rejects(readDataset(openDataset(file, 'wiki')), /partial\.mat: no struct variable 'wiki' \(found: other\)/);
    await writeMat(file, { wiki: mat.struct({ full_path: mat.cell([mat.char('a.jpg')]), dob: mat.double([1, 2]) }) });
    await assert.rejects(readDataset(openDataset(file, 'wiki')), /field 'dob' has 2 values, full_path has 1/);
  });
});
