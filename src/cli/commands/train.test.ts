import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { saveModel } from '../../models/model-folder.js';
import { initTrainingBackend } from '../../train/run.js';
import { tinyModel, TINY_PREPROCESSING, writeSyntheticShards } from '../../train/testing.js';
import { main } from '../main.js';

let dir: string;

/** Runs the CLI, capturing stdout and stderr. */
async function howold(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  // stdout is passed through: under `node --test` the runner reports on it too, and must not lose a word
  process.stdout.write = ((chunk: string, ...rest: unknown[]) => {
    out.push(String(chunk));
    return (writeOut as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  process.exitCode = 0;
  try {
    await main(['node', 'howold', 'train', ...args]);
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('howold train', () => {
  before(async () => {
    await initTrainingBackend();
    dir = await mkdtemp(join(tmpdir(), 'howold-train-cli-'));
    await writeSyntheticShards(join(dir, 'shards'), { shards: 1, train: 16, val: 8 });
    const model = tinyModel();
    await saveModel(model, join(dir, 'tiny'), { name: 'tiny', preprocessing: TINY_PREPROCESSING });
    model.dispose();
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects a wrong flag or value with a one-line error', async () => {
    for (const args of [
      ['--data', 'x', '--out', 'y', '--model', 'm', '--bogus'],
      ['--data', 'x', '--out', 'y', '--model', 'm', '--lr', 'fast'],
      ['--data', 'x', '--out', 'y', '--model', 'm', '--optimizer', 'rmsprop'],
      ['--data', 'x', '--out', 'y', '--model', 'm', '--epochs', '0'],
      ['--resume', 'y', '--lr', '0.1'],
      ['--data', 'x', '--out', 'y'],
      ['--data', 'x', '--out', 'y', '--model', 'm', '--workers', 'many'],
    ]) {
      const r = await howold(...args);
      assert.equal(r.code, 1, args.join(' '));
      const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('(run with --help'));
      assert.equal(lines.length, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(lines[0]!, /--bogus|--lr|--optimizer|--epochs|--model|--workers/);
    }
  });

  it('trains, fine-tuning a saved model, and resumes a finished run to no work', async () => {
    const out = join(dir, 'run');
    const args = ['--data', join(dir, 'shards'), '--from', join(dir, 'tiny'), '--out', out, '--epochs', '2', '--batch', '8', '--optimizer', 'adam', '--lr', '0.01', '--checkpoint-every', '1'];
    const r = await howold(...args);
    assert.equal(r.code, 0, r.stderr);
    // the runner's own messages are in there too: pick ours out
    const lines = r.stdout.match(/(epoch \d\/2 |Trained ).*/g) ?? [];
    assert.equal(lines.length, 3, r.stdout);
    assert.match(lines[0]!, /^epoch 1\/2 .*val_MAE/);
    assert.match(lines[2]!, /^Trained 2 epoch\(s\); last val MAE \d+\.\d\d, CS@5 \d+\.\d%; model: .*final$/);
    const recorded = JSON.parse(await readFile(join(out, 'config.json'), 'utf8')) as { config: { workers?: number } };
    assert.equal(recorded.config.workers, 1, "no --workers: 'auto', and a batch of 8 is one share");
    const again = await howold('--resume', out);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Trained 0 epoch\(s\) \(resumed at step 4\)/);
    const clash = await howold(...args);
    assert.equal(clash.code, 1);
    assert.match(clash.stderr, /--resume/);
  });
});
