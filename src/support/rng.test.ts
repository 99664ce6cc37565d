import { describe, expect, test } from 'vitest';
import { Rng } from './rng.ts';

describe('Rng', () => {
  test('the same seed gives the same sequence; another seed a different one', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const seqA = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(seqA);
    for (const x of seqA) expect(x >= 0 && x < 1).toBe(true);
  });

  test('fork depends on seed and label only, not on draws made before', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    for (let i = 0; i < 100; i++) b.next();
    expect(a.fork('tx').next()).toBe(b.fork('tx').next());
    expect(a.fork('tx').next()).not.toBe(a.fork('chaos').next());
    expect(a.fork('tx').fork('retry').path).toBe('tx/retry');
  });

  test('int stays in range and reaches both ends; pick and shuffle use every element', () => {
    const r = new Rng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = r.int(3, 7);
      expect(v).toBeGreaterThanOrEqual(3);
      expect(v).toBeLessThanOrEqual(7);
      seen.add(v);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7]);
    const xs = [1, 2, 3, 4, 5, 6];
    const shuffled = r.shuffle(xs);
    expect([...shuffled].sort()).toEqual(xs);
    expect(xs).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => r.pick([])).toThrow(RangeError);
    expect(() => r.int(5, 4)).toThrow(RangeError);
  });

  test('values are spread evenly (chi-square over 10 buckets)', () => {
    const r = new Rng(913);
    const buckets = new Array(10).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) buckets[Math.floor(r.next() * 10)]++;
    const expected = n / 10;
    const chi = buckets.reduce((s, b) => s + (b - expected) ** 2 / expected, 0);
    // 9 degrees of freedom: p = 0.001 at 27.9.
    expect(chi).toBeLessThan(27.9);
  });
});
