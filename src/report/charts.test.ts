import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ageMetrics, quantileCalibration } from '../eval/metrics.js';
import { bandChart, calibrationChart, curvesChart, errorHistogram, genderChart, monitorChart, scatterChart, sortedChart } from './charts.js';
import { writeFigure } from './render.js';
import { niceTicks, type Figure } from './svg.js';
import { fakePredictions, imageSize, lcg } from './testing.js';
import type { MonitorLine } from '../train/callbacks/index.js';
import type { EpochLogs } from '../train/types.js';

const dir = mkdtempSync(path.join(tmpdir(), 'howold-charts-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function renders(name: string, figure: Figure, width: number, height: number): Promise<void> {
  assert.equal(figure.width, width, `${name} width`);
  assert.equal(figure.height, height, `${name} height`);
  assert.doesNotMatch(figure.svg, /NaN|undefined|Infinity/, `${name}: no NaN in the SVG`);
  const written = await writeFigure(dir, `${name}.png`, figure);
  assert.deepEqual(await imageSize(path.join(dir, written.file)), { width, height, format: 'png' });
}

const predictions = fakePredictions(40);
const random = lcg(5);
const truth = Array.from({ length: 8 }, () => Math.round(random() * 80));
const monitor: MonitorLine[] = [5, 10, 15].map((step, c) => ({ step, epoch: Math.floor(c / 2), truth, paths: truth.map((_, i) => `f${i}`), ages: truth.map((t) => 30 + (t - 30) * c * 0.4) }));
const epochs: EpochLogs[] = [0, 1].map((epoch) => ({ epoch, step: (epoch + 1) * 10, samples: 80, seconds: 1, imagesPerSecond: 80, loss: 3 - epoch, mae: 12 - 3 * epoch, lr: 1e-3, val_loss: 3.2 - epoch, val_mae: 13 - 3 * epoch }));

test('each figure renders to a PNG of its stated size', async () => {
  await renders('monitor', monitorChart(monitor, { epochEnds: [10] }), 760, 440);
  await renders('curves', curvesChart(epochs), 880, 340);
  await renders('sorted', sortedChart(predictions), 760, 400);
  await renders('scatter', scatterChart(predictions), 480, 480);
  const m = ageMetrics(predictions);
  await renders('bands', bandChart(m.byBand), 560, 340);
  await renders('gender', genderChart(m.byGender!), 300, 340);
  await renders('histogram', errorHistogram(predictions), 560, 340);
  await renders('calibration', calibrationChart(quantileCalibration(predictions)), 420, 420);
});

test('figures cope with little data: one checkpoint, no validation, no intervals, empty bands, one prediction', async () => {
  await renders('monitor-one', monitorChart(monitor.slice(0, 1), { width: 300, height: 200 }), 300, 200);
  await renders('monitor-none', monitorChart([]), 760, 440);
  const noVal = epochs.map(({ val_loss: _l, val_mae: _m, ...e }) => e);
  await renders('curves-noval', curvesChart(noVal.slice(0, 1)), 880, 340);
  const one = [{ truth: 30, age: 31 }];
  await renders('sorted-one', sortedChart(one), 760, 400);
  await renders('scatter-one', scatterChart(one, { size: 200 }), 200, 200);
  await renders('histogram-one', errorHistogram(one), 560, 340);
  await renders('bands-sparse', bandChart(ageMetrics(one).byBand), 560, 340);
});

test('the figures say what they show', () => {
  const svg = monitorChart(monitor).svg;
  assert.match(svg, /Monitor faces \(8\): predicted age at 3 checkpoints, MAE [\d.]+ \u2192 [\d.]+ years/);
  assert.equal((svg.match(/<polyline/g) ?? []).length, 8, 'one line per monitor face');
  assert.match(curvesChart(epochs).svg, /best val 10\.00 at epoch 2/);
  assert.match(sortedChart(predictions).svg, /n=40, MAE/);
  assert.match(calibrationChart(quantileCalibration(predictions)).svg, /80% intervals hold \d+% of true ages/);
  assert.deepEqual(niceTicks(0, 100, 5), [0, 20, 40, 60, 80, 100]);
  assert.deepEqual(niceTicks(0.13, 0.61, 5), [0.2, 0.3, 0.4, 0.5, 0.6]);
});
