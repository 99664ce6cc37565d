import { expect, test } from 'vitest';
import {
  bucketOf,
  HistogramBuilder,
  LATENCY_BOUNDS_MS,
  mergeHistograms,
  quantileOf,
} from './latency-histogram.ts';

test('a latency lands in the first bucket whose bound holds it; beyond the last bound, the overflow bucket', () => {
  expect(bucketOf(0)).toBe(0);
  expect(bucketOf(0.5)).toBe(0);
  expect(bucketOf(0.51)).toBe(1);
  expect(bucketOf(4)).toBe(LATENCY_BOUNDS_MS.indexOf(5));
  expect(bucketOf(10)).toBe(LATENCY_BOUNDS_MS.indexOf(10));
  expect(bucketOf(1e9)).toBe(LATENCY_BOUNDS_MS.length);
});

test('quantiles read as bucket bounds, never below the truth, capped at the max seen', () => {
  const b = new HistogramBuilder();
  for (let i = 1; i <= 100; i++) b.add(i); // 1..100 ms
  const h = b.toJSON();
  expect(h.n).toBe(100);
  expect(h.maxMs).toBe(100);
  expect(quantileOf(h, 0.5)).toBe(50);
  expect(quantileOf(h, 0.9)).toBe(100);
  expect(quantileOf(h, 0.99)).toBe(100);
  expect(quantileOf(h, 0.01)).toBe(1);
  const one = new HistogramBuilder();
  one.add(42);
  // 42 ms is in the 30..50 bucket, but nothing was slower than 42.
  expect(quantileOf(one.toJSON(), 0.99)).toBe(42);
  expect(quantileOf(new HistogramBuilder().toJSON(), 0.5)).toBeUndefined();
});

test('recorded histograms are sparse and merge by adding counts', () => {
  const a = new HistogramBuilder();
  a.add(1);
  a.add(1);
  const b = new HistogramBuilder();
  b.add(200);
  expect(a.toJSON()).toEqual({ n: 2, sumMs: 2, maxMs: 1, buckets: [[1, 2]] });
  const m = mergeHistograms([a.toJSON(), b.toJSON()]);
  expect(m).toEqual({
    n: 3,
    sumMs: 202,
    maxMs: 200,
    buckets: [
      [1, 2],
      [LATENCY_BOUNDS_MS.indexOf(200), 1],
    ],
  });
  expect(quantileOf(m, 0.5)).toBe(1);
  expect(quantileOf(m, 0.99)).toBe(200);
});
