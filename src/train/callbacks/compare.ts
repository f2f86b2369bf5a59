// Whether a monitored value improved on the best so far: shared by EarlyStopping and BestModel.

/** 'min': lower is better (val_mae, losses); 'max': higher is better (accuracies). */
export type Mode = 'min' | 'max';

/** A finite `value` better than `best` by more than `minDelta` (any finite value beats no best yet). */
export function improved(value: number, best: number | undefined, mode: Mode, minDelta: number): boolean {
  if (!Number.isFinite(value)) return false;
  if (best === undefined) return true;
  return mode === 'min' ? value < best - minDelta : value > best + minDelta;
}
