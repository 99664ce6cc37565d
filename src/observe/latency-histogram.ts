/**
 * Latency histograms with fixed bucket bounds, so a flood of many thousand requests is
 * recorded compactly (per second, a few dozen counts) and histograms from any thread,
 * second or node merge by adding counts. Percentiles read back as the upper bound of the
 * bucket they fall in (never below the truth), capped at the largest latency seen.
 */

/** Upper bounds (ms) of the buckets, about ×1.5 apart; one more bucket holds everything above the last. */
export const LATENCY_BOUNDS_MS: readonly number[] = [
  0.5, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000,
  5000, 7500, 10_000, 15_000, 20_000, 30_000, 60_000,
];

/** A histogram as recorded: count, sum and max, and the non-empty buckets as `[index, count]`. */
export interface LatencyHistogram {
  n: number;
  sumMs: number;
  maxMs: number;
  buckets: [number, number][];
}

/** Index of the bucket holding `ms`. */
export function bucketOf(ms: number): number {
  let lo = 0;
  let hi = LATENCY_BOUNDS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ms <= LATENCY_BOUNDS_MS[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** A histogram being filled (dense counts); `toJSON` gives the recorded form. */
export class HistogramBuilder {
  n = 0;
  sumMs = 0;
  maxMs = 0;
  readonly #counts = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);

  add(ms: number): void {
    this.n++;
    this.sumMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
    this.#counts[bucketOf(ms)]!++;
  }

  /** Adds a recorded histogram's counts. */
  merge(h: LatencyHistogram): void {
    this.n += h.n;
    this.sumMs += h.sumMs;
    if (h.maxMs > this.maxMs) this.maxMs = h.maxMs;
    for (const [i, c] of h.buckets) this.#counts[i] = (this.#counts[i] ?? 0) + c;
  }

  toJSON(): LatencyHistogram {
    const buckets: [number, number][] = [];
    for (const [i, c] of this.#counts.entries()) if (c > 0) buckets.push([i, c]);
    return {
      n: this.n,
      sumMs: Math.round(this.sumMs * 10) / 10,
      maxMs: Math.round(this.maxMs * 10) / 10,
      buckets,
    };
  }
}

/** Several recorded histograms as one. */
export function mergeHistograms(hs: Iterable<LatencyHistogram>): LatencyHistogram {
  const b = new HistogramBuilder();
  for (const h of hs) b.merge(h);
  return b.toJSON();
}

/**
 * The `q` quantile (0..1) of a histogram: the upper bound of the bucket holding it, at most
 * the largest latency seen; undefined when empty.
 *
 * @example
 * const b = new HistogramBuilder(); b.add(4); b.add(40);
 * quantileOf(b.toJSON(), 0.5); // 5 (the bucket 3..5 ms)
 */
export function quantileOf(h: LatencyHistogram, q: number): number | undefined {
  if (h.n === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * h.n));
  let seen = 0;
  for (const [i, c] of [...h.buckets].sort((a, b) => a[0] - b[0])) {
    seen += c;
    if (seen >= rank) return Math.min(LATENCY_BOUNDS_MS[i] ?? h.maxMs, h.maxMs);
  }
  return h.maxMs;
}
