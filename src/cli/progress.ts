import cliProgress from 'cli-progress';

export interface Progress {
  /** `extra.total`, when given, replaces the total (for jobs that learn their size as they start). */
  update(done: number, extra?: Record<string, string | number>): void;
  stop(): void;
}

/**
 * A progress bar with done/total, rate and ETA on a TTY (cli-progress); elsewhere (CI, pipes) a plain line
 * every `everySeconds`, so logs stay readable.
 */
export function createProgress(initialTotal: number, label: string, stream: NodeJS.WriteStream = process.stderr, everySeconds = 10): Progress {
  const started = Date.now();
  let total = initialTotal;
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {value}/{total} | {rate}/s | ETA {eta_formatted}`, stream, hideCursor: true, etaBuffer: 50 },
      cliProgress.Presets.shades_classic,
    );
    bar.start(initialTotal, 0, { rate: '0' });
    return {
      update(done, extra) {
        const seconds = (Date.now() - started) / 1000;
        if (typeof extra?.total === 'number' && extra.total !== bar.getTotal()) bar.setTotal(extra.total);
        bar.update(done, { rate: seconds > 0 ? (done / seconds).toFixed(1) : '0', ...extra });
      },
      stop() {
        bar.stop();
      },
    };
  }
  let lastPrint = 0;
  const line = (done: number) => {
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const eta = rate > 0 ? Math.round((total - done) / rate) : 0;
    stream.write(`${label}: ${done}/${total} (${rate.toFixed(1)}/s, ETA ${eta}s)\n`);
  };
  return {
    update(done, extra) {
      if (typeof extra?.total === 'number') total = extra.total;
      if (Date.now() - lastPrint >= everySeconds * 1000) {
        lastPrint = Date.now();
        line(done);
      }
    },
    stop() {
      // the final figures are printed by the command itself
    },
  };
}
