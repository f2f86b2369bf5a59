// A training run's folder: what is where, and its config.json.
//
//   RUNDIR/config.json     the resolved RunConfig, model name and preprocessing, shard summary
//   RUNDIR/log.jsonl       one line per step and per epoch (JsonlLogger)
//   RUNDIR/monitor.jsonl   the monitor faces' predictions at every checkpoint (MonitorSet)
//   RUNDIR/checkpoint/     the latest checkpoint (checkpoint.ts)
//   RUNDIR/best/           the model with the best val MAE so far (saveModel layout)
//   RUNDIR/final/          the model when training ended (best weights if early stopping restored them)
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonl, writeFileAtomic } from '../core/atomic.js';
import { HowoldError } from '../core/errors.js';
import type { Preprocessing } from '../core/types.js';
import type { ShardIndex } from '../data/shards.js';
import type { RunConfig } from './config.js';

export interface RunPaths {
  config: string;
  log: string;
  monitor: string;
  checkpoint: string;
  best: string;
  final: string;
}

export function runPaths(runDir: string): RunPaths {
  return {
    config: join(runDir, 'config.json'),
    log: join(runDir, 'log.jsonl'),
    monitor: join(runDir, 'monitor.jsonl'),
    checkpoint: join(runDir, 'checkpoint'),
    best: join(runDir, 'best'),
    final: join(runDir, 'final'),
  };
}

/** config.json: written when a run starts, read when it resumes. */
export interface ConfigFile {
  version: 1;
  config: RunConfig;
  preprocessing: Preprocessing;
  shards: { size: number; count: number; splits: ShardIndex['splits'] };
  startedAt: string;
}

export async function writeConfigFile(runDir: string, file: ConfigFile): Promise<void> {
  await writeFileAtomic(runPaths(runDir).config, `${JSON.stringify(file, null, 2)}\n`);
}

export async function readConfigFile(runDir: string): Promise<ConfigFile> {
  try {
    return JSON.parse(await readFile(runPaths(runDir).config, 'utf8')) as ConfigFile;
  } catch {
    throw new HowoldError('not_a_run', 'no readable config.json: not a training run folder', runDir);
  }
}

/** Whether `dir` is absent or empty (a new run may start there). */
export async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch {
    return true;
  }
}

/** The numeric fields of the last epoch line of log.jsonl. */
export async function lastEpochMetrics(runDir: string): Promise<Record<string, number> | undefined> {
  const epochs = (await readJsonl(runPaths(runDir).log)).filter((l) => l.type === 'epoch');
  const last = epochs[epochs.length - 1];
  if (!last) return undefined;
  return Object.fromEntries(Object.entries(last).filter((e): e is [string, number] => typeof e[1] === 'number'));
}
