import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { InputError } from '../../core/errors.js';
import { openDataset, parseFgnetName, parseImdbName, parseUtkfaceName, parseWikiName, readDataset, type UtkfaceRow } from './index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const UTKFACE = resolve(repoRoot, '../shared/datasets/utkface');

async function touch(dir: string, names: string[], content: Buffer | string = ''): Promise<void> {
  for (const name of names) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
}

const NOT_IMAGES = ['README.md', 'excluded.csv', '.DS_Store', '._001A02.JPG'];

describe('file-name parsers', () => {
  it('IMDB: age = year taken - birth year, nm id as subject', () => {
    assert.deepEqual(parseImdbName('nm0000100_rm46373120_1955-1-6_2003.jpg'), { row: { age: 48, subject: 'nm0000100' } });
    assert.deepEqual(parseImdbName('nm0000001_rm124825600_1899-5-10_1968.jpg'), { row: { age: 69, subject: 'nm0000001' } });
    assert.equal((parseImdbName('10000217_1981-05-05_2009.jpg') as { reason: string }).reason, 'bad_filename');
    assert.equal((parseImdbName('nm1_rm2_0-1-1_2000.jpg') as { reason: string }).reason, 'bad_dob');
  });

  it('Wikipedia', () => {
    assert.deepEqual(parseWikiName('10000217_1981-05-05_2009.jpg'), { row: { age: 28 } });
    assert.equal((parseWikiName('nm0000100_rm46373120_1955-1-6_2003.jpg') as { reason: string }).reason, 'bad_filename');
    assert.equal((parseWikiName('10000217_1981-05_2009.jpg') as { reason: string }).reason, 'bad_filename');
  });

  it('UTKFace', () => {
    assert.deepEqual(parseUtkfaceName('26_0_1_20170116174525125.jpg.chip.jpg'), { row: { age: 26, gender: 'male', race: 'Black' } });
    assert.deepEqual(parseUtkfaceName('1_1_4_20161221193646725.jpg'), { row: { age: 1, gender: 'female', race: 'Others' } });
    const reason = (name: string) => (parseUtkfaceName(name) as { reason: string }).reason;
    assert.equal(reason('26_0_20170116174525125.jpg.chip.jpg'), 'bad_filename');
    assert.equal(reason('abc_0_1_20170116174525125.jpg.chip.jpg'), 'bad_age');
    assert.equal(reason('2.5_0_1_20170116174525125.jpg.chip.jpg'), 'bad_age');
    assert.equal(reason('26_2_1_20170116174525125.jpg.chip.jpg'), 'bad_gender');
    assert.equal(reason('26_0_7_20170116174525125.jpg.chip.jpg'), 'bad_race');
    assert.equal(reason('26_0_1_2017011617452512 .jpg.chip.jpg'), 'bad_filename');
  });

  it('FG-NET', () => {
    assert.deepEqual(parseFgnetName('001A02.JPG'), { row: { age: 2, subject: '001' } });
    assert.deepEqual(parseFgnetName('001A43a.JPG'), { row: { age: 43, subject: '001' } });
    assert.deepEqual(parseFgnetName('082A00b.jpg'), { row: { age: 0, subject: '082' } });
    assert.equal((parseFgnetName('001B02.JPG') as { reason: string }).reason, 'bad_filename');
    assert.equal((parseFgnetName('1A02.JPG') as { reason: string }).reason, 'bad_filename');
  });
});

describe('folder readers', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'howold-folders-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('IMDB crops in the official 00/..99/ layout, recursively, in a fixed order', async () => {
    const root = join(dir, 'imdb_crop');
    await touch(root, [
      '01/nm0000001_rm124825600_1899-5-10_1968.jpg',
      '00/nm0000100_rm46373120_1955-1-6_2003.jpg',
      '00/nm0000100_rm1_1955-1-6_1940.jpg', // before birth
      '00/nm0000100_rm2_1855-1-6_2003.jpg', // 148
      '02/sub/nm0000002_rm3_1980-2-2_2010.JPG',
      '02/random.jpg',
      ...NOT_IMAGES,
    ]);
    const reader = openDataset(root, 'imdb');
    const { rows, rejects } = await readDataset(reader);
    assert.deepEqual(rows, [
      { path: join(root, '00/nm0000100_rm46373120_1955-1-6_2003.jpg'), age: 48, subject: 'nm0000100' },
      { path: join(root, '01/nm0000001_rm124825600_1899-5-10_1968.jpg'), age: 69, subject: 'nm0000001' },
      { path: join(root, '02/sub/nm0000002_rm3_1980-2-2_2010.JPG'), age: 30, subject: 'nm0000002' },
    ]);
    assert.deepEqual(rejects.byReason, { age_out_of_range: 2, bad_filename: 1 });
    assert.equal(rejects.skipped, NOT_IMAGES.length);
    assert.deepEqual(
      rejects.examples.age_out_of_range!.map((r) => r.detail),
      ['age -15 outside 0-100', 'age 148 outside 0-100'],
    );
    // a second pass starts over
    const again = await readDataset(reader);
    assert.equal(again.rows.length, 3);
    assert.equal(again.rejects.total, 3);
  });

  it('Wikipedia crops', async () => {
    const root = join(dir, 'wiki_crop');
    await touch(root, ['17/10000217_1981-05-05_2009.jpg', '48/10049200_1891-09-16_1958.jpg', '99/oops_1891_1958.jpg', 'README.md']);
    const { rows, rejects } = await readDataset(openDataset(root, 'wiki'));
    assert.deepEqual(
      rows.map((r) => [r.age, r.subject]),
      [
        [28, undefined],
        [67, undefined],
      ],
    );
    assert.deepEqual(rejects.byReason, { bad_filename: 1 });
  });

  it('UTKFace: bad names rejected by reason', async () => {
    const root = join(dir, 'utk');
    await touch(root, [
      '26_0_1_20170116174525125.jpg.chip.jpg',
      '90_1_0_20170116174525125.jpg.chip.jpg',
      '26_0_20170116174525125.jpg.chip.jpg',
      '0_0_1_20170116174525125.jpg.chip.jpg',
      '200_1_1_20170116174525125.jpg.chip.jpg',
      'x_1_1_20170116174525125.jpg.chip.jpg',
      '30_m_1_20170116174525125.jpg.chip.jpg',
      ...NOT_IMAGES,
    ]);
    const { rows, rejects } = await readDataset(openDataset(root, 'utkface'));
    assert.deepEqual(rows, [
      { path: join(root, '26_0_1_20170116174525125.jpg.chip.jpg'), age: 26, gender: 'male', race: 'Black' },
      { path: join(root, '90_1_0_20170116174525125.jpg.chip.jpg'), age: 90, gender: 'female', race: 'White' },
    ]);
    assert.deepEqual(rejects.byReason, { age_out_of_range: 2, bad_age: 1, bad_filename: 1, bad_gender: 1 });
    assert.deepEqual(
      rejects.examples.age_out_of_range!.map((r) => r.detail),
      ['age 0 outside 1-120', 'age 200 outside 1-120'],
    );
    assert.equal(rejects.skipped, NOT_IMAGES.length);
  });

  it('FG-NET: subject and age from the name, suffixes a/b', async () => {
    const root = join(dir, 'fgnet');
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).jpeg().toBuffer();
    await touch(root, ['001A02.JPG', '001A43a.JPG', '001A43b.JPG', '002A05.JPG', '002A5x.JPG', 'Thumbs.db', 'README.md'], jpeg);
    const { rows, rejects } = await readDataset(openDataset(root, 'fgnet'));
    assert.deepEqual(
      rows.map((r) => [r.path.slice(root.length + 1), r.age, r.subject]),
      [
        ['001A02.JPG', 2, '001'],
        ['001A43a.JPG', 43, '001'],
        ['001A43b.JPG', 43, '001'],
        ['002A05.JPG', 5, '002'],
      ],
    );
    assert.deepEqual(rejects.byReason, { bad_filename: 1 });
    assert.equal(rejects.skipped, 2);
  });

  it('a missing source or the wrong kind of source is a one-line error now', () => {
    assert.throws(() => openDataset(join(dir, 'nope'), 'utkface'), (err: unknown) => err instanceof InputError && err.code === 'not_found');
    assert.throws(() => openDataset(__filename(), 'fgnet'), /expected a folder of fgnet images/);
    assert.throws(() => openDataset(dir, 'csv'), /expected a CSV or JSON Lines manifest file/);
    assert.throws(() => openDataset(dir, 'morph' as 'csv'), /Expected one of imdb, wiki, utkface, fgnet, csv, fairface for format but received 'morph'/);
    assert.throws(() => openDataset(dir, 'utkface', { maxAge: -1 }), /maxAge/);
  });
});

function __filename(): string {
  return fileURLToPath(import.meta.url);
}

describe('UTKFace, the real folder', () => {
  it('reads all 19,073 images with no rejects (README.md and excluded.csv skipped)', async (t) => {
    const reader = openDataset(UTKFACE, 'utkface');
    const { rows, rejects } = await readDataset(reader);
    t.diagnostic(`rows ${rows.length}, skipped ${rejects.skipped}`);
    assert.equal(rows.length, 19_073);
    assert.equal(rejects.total, 0);
    assert.equal(rejects.skipped, 2);
    // figures from the folder's README
    assert.equal(rows.filter((r) => r.gender === 'male').length, 9_985);
    assert.equal(rows.filter((r) => (r as UtkfaceRow).race === 'Asian').length, 2_857);
    assert.equal(Math.min(...rows.map((r) => r.age)), 1);
    assert.equal(Math.max(...rows.map((r) => r.age)), 116);
    assert.equal(rows.filter((r) => r.age >= 90).length, 129);
  });
});
