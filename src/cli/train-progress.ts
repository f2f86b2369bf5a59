// `howold train`'s progress: a bar per epoch on a terminal and one line per epoch, passed to the run as its
// progress callback (the library itself prints nothing).
import cliProgress from 'cli-progress';
import type { Callback, EpochLogs, FitContext, StepLogs } from '../train/index.js';

function fixed(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}

/** One line summarising an epoch, as ProgressBar prints it. */
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
