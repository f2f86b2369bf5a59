// The learning-progress part of a report, read from a training run folder (see train/run.ts for its layout).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { HowoldError } from '../core/errors.js';
import type { MonitorLine } from '../train/callbacks/index.js';
import type { EpochLogs, StepLogs } from '../train/types.js';
import { readJsonl } from '../core/atomic.js';
import type { ModelMeta } from '../core/model-meta.js';
import { curvesChart, monitorChart, monitorMae } from './charts.js';
import type { Section } from './html.js';
import { writeFigure } from './render.js';

export interface RunData {
  dir: string;
  /** config.json's resolved configuration, when the folder has one. */
  config?: Record<string, unknown>;
  epochs: EpochLogs[];
  steps: StepLogs[];
  monitor: MonitorLine[];
  /** howold.json of RUNDIR/best, when there is one. */
  best?: ModelMeta;
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The last line per key, in key order (a log written across resumes never repeats a step, but be lenient). */
function lastBy<T>(items: T[], key: (t: T) => number): T[] {
  const byKey = new Map<number, T>();
  for (const item of items) byKey.set(key(item), item);
  return [...byKey.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
}

export async function readRun(dir: string): Promise<RunData> {
  const logPath = join(dir, 'log.jsonl');
  const monitorPath = join(dir, 'monitor.jsonl');
  if (!existsSync(logPath) && !existsSync(monitorPath)) {
    throw new HowoldError('not_a_run', 'has neither log.jsonl nor monitor.jsonl: not a training run folder', dir);
  }
  const log = await readJsonl<Record<string, unknown>>(logPath);
  const isNum = (v: unknown) => typeof v === 'number';
  const epochs = lastBy(log.filter((l) => l.type === 'epoch' && isNum(l.epoch)) as unknown as EpochLogs[], (e) => e.epoch);
  const steps = lastBy(log.filter((l) => l.type === 'step' && isNum(l.step)) as unknown as StepLogs[], (s) => s.step);
  const monitor = lastBy(
    (await readJsonl<MonitorLine>(monitorPath)).filter((l) => isNum(l.step) && Array.isArray(l.ages) && Array.isArray(l.truth)),
    (l) => l.step,
  );
  const config = (await readJson<{ config?: Record<string, unknown> }>(join(dir, 'config.json')))?.config;
  const best = await readJson<ModelMeta>(join(dir, 'best', 'howold.json'));
  return { dir, config, epochs, steps, monitor, best };
}

const f = (v: number | undefined, d = 2) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(d));

/** One line describing the run: model, epochs, best validation MAE. */
export function describeRun(run: RunData): string {
  const parts = [`run ${basename(run.dir)}`];
  if (run.config?.model) parts.push(`model ${String(run.config.model)}`);
  const planned = typeof run.config?.epochs === 'number' ? `/${run.config.epochs}` : '';
  parts.push(`${run.epochs.length}${planned} epochs`);
  const val = run.epochs.filter((e) => e.val_mae !== undefined);
  if (val.length) {
    const best = val.reduce((a, b) => (b.val_mae! < a.val_mae! ? b : a));
    parts.push(`best val MAE ${f(best.val_mae)} at epoch ${best.epoch + 1}`);
  }
  return parts.join(', ');
}

/** Figures monitor.png and curves.png in `outDir`, and the section presenting them. */
export async function runSection(run: RunData, outDir: string): Promise<Section> {
  const blocks: Section['blocks'] = [{ kind: 'text', text: `${describeRun(run)}.` }];
  if (run.monitor.length) {
    const image = await writeFigure(outDir, 'monitor.png', monitorChart(run.monitor, { epochEnds: run.epochs.map((e) => e.step) }));
    const n = run.monitor[0]!.truth.length;
    blocks.push({
      kind: 'figure',
      image,
      caption:
        `The ${n} monitor faces (validation faces, when the run has them) at each checkpoint, as in the tutorial's Figure 3: one faint line per face, ` +
        'coloured by its true age (dark: young, yellow: old); the dots at the right are the true ages, each joined to ' +
        'the face\'s last prediction. Lines fanning out from one guess towards their dots is the model learning.',
    });
    const first = run.monitor[0]!;
    const last = run.monitor[run.monitor.length - 1]!;
    blocks.push({
      kind: 'table',
      head: ['checkpoint', 'step', 'epoch', 'monitor MAE', 'mean predicted age', 'spread of predictions (sd)'],
      rows: [first, last].filter((l, i) => i === 0 || l !== first).map((l, i) => {
        const m = l.ages.reduce((a, b) => a + b, 0) / l.ages.length;
        const sd = Math.sqrt(l.ages.reduce((a, b) => a + (b - m) ** 2, 0) / l.ages.length);
        return [i === 0 ? 'first' : 'last', l.step, l.epoch + 1, f(monitorMae(l)), f(m, 1), f(sd, 1)];
      }),
    });
  } else {
    blocks.push({ kind: 'text', text: 'No monitor.jsonl lines yet: the monitor faces are predicted at each checkpoint.' });
  }
  if (run.epochs.length || run.steps.length) {
    const image = await writeFigure(outDir, 'curves.png', curvesChart(run.epochs, run.steps));
    blocks.push({
      kind: 'figure',
      image,
      caption:
        'Loss and mean absolute error per epoch, on the training faces (blue; the faint line is the per-step value, ' +
        'with augmentation) and the validation faces (orange). The circle marks the best validation MAE, the weights kept in best/.',
    });
    blocks.push({
      kind: 'table',
      head: ['epoch', 'loss', 'MAE', 'val loss', 'val MAE', 'val CS@5', 'lr', 'img/s', 'seconds'],
      rows: run.epochs.map((e) => [
        e.epoch + 1,
        f(e.loss, 4),
        f(e.mae),
        f(e.val_loss, 4),
        f(e.val_mae),
        e.val_cs5 === undefined ? '-' : `${(e.val_cs5 * 100).toFixed(1)}%`,
        e.lr.toPrecision(3),
        f(e.imagesPerSecond, 1),
        f(e.seconds, 0),
      ]),
    });
  } else {
    blocks.push({ kind: 'text', text: 'No epoch has finished yet (log.jsonl has no epoch lines).' });
  }
  return {
    id: 'learning',
    title: 'Learning progress',
    intro: 'How the predictions changed while the model trained.',
    blocks,
  };
}
