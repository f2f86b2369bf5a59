import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InputError } from '../../core/errors.js';
import { openDataset, readDataset } from './index.js';

describe('CSV / JSONL manifest reader', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'howold-manifest-'));
    await mkdir(join(dir, 'img'));
    await writeFile(join(dir, 'img', 'a.jpg'), '');
    await writeFile(join(dir, 'img', 'b.jpg'), '');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const CSV = [
    '\ufeffPath, Age ,Gender,subject',
    'img/a.jpg,31,m,anna',
    'img/b.jpg,7.5,F,',
    '"img/with, comma.jpg",40,female,',
    'img/c.jpg,12,0,',
    'img/d.jpg,13,1,',
    'img/e.jpg,50,,',
    '/abs/f.jpg,60,MALE,',
    '',
    'img/g.jpg,abc,m,',
    'img/h.jpg,-3,m,',
    'img/i.jpg,130,m,',
    'img/j.jpg,,m,',
    ',20,m,',
    'img/k.jpg,20,x,',
    'img/l.jpg',
  ].join('\n');

  it('reads CSV with a header: paths relative to the manifest, genders in every spelling', async () => {
    const file = join(dir, 'labels.csv');
    await writeFile(file, CSV);
    const { rows, rejects } = await readDataset(openDataset(file, 'csv'));
    assert.deepEqual(rows, [
      { path: join(dir, 'img/a.jpg'), age: 31, gender: 'male', subject: 'anna' },
      { path: join(dir, 'img/b.jpg'), age: 7.5, gender: 'female' },
      { path: join(dir, 'img/with, comma.jpg'), age: 40, gender: 'female' },
      { path: join(dir, 'img/c.jpg'), age: 12, gender: 'male' },
      { path: join(dir, 'img/d.jpg'), age: 13, gender: 'female' },
      { path: join(dir, 'img/e.jpg'), age: 50 },
      { path: '/abs/f.jpg', age: 60, gender: 'male' },
    ]);
    assert.deepEqual(rejects.byReason, { age_out_of_range: 2, bad_age: 1, bad_gender: 1, missing_age: 2, missing_path: 1 });
    assert.equal(rejects.examples.missing_path![0]!.path, `${file}:14`);
    assert.equal(rejects.examples.bad_gender![0]!.path, join(dir, 'img/k.jpg'));
  });

  it('checkFiles rejects rows whose image is missing', async () => {
    const file = join(dir, 'labels.csv');
    const { rows, rejects } = await readDataset(openDataset(file, 'csv', { checkFiles: true }));
    assert.deepEqual(
      rows.map((r) => r.path),
      [join(dir, 'img/a.jpg'), join(dir, 'img/b.jpg')],
    );
    assert.equal(rejects.byReason.missing_file, 5);
  });

  it('reads face boxes from x,y,width,height columns', async () => {
    const file = join(dir, 'boxes.csv');
    await writeFile(file, 'path,age,x,y,width,height\na.jpg,20,1,2,30,40\nb.jpg,20,,,,\nc.jpg,20,1,2,-3,4\n');
    const { rows, rejects } = await readDataset(openDataset(file, 'csv'));
    assert.deepEqual(rows, [
      { path: join(dir, 'a.jpg'), age: 20, faceBox: { x: 1, y: 2, width: 30, height: 40 } },
      { path: join(dir, 'b.jpg'), age: 20 },
    ]);
    assert.deepEqual(rejects.byReason, { bad_face_box: 1 });
  });

  it('stray quotes are kept; an unclosed quote rejects its own line only, and the rows after it are read', async () => {
    const file = join(dir, 'quotes.csv');
    await writeFile(file, 'path,age\na.jpg,20\nb"x.jpg,21\n"c.jpg,22\nd.jpg,23\n');
    const { rows, rejects } = await readDataset(openDataset(file, 'csv'));
    assert.deepEqual(
      rows.map((r) => [r.path, r.age]),
      [
        [join(dir, 'a.jpg'), 20],
        [join(dir, 'b"x.jpg'), 21],
        [join(dir, 'd.jpg'), 23],
      ],
    );
    assert.deepEqual(rejects.byReason, { bad_csv_record: 1 });
    assert.equal(rejects.examples.bad_csv_record![0]!.path, `${file}:4`);
    assert.match(rejects.examples.bad_csv_record![0]!.detail!, /Quote Not Closed/);
  });

  it('hex, binary and exponent ages are refused; a repeated file (or face box) is a duplicate, counted with where it first was', async () => {
    const file = join(dir, 'hostile.csv');
    await writeFile(file, 'path,age,x,y,width,height\na.jpg,0x1F\nb.jpg,1e1\nc.jpg,0b11\nd.jpg, 25 \nd.jpg,25\ne.jpg,30,1,1,9,9\ne.jpg,31,20,1,9,9\ne.jpg,30,1,1,9,9\n');
    const { rows, rejects } = await readDataset(openDataset(file, 'csv'));
    assert.deepEqual(
      rows.map((r) => [r.path, r.age]),
      [
        [join(dir, 'd.jpg'), 25],
        [join(dir, 'e.jpg'), 30],
        [join(dir, 'e.jpg'), 31],
      ],
    );
    assert.deepEqual(rejects.byReason, { bad_age: 3, duplicate_row: 2 });
    assert.match(rejects.examples.bad_age![0]!.detail!, /'0x1F' is not a decimal number/);
    assert.equal(rejects.examples.duplicate_row![0]!.detail, `the same file as ${file}:5`);
    assert.equal(rejects.examples.duplicate_row![1]!.detail, `the same face box as ${file}:7`);
  });

  it('a header without path and age is a one-line error', async () => {
    const file = join(dir, 'noheader.csv');
    await writeFile(file, 'img/a.jpg,31\nimg/b.jpg,32\n');
    await assert.rejects(readDataset(openDataset(file, 'csv')), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.equal(err.code, 'bad_manifest');
      assert.equal(err.message, `${file}: header must name the columns path and age or age_group (found: img/a.jpg,31)`);
      return true;
    });
  });

  it('reads JSON Lines', async () => {
    const file = join(dir, 'labels.jsonl');
    await writeFile(
      file,
      [
        '{"path": "img/a.jpg", "age": 31, "gender": "female", "faceBox": {"x": 1, "y": 2, "width": 3, "height": 4}}',
        '{"path": "img/b.jpg", "age": "44", "gender": 0, "subject": 12}',
        '',
        '{"path": "img/c.jpg", "age": 101, "gender": "m"}',
        '{"path": "img/d.jpg", "age": 30, "gender": "other"}',
        '{"path": "img/e.jpg" "age": 30}',
        '[1, 2]',
        '{"age": 30}',
        '{"path": "img/f.jpg", "age": null}',
        '{"path": "img/g.jpg", "age": true}',
      ].join('\n'),
    );
    const { rows, rejects } = await readDataset(openDataset(file, 'csv', { maxAge: 100 }));
    assert.deepEqual(rows, [
      { path: join(dir, 'img/a.jpg'), age: 31, gender: 'female', faceBox: { x: 1, y: 2, width: 3, height: 4 } },
      { path: join(dir, 'img/b.jpg'), age: 44, gender: 'male', subject: '12' },
    ]);
    assert.deepEqual(rejects.byReason, { age_out_of_range: 1, bad_age: 1, bad_gender: 1, bad_json: 2, missing_age: 1, missing_path: 1 });
    assert.equal(rejects.examples.bad_json![0]!.path, `${file}:6`);
  });
  it('reads an age_group column: group-only rows carry the group and its middle; bad groups are rejected by file and line', async () => {
    const file = join(dir, 'groups.csv');
    await writeFile(
      file,
      [
        'path,age,age_group,gender,race',
        'a.jpg,,20-29,Male,Black',
        'b.jpg,,70+,female,',
        'c.jpg,,more than 70,,',
        'd.jpg,5,3-9,f,White',
        'e.jpg,,twenties,m,',
        'f.jpg,,29-20,m,',
        'g.jpg,40,20-29,m,',
        'h.jpg,,,m,',
      ].join('\n'),
    );
    const { rows, rejects } = await readDataset(openDataset(file, 'csv'));
    assert.deepEqual(rows, [
      { path: join(dir, 'a.jpg'), age: 25, ageGroup: { label: '20-29', low: 20, high: 29 }, gender: 'male', race: 'Black' },
      { path: join(dir, 'b.jpg'), age: 75, ageGroup: { label: '70+', low: 70 }, gender: 'female' },
      { path: join(dir, 'c.jpg'), age: 75, ageGroup: { label: '70+', low: 70 } },
      { path: join(dir, 'd.jpg'), age: 5, gender: 'female', race: 'White' },
    ]);
    assert.deepEqual(rejects.byReason, { age_group_mismatch: 1, bad_age_group: 2, missing_age: 1 });
    assert.deepEqual(rejects.examples.bad_age_group, [
      { path: `${file}:6`, reason: 'bad_age_group', detail: "age group 'twenties' is not like 0-2, 10-19 or 70+ (whole years 0-120)" },
      { path: `${file}:7`, reason: 'bad_age_group', detail: "age group '29-20' is not like 0-2, 10-19 or 70+ (whole years 0-120)" },
    ]);
    assert.deepEqual(rejects.examples.age_group_mismatch, [{ path: `${file}:8`, reason: 'age_group_mismatch', detail: 'age 40 is not in its age group 20-29' }]);
  });

  it('a manifest may have age_group and no age column; JSON Lines too', async () => {
    const csv = join(dir, 'only-groups.csv');
    await writeFile(csv, 'path,age_group\na.jpg,0-2\nb.jpg,x\n');
    const fromCsv = await readDataset(openDataset(csv, 'csv'));
    assert.deepEqual(fromCsv.rows, [{ path: join(dir, 'a.jpg'), age: 1.5, ageGroup: { label: '0-2', low: 0, high: 2 } }]);
    assert.equal(fromCsv.rejects.examples.bad_age_group![0]!.path, `${csv}:3`);
    const jsonl = join(dir, 'groups.jsonl');
    await writeFile(jsonl, ['{"path": "a.jpg", "age_group": "10-19", "race": "Indian"}', '{"path": "b.jpg", "age_group": 12}', '{"path": "c.jpg", "age": 33}'].join('\n'));
    const fromJsonl = await readDataset(openDataset(jsonl, 'csv'));
    assert.deepEqual(fromJsonl.rows, [
      { path: join(dir, 'a.jpg'), age: 15, ageGroup: { label: '10-19', low: 10, high: 19 }, race: 'Indian' },
      { path: join(dir, 'c.jpg'), age: 33 },
    ]);
    assert.deepEqual(fromJsonl.rejects.examples.bad_age_group, [{ path: `${jsonl}:2`, reason: 'bad_age_group', detail: "age group '12' is not like 0-2, 10-19 or 70+ (whole years 0-120)" }]);
  });

  it('fairface: the folder or its labels.csv, FairFace\'s own column names too; a folder without labels.csv is a one-line error', async () => {
    const folder = join(dir, 'ff');
    await mkdir(folder);
    await writeFile(join(folder, 'labels.csv'), 'file,age_group,gender\nfairface_0001.jpg,50-59,Male\nfairface_0002.jpg,teen,Female\n');
    for (const source of [folder, join(folder, 'labels.csv')]) {
      const { rows, rejects } = await readDataset(openDataset(source, 'fairface'));
      assert.deepEqual(rows, [{ path: join(folder, 'fairface_0001.jpg'), age: 55, ageGroup: { label: '50-59', low: 50, high: 59 }, gender: 'male' }]);
      assert.deepEqual(rejects.byReason, { bad_age_group: 1 });
    }
    const own = join(dir, 'fairface_label_val.csv');
    await writeFile(own, 'file,age,gender,race,service_test\nval/1.jpg,more than 70,Female,East Asian,False\n');
    const { rows } = await readDataset(openDataset(own, 'fairface'));
    assert.deepEqual(rows, [{ path: join(dir, 'val/1.jpg'), age: 75, ageGroup: { label: '70+', low: 70 }, gender: 'female', race: 'East Asian' }]);
    const empty = join(dir, 'ff-empty');
    await mkdir(empty);
    assert.throws(() => openDataset(empty, 'fairface'), (err: unknown) => err instanceof InputError && err.message === `${empty}: no labels.csv in this FairFace folder`);
  });

  it('the real FairFace sample: 540 rows, 60 per group, genders, no race column', async () => {
    const { rows, rejects } = await readDataset(openDataset(join(import.meta.dirname, '../../../../shared/datasets/fairface'), 'fairface'));
    assert.equal(rows.length, 540);
    assert.equal(rejects.total, 0);
    const perGroup = new Map<string, number>();
    for (const r of rows) perGroup.set(r.ageGroup!.label, (perGroup.get(r.ageGroup!.label) ?? 0) + 1);
    assert.deepEqual([...perGroup.keys()].sort(), ['0-2', '10-19', '20-29', '3-9', '30-39', '40-49', '50-59', '60-69', '70+']);
    assert.ok([...perGroup.values()].every((n) => n === 60));
    assert.ok(rows.every((r) => r.gender === 'male' || r.gender === 'female'));
    assert.ok(rows.every((r) => r.race === undefined));
  });
});
