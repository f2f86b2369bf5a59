import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { InputError } from './errors.js';
import { readRegularFile } from './read-file.js';

const dir = mkdtempSync(path.join(tmpdir(), 'howold-read-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function refuses(file: string, code: string, reason: RegExp, maxBytes?: number): Promise<void> {
  await assert.rejects(readRegularFile(file, maxBytes), (err: unknown) => {
    assert.ok(err instanceof InputError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, reason);
    assert.ok(err.message.startsWith(`${file}: `));
    return true;
  });
}

test('readRegularFile: a file within the limit is read whole', async () => {
  const file = path.join(dir, 'a.bin');
  writeFileSync(file, Buffer.from('hello'));
  assert.equal((await readRegularFile(file, 5)).toString(), 'hello');
  await refuses(file, 'too_large', /file is 5 bytes, over the limit of 4 bytes/, 4);
});

test('readRegularFile: a 1 GB sparse file is refused by its size before any read', async () => {
  const file = path.join(dir, 'sparse.jpg');
  const fd = openSync(file, 'w');
  ftruncateSync(fd, 1024 ** 3);
  closeSync(fd);
  const before = process.memoryUsage().rss;
  await refuses(file, 'too_large', /file is 1024 MB, over the limit of 64 MB/);
  assert.ok(process.memoryUsage().rss - before < 100 * 1024 * 1024);
});

test('readRegularFile: a FIFO, /dev/zero behind a link, and a folder are not regular files (and never block)', async () => {
  const fifo = path.join(dir, 'fifo.jpg');
  execFileSync('mkfifo', [fifo]);
  await refuses(fifo, 'not_a_file', /not a regular file \(a FIFO\)/);
  const zero = path.join(dir, 'zero.jpg');
  symlinkSync('/dev/zero', zero);
  await refuses(zero, 'not_a_file', /not a regular file \(a device\)/);
  await refuses(dir, 'not_a_file', /a folder/);
  await refuses(path.join(dir, 'nope.jpg'), 'unreadable', /cannot read file \(ENOENT/);
});
