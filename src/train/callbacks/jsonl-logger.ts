// The run's log writer: log.jsonl, one JSON line per step and per epoch.
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { filterJsonl } from '../../core/atomic.js';
import type { Callback, EpochLogs, FitContext, StepLogs } from '../types.js';

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
