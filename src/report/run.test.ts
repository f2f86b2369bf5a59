import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { runReport } from '../cli/commands/report.js';
import { readRun } from './run.js';
import { imageSize, STEPS_PER_EPOCH, writeFakeRun } from './testing.js';

const dir = mkdtempSync(path.join(tmpdir(), 'howold-run-report-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('readRun: epoch, step and monitor lines of a run folder', async () => {
  const runDir = path.join(dir, 'run-a');
  await writeFakeRun(runDir, { epochs: 3, faces: 12, monitorEvery: 5 });
  const run = await readRun(runDir);
  assert.equal(run.epochs.length, 3);
  assert.equal(run.steps.length, 3 * STEPS_PER_EPOCH);
  assert.deepEqual(run.monitor.map((l) => l.step), [5, 10, 15, 20, 25, 30]);
  assert.equal(run.monitor[0]!.truth.length, 12);
  assert.equal(run.config?.model, 'tiny-test');
  await assert.rejects(readRun(path.join(dir, 'nothing-here')), /not a training run folder/);
});

test('howold report RUNDIR: index.html referencing the monitor and curve figures, which decode at their size', async () => {
  const runDir = path.join(dir, 'run-b');
  await writeFakeRun(runDir, { epochs: 2 });
  const out = path.join(dir, 'report-b');
  const index = await runReport(runDir, { out });
  assert.equal(index, path.join(out, 'index.html'));
  const html = readFileSync(index, 'utf8');
  assert.match(html, /<img src="monitor\.png" width="760" height="440"/);
  assert.match(html, /<img src="curves\.png" width="880" height="340"/);
  assert.match(html, /2\/3 epochs, best val MAE [\d.]+ at epoch 2/);
  assert.deepEqual(await imageSize(path.join(out, 'monitor.png')), { width: 760, height: 440, format: 'png' });
  assert.deepEqual(await imageSize(path.join(out, 'curves.png')), { width: 880, height: 340, format: 'png' });
});

test('a run killed before its first epoch ended still reports what there is', async () => {
  const runDir = path.join(dir, 'run-c');
  await writeFakeRun(runDir, { epochs: 1 });
  // Keep only the step lines of the first half epoch, as after a kill, plus a torn last line.
  const log = readFileSync(path.join(runDir, 'log.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"type":"step"')).slice(0, 4);
  writeFileSync(path.join(runDir, 'log.jsonl'), `${log.join('\n')}\n{"type":"st`);
  rmSync(path.join(runDir, 'monitor.jsonl'));
  const out = path.join(dir, 'report-c');
  const html = readFileSync(await runReport(runDir, { out }), 'utf8');
  assert.match(html, /No monitor\.jsonl lines yet/);
  assert.match(html, /curves\.png/);
  assert.ok(existsSync(path.join(out, 'curves.png')));
  await assert.rejects(runReport(undefined, {}), /nothing to report/);
});
