// Training callbacks, after Keras: each a small class with one job. Order matters where they share an event:
// loggers and the monitor set before Checkpoint, so whatever a checkpoint covers is already logged.
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import cliProgress from 'cli-progress';
import type { FaceBatch } from '../data/batch.js';
import { tf } from '../tf/backend.js';
import { filterJsonl, readJsonl } from '../core/atomic.js';
import { saveCheckpoint } from './checkpoint.js';
import { findHeads } from '../models/heads.js';
import { expectedAgeOf } from './losses.js';
import { loadModel, saveModel, type ModelMetaInput } from '../models/model-folder.js';
import { batchToInput } from './tensors.js';
import type { Callback, EpochLogs, FitContext, History, StepLogs } from './types.js';

function fixed(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}

/** One line summarising an epoch, as printed by ProgressBar. */
export function formatEpoch(logs: EpochLogs, epochs: number): string {
  const parts = [`epoch ${logs.epoch + 1}/${epochs}`, `loss ${fixed(logs.loss, 4)}`, `MAE ${fixed(logs.mae, 2)}`];
  if (logs.genderAccuracy !== undefined) parts.push(`gender ${fixed(logs.genderAccuracy * 100, 1)}%`);
  if (logs.val_loss !== undefined) {
    parts.push(`val_loss ${fixed(logs.val_loss, 4)}`, `val_MAE ${fixed(logs.val_mae, 2)}`, `val_CS@5 ${fixed((logs.val_cs5 ?? NaN) * 100, 1)}%`);
    if (logs.val_genderAccuracy !== undefined) parts.push(`val_gender ${fixed(logs.val_genderAccuracy * 100, 1)}%`);
  }
  parts.push(`lr ${logs.lr.toPrecision(3)}`, `${fixed(logs.imagesPerSecond, 1)} img/s`, `${fixed(logs.seconds, 1)} s`);
  return parts.join('  ');
}

/**
 * A progress bar per epoch (done/total, loss, MAE, img/s, ETA) on a terminal; elsewhere (logs, CI) only one line
 * per epoch.
 */
export class ProgressBar implements Callback {
  private readonly stream: NodeJS.WriteStream;
  private bar?: cliProgress.SingleBar;
  private readonly tty: boolean;
  // cli-progress's own gracefulExit swallows the first Ctrl-C (it only stops the bar): restore the cursor, then
  // let the signal do what it would have done.
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.close();
    process.kill(process.pid, signal);
  };

  constructor(options: { stream?: NodeJS.WriteStream; tty?: boolean } = {}) {
    this.stream = options.stream ?? process.stdout;
    this.tty = options.tty ?? Boolean(this.stream.isTTY);
  }

  onTrainBegin(): void {
    if (!this.tty) return;
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
  }

  onEpochBegin(epoch: number, ctx: FitContext): void {
    if (!this.tty) return;
    const known = ctx.stepsPerEpoch !== undefined;
    const format = known
      ? `epoch ${epoch + 1}/${ctx.epochs} {bar} {value}/{total} | loss {loss} | MAE {mae} | {rate} img/s | ETA {eta_formatted}`
      : `epoch ${epoch + 1}/${ctx.epochs} {value} batches | loss {loss} | MAE {mae} | {rate} img/s`;
    this.bar = new cliProgress.SingleBar(
      { format, stream: this.stream, hideCursor: true, etaBuffer: 50, barsize: 24, clearOnComplete: true },
      cliProgress.Presets.shades_classic,
    );
    const start = epoch === ctx.initial.epoch ? ctx.initial.batch : 0;
    this.bar.start(Math.max(ctx.stepsPerEpoch ?? 0, start), start, { loss: '-', mae: '-', rate: '-' });
  }

  onBatchEnd(logs: StepLogs, ctx: FitContext): void {
    if (!this.bar) return;
    const t = ctx.state.totals;
    if (logs.batch > this.bar.getTotal()) this.bar.setTotal(logs.batch);
    this.bar.update(logs.batch, {
      loss: fixed(t.samples ? t.loss / t.samples : NaN, 4),
      mae: fixed(t.samples ? t.absError / t.samples : NaN, 2),
      rate: fixed(t.seconds ? t.samples / t.seconds : NaN, 1),
    });
  }

  onEpochEnd(logs: EpochLogs, ctx: FitContext): void {
    this.bar?.stop();
    this.bar = undefined;
    this.stream.write(`${formatEpoch(logs, ctx.epochs)}\n`);
  }

  close(): void {
    this.bar?.stop();
    this.bar = undefined;
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
  }
}

/**
 * One JSON line per step ({"type":"step", ...StepLogs}) and per epoch ({"type":"epoch", ...EpochLogs}), plus a
 * {"type":"start"} line each time training (re)starts. On resume, lines past the checkpoint are dropped first,
 * since those steps are about to be redone: the log never holds a step twice.
 */
export class JsonlLogger implements Callback {
  constructor(readonly path: string, private readonly options: { steps?: boolean } = {}) {}

  private async write(line: Record<string, unknown>): Promise<void> {
    await appendFile(this.path, `${JSON.stringify({ ...line, time: new Date().toISOString() })}\n`);
  }

  async onTrainBegin(ctx: FitContext): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const { step, epoch } = ctx.initial;
    await filterJsonl(this.path, (l) => (l.type === 'epoch' ? Number(l.epoch) < epoch : Number(l.step) <= step));
    await this.write({ type: 'start', epoch, step, batch: ctx.initial.batch, resumed: step > 0 || epoch > 0 });
  }

  async onBatchEnd(logs: StepLogs): Promise<void> {
    if (this.options.steps !== false) await this.write({ type: 'step', ...logs });
  }

  async onEpochEnd(logs: EpochLogs): Promise<void> {
    await this.write({ type: 'epoch', ...logs });
  }
}

/** How a run is described in the howold.json of checkpoints and saved models. */
export type MetaFactory = (ctx: FitContext, metrics?: Record<string, number>) => ModelMetaInput;

function metricsOf(logs: EpochLogs): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(logs)) if (typeof v === 'number') out[k] = v;
  return out;
}

/**
 * Saves model, optimizer state, TrainState and the other callbacks' states every `every` steps and after each
 * epoch, atomically (see atomic.ts: the folder is always a complete old or new checkpoint).
 */
export class Checkpoint implements Callback {
  readonly name = 'checkpoint';
  /** Step of the last save (to skip a second save of the same state). */
  private saved = -1;
  private savedEpoch = -1;

  constructor(private readonly options: { dir: string; every?: number; meta: MetaFactory }) {}

  async save(ctx: FitContext, metrics?: Record<string, number>): Promise<void> {
    const callbacks: Record<string, unknown> = {};
    for (const cb of ctx.callbacks) if (cb.name && cb.getState) callbacks[cb.name] = cb.getState();
    await saveCheckpoint(this.options.dir, {
      model: ctx.model,
      optimizer: ctx.optimizer,
      state: ctx.state,
      callbacks,
      meta: this.options.meta(ctx, metrics),
    });
    this.saved = ctx.state.step;
    this.savedEpoch = ctx.state.epoch;
  }

  onTrainBegin(ctx: FitContext): void {
    this.saved = ctx.initial.step;
    this.savedEpoch = ctx.initial.epoch;
  }

  async onBatchEnd(logs: StepLogs, ctx: FitContext): Promise<void> {
    const every = this.options.every ?? 0;
    if (every > 0 && logs.step % every === 0) await this.save(ctx);
  }

  async onEpochEnd(logs: EpochLogs, ctx: FitContext): Promise<void> {
    if (this.saved === ctx.state.step && this.savedEpoch === ctx.state.epoch) return;
    await this.save(ctx, metricsOf(logs));
  }
}

type Mode = 'min' | 'max';

function improved(value: number, best: number | undefined, mode: Mode, minDelta: number): boolean {
  if (!Number.isFinite(value)) return false;
  if (best === undefined) return true;
  return mode === 'min' ? value < best - minDelta : value > best + minDelta;
}

/**
 * Stops when `monitor` (default val_mae) has not improved for `patience` epochs, and then restores the best
 * weights: kept in memory, or read back from `bestDir` (a BestModel folder) after a resume.
 */
export class EarlyStopping implements Callback {
  readonly name = 'earlyStopping';
  private best?: number;
  private bestEpoch = -1;
  private wait = 0;
  private bestWeights?: tf.Tensor[];
  stoppedEpoch = -1;
  /** Set when training ended with the best weights put back into the model. */
  restoredBest = false;

  constructor(
    private readonly options: { monitor?: string; patience: number; minDelta?: number; mode?: Mode; restoreBest?: boolean; bestDir?: string },
  ) {}

  private get monitor(): string {
    return this.options.monitor ?? 'val_mae';
  }

  getState(): unknown {
    return { best: this.best, bestEpoch: this.bestEpoch, wait: this.wait };
  }

  setState(state: unknown): void {
    const s = state as { best?: number; bestEpoch?: number; wait?: number };
    this.best = s.best ?? undefined;
    this.bestEpoch = s.bestEpoch ?? -1;
    this.wait = s.wait ?? 0;
  }

  onTrainBegin(ctx: FitContext): void {
    if (this.wait >= this.options.patience && this.best !== undefined) ctx.stopTraining = true;
  }

  onEpochEnd(logs: EpochLogs, ctx: FitContext): void {
    const value = (logs as unknown as Record<string, number | undefined>)[this.monitor];
    if (value === undefined) return;
    if (improved(value, this.best, this.options.mode ?? 'min', this.options.minDelta ?? 0)) {
      this.best = value;
      this.bestEpoch = logs.epoch;
      this.wait = 0;
      if (this.options.restoreBest !== false) {
        tf.dispose(this.bestWeights ?? []);
        this.bestWeights = ctx.model.getWeights().map((w) => tf.clone(w));
      }
      return;
    }
    this.wait += 1;
    if (this.wait >= this.options.patience) {
      this.stoppedEpoch = logs.epoch;
      ctx.stopTraining = true;
    }
  }

  async onTrainEnd(_history: History, ctx: FitContext): Promise<void> {
    if (!ctx.stopTraining || this.options.restoreBest === false || this.bestEpoch < 0) return;
    if (this.bestWeights) {
      ctx.model.setWeights(this.bestWeights);
      this.restoredBest = true;
    } else if (this.options.bestDir) {
      const { model } = await loadModel(this.options.bestDir);
      ctx.model.setWeights(model.getWeights());
      model.dispose();
      this.restoredBest = true;
    }
  }

  close(): void {
    tf.dispose(this.bestWeights ?? []);
    this.bestWeights = undefined;
  }
}

/** Saves the model to `dir` whenever `monitor` (default val_mae) reaches a new best at the end of an epoch. */
export class BestModel implements Callback {
  readonly name = 'bestModel';
  private best?: number;

  constructor(private readonly options: { dir: string; meta: MetaFactory; monitor?: string; mode?: Mode }) {}

  getState(): unknown {
    return { best: this.best };
  }

  setState(state: unknown): void {
    this.best = (state as { best?: number }).best ?? undefined;
  }

  async onEpochEnd(logs: EpochLogs, ctx: FitContext): Promise<void> {
    const value = (logs as unknown as Record<string, number | undefined>)[this.options.monitor ?? 'val_mae'];
    if (value === undefined || !improved(value, this.best, this.options.mode ?? 'min', 0)) return;
    this.best = value;
    await saveModel(ctx.model, this.options.dir, this.options.meta(ctx, metricsOf(logs)));
  }
}

/** A line of monitor.jsonl. */
export interface MonitorLine {
  step: number;
  epoch: number;
  /** Predicted (expected) age of each monitor face, in `paths` order. */
  ages: number[];
  truth: number[];
  paths: string[];
}

/**
 * The tutorial's monitor set: fixed faces predicted every `every` steps and after each epoch, one line each in
 * monitor.jsonl, to watch the predictions move (its Figure 3). Lines past the checkpoint are dropped on resume.
 */
export class MonitorSet implements Callback {
  private last = -1;

  constructor(private readonly options: { faces: FaceBatch; path: string; every?: number }) {}

  async onTrainBegin(ctx: FitContext): Promise<void> {
    await mkdir(dirname(this.options.path), { recursive: true });
    const step = ctx.initial.step;
    await filterJsonl(this.options.path, (l) => Number(l.step) <= step);
    const kept = await readJsonl<MonitorLine>(this.options.path);
    this.last = kept.length ? Math.max(...kept.map((l) => l.step)) : -1;
  }

  async predict(model: tf.LayersModel, preprocessing: FitContext['preprocessing']): Promise<number[]> {
    const heads = findHeads(model);
    const ages = tf.tidy(() => {
      const out = model.apply(batchToInput(this.options.faces, preprocessing), { training: false }) as tf.Tensor | tf.Tensor[];
      const probs = (Array.isArray(out) ? out[heads.age] : out) as tf.Tensor2D;
      return expectedAgeOf(probs);
    });
    const values = Array.from(await ages.data());
    ages.dispose();
    return values.map((a) => Math.round(a * 100) / 100);
  }

  private async record(ctx: FitContext, epoch: number): Promise<void> {
    if (ctx.state.step === this.last || this.options.faces.count === 0) return;
    const line: MonitorLine = {
      step: ctx.state.step,
      epoch,
      ages: await this.predict(ctx.model, ctx.preprocessing),
      truth: Array.from(this.options.faces.ages),
      paths: this.options.faces.paths,
    };
    await appendFile(this.options.path, `${JSON.stringify(line)}\n`);
    this.last = ctx.state.step;
  }

  async onBatchEnd(logs: StepLogs, ctx: FitContext): Promise<void> {
    const every = this.options.every ?? 0;
    if (every > 0 && logs.step % every === 0) await this.record(ctx, logs.epoch);
  }

  async onEpochEnd(logs: EpochLogs, ctx: FitContext): Promise<void> {
    await this.record(ctx, logs.epoch);
  }
}
