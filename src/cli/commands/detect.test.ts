import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { runDetect } from './detect.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const astronaut = path.join(repoRoot, 'examples/astronaut.png');
const groupPhoto = path.resolve(repoRoot, '../shared/datasets/group-photos/2008_001009.jpg');
const dir = mkdtempSync(path.join(tmpdir(), 'howold-detect-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function collect(): { text: string; write(s: string): void } {
  return { text: '', write(s: string) { this.text += s; } };
}

async function badFiles(): Promise<{ text: string; truncated: string; missing: string }> {
  const text = path.join(dir, 'readme.jpg');
  writeFileSync(text, 'not a photo, just text\n');
  const photo = await sharp(astronaut).jpeg({ quality: 90 }).toBuffer();
  const truncated = path.join(dir, 'cut.jpg');
  writeFileSync(truncated, photo.subarray(0, Math.floor(photo.length * 0.4)));
  return { text, truncated, missing: path.join(dir, 'missing.jpg') };
}

test('detect: bad files get one line each and the run goes on; --out writes aligned crops', async () => {
  const bad = await badFiles();
  const out = collect();
  const err = collect();
  const crops = path.join(dir, 'crops');
  const failed = await runDetect([bad.text, astronaut, bad.truncated, bad.missing, groupPhoto], { out: crops, size: 112 }, out, err);
  assert.equal(failed, 3);
  const errors = err.text.trim().split('\n');
  assert.equal(errors.length, 3);
  assert.match(errors[0], /readme\.jpg: not an image/);
  assert.match(errors[1], /cut\.jpg: corrupt or truncated image/);
  assert.match(errors[2], /missing\.jpg: cannot read file \(ENOENT/);
  assert.match(out.text, /astronaut\.png: 512x512, 1 face\n {2}face 1: box x=\d+ y=\d+ \d+x\d+, score 0\.\d\d, eyes \(\d+\.\d, \d+\.\d\) \(\d+\.\d, \d+\.\d\)/);
  assert.match(out.text, /2008_001009\.jpg: 360x480, 2 faces/);
  const written = readdirSync(crops).sort();
  assert.deepEqual(written, ['2008_001009-face1.png', '2008_001009-face2.png', 'astronaut-face1.png']);
  const meta = await sharp(path.join(crops, 'astronaut-face1.png')).metadata();
  assert.deepEqual([meta.width, meta.height, meta.format], [112, 112, 'png']);
});

test('howold detect --json: exit code 1 when a file fails, JSON on stdout, one error line on stderr', async () => {
  const bad = await badFiles();
  const bin = path.join(repoRoot, 'bin/howold.js');
  const run = promisify(execFile);
  const result = await run(process.execPath, [bin, 'detect', '--json', bad.text, astronaut], { cwd: repoRoot }).then(
    () => assert.fail('expected a non-zero exit'),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  assert.equal(result.code, 1);
  assert.equal(result.stderr.trim().split('\n').length, 1);
  assert.match(result.stderr, /readme\.jpg: not an image/);
  const parsed = JSON.parse(result.stdout) as Array<{ file: string; error?: { code: string }; faces?: Array<{ score: number; landmarks: Record<string, { x: number; y: number }> }> }>;
  assert.equal(parsed.length, 2);
  assert.equal(parsed[0].error?.code, 'not_an_image');
  assert.equal(parsed[1].faces?.length, 1);
  const face = parsed[1].faces![0];
  assert.ok(face.score > 0.5);
  assert.deepEqual(Object.keys(face.landmarks).sort(), ['leftEye', 'mouthLeft', 'mouthRight', 'nose', 'rightEye']);
});

test('detect --min-score and --face-detector: per-run settings; a bad value is one line on stderr', async () => {
  const photo = path.resolve(repoRoot, '../shared/datasets/group-photos/2007_007763.jpg');
  const count = async (flags: Parameters<typeof runDetect>[1]) => {
    const out = collect();
    assert.equal(await runDetect([photo], { json: true, ...flags }, out, collect()), 0);
    return (JSON.parse(out.text) as Array<{ faces: Array<{ score: number }> }>)[0]!.faces;
  };
  assert.equal((await count({})).length, 7);
  const strict = await count({ minScore: 0.9 });
  assert.ok(strict.length < 7 && strict.every((f) => f.score >= 0.9));
  assert.ok((await count({ faceDetector: 'tiny' })).length >= 5);
  const run = promisify(execFile);
  const failed = await run(process.execPath, [path.join(repoRoot, 'bin/howold.js'), 'detect', '--min-score', '-1', photo], { cwd: repoRoot }).then(
    () => assert.fail('expected exit code 1'),
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal(failed.code, 1);
  assert.equal(failed.stderr.trim().split('\n').length, 1, failed.stderr);
  assert.match(failed.stderr, /Expected a number between 0 and 1 for --min-score but received '-1'/);
});
