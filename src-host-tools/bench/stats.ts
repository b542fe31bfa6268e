// Small statistics the benchmarks share.

/** The middle value; of an even count, the upper of the two middles (always a value that was measured). NaN when empty. */
export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}
