// Tiny inputs for the report tests: a fake training run folder and prediction lists, no model needed.
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { ageToTarget } from '../models/dex.js';
import type { EvalPrediction } from '../eval/evaluate.js';
import { JsonlLogger, type MonitorLine } from '../train/callbacks/index.js';
import type { EpochLogs, StepLogs } from '../train/types.js';

/** A deterministic pseudo-random sequence in [0, 1). */
export function lcg(seed: number): () => number {
  let s = seed % 2147483647 || 1;
  return () => {
    s = (s * 16807) % 2147483647;
    return (s - 1) / 2147483646;
  };
}

export const STEPS_PER_EPOCH = 10;

/**
 * A run folder as train/run.ts leaves it: config.json, log.jsonl written by the real JsonlLogger (step and epoch
 * lines), monitor.jsonl in MonitorSet's line format, for `epochs` epochs of STEPS_PER_EPOCH steps, `faces` monitor faces.
 */
export async function writeFakeRun(dir: string, options: { epochs?: number; faces?: number; monitorEvery?: number } = {}): Promise<void> {
  const epochs = options.epochs ?? 3;
  const faces = options.faces ?? 12;
  const every = options.monitorEvery ?? 5;
  const random = lcg(7);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.json'), `${JSON.stringify({ version: 1, config: { model: 'tiny-test', epochs: epochs + 1, batchSize: 8 } })}\n`);
  const logger = new JsonlLogger(join(dir, 'log.jsonl'));
  const truth = Array.from({ length: faces }, () => Math.round(2 + random() * 85));
  const paths = truth.map((t, i) => `faces/${t}_${i}.jpg`);
  const monitor = async (step: number, epoch: number) => {
    const progress = 1 - Math.exp(-step / 12);
    const line: MonitorLine = { step, epoch, ages: truth.map((t) => Math.round((35 + (t - 35) * progress + (random() - 0.5) * 6) * 100) / 100), truth, paths };
    await appendFile(join(dir, 'monitor.jsonl'), `${JSON.stringify(line)}\n`);
  };
  let step = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let batch = 1; batch <= STEPS_PER_EPOCH; batch++) {
      step += 1;
      const decay = Math.exp(-step / 15);
      const logs: StepLogs = { epoch, step, batch, size: 8, loss: 1 + 3 * decay + random() * 0.2, ageLoss: 1 + 3 * decay, mae: 5 + 15 * decay + random(), lr: 1e-3, imagesPerSecond: 50 };
      await logger.onBatchEnd(logs);
      if (step % every === 0 && batch !== STEPS_PER_EPOCH) await monitor(step, epoch);
    }
    const decay = Math.exp(-step / 15);
    const logs: EpochLogs = {
      epoch, step, samples: STEPS_PER_EPOCH * 8, seconds: 2, imagesPerSecond: 40, loss: 1.1 + 3 * decay, mae: 5.5 + 15 * decay, lr: 1e-3,
      val_loss: 1.3 + 3 * decay, val_mae: 6.5 + 14 * decay, val_cs5: 0.3 + 0.1 * epoch, val_n: 40,
    };
    await logger.onEpochEnd(logs);
    await monitor(step, epoch);
  }
}

/** `n` predictions spread over ages 1..90, with errors, intervals, distributions and genders. */
export function fakePredictions(n: number, seed = 3): EvalPrediction[] {
  const random = lcg(seed);
  return Array.from({ length: n }, (_, i) => {
    const truth = 1 + Math.floor(random() * 90);
    const age = Math.max(0, truth + (random() - 0.5) * 16 + 1);
    const distribution = Array.from(ageToTarget(age, { sigma: 5 }));
    return {
      path: `/data/${truth}_${i}.jpg`, truth, age, low: Math.max(0, age - 6.4), high: age + 6.4, detected: i % 7 !== 0, distribution,
      truthGender: i % 2 ? 'female' : 'male', gender: i % 3 ? 'female' : 'male',
    };
  });
}

export async function imageSize(file: string): Promise<{ width?: number; height?: number; format?: string }> {
  const m = await sharp(file).metadata();
  return { width: m.width, height: m.height, format: m.format };
}
