import type { RejectedRow } from '../../core/types.js';

export interface RejectSummary {
  total: number;
  byReason: Record<string, number>;
  /** The first few rejected rows of each reason, for reports. */
  examples: Record<string, RejectedRow[]>;
  /** Files in a dataset folder that are not image files (README.md, excluded.csv, .DS_Store): not rejects. */
  skipped: number;
}

/** Counts rejected rows by reason and keeps the first `maxExamples` of each. */
export class RejectCounter {
  readonly maxExamples: number;
  private counts = new Map<string, number>();
  private samples = new Map<string, RejectedRow[]>();
  private listener?: (row: RejectedRow) => void;
  skipped = 0;

  constructor(maxExamples = 3, onReject?: (row: RejectedRow) => void) {
    this.maxExamples = maxExamples;
    this.listener = onReject;
  }

  add(row: RejectedRow): void {
    this.counts.set(row.reason, (this.counts.get(row.reason) ?? 0) + 1);
    const list = this.samples.get(row.reason) ?? [];
    if (list.length < this.maxExamples) list.push(row);
    this.samples.set(row.reason, list);
    this.listener?.(row);
  }

  reject(path: string, reason: string, detail?: string): void {
    this.add(detail === undefined ? { path, reason } : { path, reason, detail });
  }

  get total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  /** Counts by reason, reasons sorted, as stored in a shard index. */
  byReason(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  examples(reason?: string): RejectedRow[] {
    if (reason !== undefined) return [...(this.samples.get(reason) ?? [])];
    return [...this.samples.values()].flat();
  }

  clear(): void {
    this.counts.clear();
    this.samples.clear();
    this.skipped = 0;
  }

  summary(): RejectSummary {
    const examples: Record<string, RejectedRow[]> = {};
    for (const reason of Object.keys(this.byReason())) examples[reason] = this.examples(reason);
    return { total: this.total, byReason: this.byReason(), examples, skipped: this.skipped };
  }

  toJSON(): RejectSummary {
    return this.summary();
  }
}
