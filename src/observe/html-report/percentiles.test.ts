import { describe, expect, test } from 'vitest';
import { bucketPercentiles, percentile, summarize } from './percentiles.ts';

describe('latency percentiles', () => {
  test('nearest rank: p50 of 1..10 is 5, p95 is 10, p10 is 1; none of an empty list', () => {
    const sorted = Array.from({ length: 10 }, (_, i) => i + 1);
    expect([percentile(sorted, 0.5), percentile(sorted, 0.95), percentile(sorted, 0.1)]).toEqual([5, 10, 1]);
    expect(percentile([], 0.5)).toBeUndefined();
  });

  test('a summary sorts its input', () => {
    expect(summarize([30, 10, 20, 40])).toEqual({ count: 4, p50: 20, p90: 40, p95: 40, p99: 40, max: 40 });
  });

  test('buckets by time: an empty bucket has no percentiles', () => {
    const points = [
      { at: 100, value: 40 },
      { at: 900, value: 60 },
      { at: 2500, value: 90 },
    ];
    expect(bucketPercentiles(points, { from: 0, to: 3000, bucketMs: 1000 })).toEqual({
      x: [0, 1000, 2000],
      p50: [40, null, 90],
      p95: [60, null, 90],
      p99: [60, null, 90],
      count: [2, 0, 1],
    });
  });
});
