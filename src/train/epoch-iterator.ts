// The batches of each epoch, after Keras' EpochIterator: which epochs are left from the resume point, which batches
// of an epoch to train on (a resumed epoch skips those already done; empty batches are dropped), and each step's
// wall time, data loading included.
import type { FaceBatch } from '../data/batch.js';

/**
 * Training batches for one epoch. Called once per epoch with the epoch number, so a data source can seed its
 * shuffle by epoch and a resumed run sees the same order.
 */
export type TrainData = (epoch: number) => AsyncIterable<FaceBatch>;

export class EpochIterator {
  private last = 0;

  /** `initial`: the epoch training (re)starts in and the batches of it already done. */
  constructor(
    private readonly trainData: TrainData,
    private readonly initial: { epoch: number; batch: number },
    private readonly epochs: number,
  ) {}

  /** Epoch numbers from the resume point up to `epochs`, while `running()` holds (checked before each). */
  *epochNumbers(running: () => boolean): Generator<number> {
    for (let epoch = this.initial.epoch; epoch < this.epochs && running(); epoch++) yield epoch;
  }

  /** The batches of `epoch` to train on. The step clock starts when iteration does. */
  async *batches(epoch: number): AsyncGenerator<FaceBatch> {
    let skip = epoch === this.initial.epoch ? this.initial.batch : 0;
    this.last = performance.now();
    for await (const batch of this.trainData(epoch)) {
      if (skip > 0) {
        skip -= 1;
        this.last = performance.now();
        continue;
      }
      if (batch.count === 0) continue;
      yield batch;
    }
  }

  /** Seconds since the previous step ended (or the epoch's first batch to train on was asked for). */
  lap(): number {
    const now = performance.now();
    const seconds = (now - this.last) / 1000;
    this.last = now;
    return seconds;
  }
}
