/**
 * Percentiles of tx submit-to-inclusion latency: over the whole run, and per time bucket
 * of submission (so a chart shows how latency moved).
 */

/** Nearest-rank percentile of an ascending list (`q` in 0..1); undefined when empty. */
export function percentile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}

/** The percentiles a report shows. */
export const reportQuantiles = [0.5, 0.9, 0.95, 0.99] as const;

/** Latency summary of a set of samples (ms). */
export interface LatencySummary {
  count: number;
  p50?: number | undefined;
  p90?: number | undefined;
  p95?: number | undefined;
  p99?: number | undefined;
  max?: number | undefined;
}

/** Percentiles and max of `values` (any order). */
export function summarize(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1),
  };
}

/** A point (time, value), e.g. (submitted at, latency). */
export interface TimedValue {
  at: number;
  value: number;
}

/** Percentile lines per bucket: `x[i]` is the bucket start, a value is null for an empty bucket. */
export interface BucketedPercentiles {
  x: number[];
  p50: (number | null)[];
  p95: (number | null)[];
  p99: (number | null)[];
  count: number[];
}

/**
 * Groups `points` into buckets of `bucketMs` from `from` to `to` and takes p50/p95/p99 of
 * each.
 *
 * @example
 * bucketPercentiles([{ at: 100, value: 40 }, { at: 1200, value: 90 }], { from: 0, to: 2000, bucketMs: 1000 });
 * // { x: [0, 1000], p50: [40, 90], p95: [40, 90], p99: [40, 90], count: [1, 1] }
 */
export function bucketPercentiles(
  points: readonly TimedValue[],
  opts: { from: number; to: number; bucketMs: number },
): BucketedPercentiles {
  const n = Math.max(1, Math.ceil((opts.to - opts.from) / opts.bucketMs));
  const buckets: number[][] = Array.from({ length: n }, () => []);
  for (const p of points) {
    if (p.at < opts.from || p.at > opts.to) continue;
    buckets[Math.min(n - 1, Math.floor((p.at - opts.from) / opts.bucketMs))]!.push(p.value);
  }
  const out: BucketedPercentiles = { x: [], p50: [], p95: [], p99: [], count: [] };
  for (let i = 0; i < n; i++) {
    const sorted = buckets[i]!.sort((a, b) => a - b);
    out.x.push(opts.from + i * opts.bucketMs);
    out.p50.push(percentile(sorted, 0.5) ?? null);
    out.p95.push(percentile(sorted, 0.95) ?? null);
    out.p99.push(percentile(sorted, 0.99) ?? null);
    out.count.push(sorted.length);
  }
  return out;
}
