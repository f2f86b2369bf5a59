// The benches' one summary statistic.

/** The median of `values` (for an even count, the upper of the two middle values). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
