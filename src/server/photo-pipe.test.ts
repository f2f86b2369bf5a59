import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { test } from 'node:test';
import { PhotoReader, writePhotos } from './photo-pipe.js';
import { PHOTO_PIPE_FD } from './pool.js';

const astronaut = readFileSync(new URL('../../examples/astronaut.png', import.meta.url));

function bytes(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed) % 256);
}

test('PhotoReader splits the bytes back into the photos written, whatever the chunks, batch after batch', async () => {
  const pipe = new PassThrough();
  const reader = new PhotoReader(pipe);
  const first = [bytes(70_001, 1), bytes(0, 2), bytes(5, 3)];
  const second = [bytes(123_457, 4)];
  // both asked for before any byte arrives: answered in order
  const a = reader.next(first.map((p) => p.byteLength));
  const b = reader.next(second.map((p) => p.byteLength));
  const all = Buffer.concat([...first, ...second]);
  // odd-sized chunks that straddle the photos and the batches
  for (let at = 0; at < all.length; at += 9_973) pipe.write(all.subarray(at, at + 9_973));
  assert.deepEqual((await a).map((p) => Buffer.from(p)), first.map((p) => Buffer.from(p)));
  assert.deepEqual((await b).map((p) => Buffer.from(p)), second.map((p) => Buffer.from(p)));
});

test('PhotoReader waits for the whole batch and refuses sizes that are not byte counts', async () => {
  const pipe = new PassThrough();
  const reader = new PhotoReader(pipe);
  let done = false;
  const batch = reader.next([10]).then((photos) => ((done = true), photos));
  pipe.write(Buffer.alloc(9, 7));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(done, false, 'answered before its last byte');
  pipe.write(Buffer.alloc(1, 8));
  assert.deepEqual([...(await batch)[0]!], [7, 7, 7, 7, 7, 7, 7, 7, 7, 8]);
  await assert.rejects(reader.next([-1]), /bad photo sizes/);
  await assert.rejects(reader.next([1.5]), /bad photo sizes/);
});

test('photos written on a child process pipe arrive intact in the child (as the pool sends them to its workers)', async () => {
  // the child echoes the SHA-256 of each photo it reads from the pool's photo pipe fd
  const dir = mkdtempSync(path.join(tmpdir(), 'howold-pipe-'));
  const script = path.join(dir, 'child.mjs');
  writeFileSync(
    script,
    `import { Socket } from 'node:net';
    import { createHash } from 'node:crypto';
    const { PhotoReader } = await import(${JSON.stringify(new URL('./photo-pipe.ts', import.meta.url).href)});
    const reader = new PhotoReader(new Socket({ fd: ${PHOTO_PIPE_FD}, readable: true, writable: false }));
    process.on('message', async (sizes) => {
      const photos = await reader.next(sizes);
      process.send(photos.map((p) => createHash('sha256').update(p).digest('hex')));
    });`,
  );
  const child = fork(script, [], { execArgv: ['--import', import.meta.resolve('tsx')], stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'] });
  try {
    const photos = [astronaut, bytes(3, 9), astronaut.subarray(100, 200_100)];
    const hashes = new Promise<string[]>((resolve) => child.once('message', (m) => resolve(m as string[])));
    child.send(photos.map((p) => p.byteLength));
    writePhotos(child.stdio[PHOTO_PIPE_FD] as Writable, photos);
    assert.deepEqual(await hashes, photos.map((p) => createHash('sha256').update(p).digest('hex')));
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
