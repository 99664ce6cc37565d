import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeParity, gfDiv, gfMul, recoverData } from './erasure.ts';

describe('GF(256)', () => {
  it('has inverses: (a × b) / b = a for every a and nonzero b', () => {
    const failures: string[] = [];
    for (let a = 0; a < 256; a++)
      for (let b = 1; b < 256; b++) if (gfDiv(gfMul(a, b), b) !== a) failures.push(`${a}×${b}`);
    expect(failures).toEqual([]);
  });

  it('multiplies known values (AES-free polynomial 0x11d)', () => {
    expect(gfMul(2, 128)).toBe(0x1d);
    expect(gfMul(3, 7)).toBe(9);
    expect(() => gfDiv(1, 0)).toThrow(RangeError);
  });
});

describe('Reed–Solomon erasure code', () => {
  it('rebuilds the data shards from any k of n shards', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }).chain((n) =>
          fc.record({
            n: fc.constant(n),
            k: fc.integer({ min: 1, max: n }),
            length: fc.integer({ min: 1, max: 40 }),
            seed: fc.integer(),
            pick: fc.shuffledSubarray(
              Array.from({ length: n }, (_, i) => i),
              { minLength: n, maxLength: n },
            ),
          }),
        ),
        ({ n, k, length, seed, pick }) => {
          let state = seed >>> 0;
          const data = Array.from({ length: k }, () =>
            Uint8Array.from({ length }, () => {
              state = (state * 1103515245 + 12345) >>> 0;
              return state >>> 24;
            }),
          );
          const all = [...data, ...encodeParity(data, n)];
          expect(all).toHaveLength(n);
          const chosen = new Map(pick.slice(0, k).map((index) => [index, all[index]!]));
          const rebuilt = recoverData(chosen, k, n);
          expect(rebuilt.map((shard) => Buffer.from(shard).toString('hex'))).toEqual(
            data.map((shard) => Buffer.from(shard).toString('hex')),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses too few shards and unequal lengths with RangeErrors', () => {
    const data = [Uint8Array.of(1, 2), Uint8Array.of(3, 4)];
    const parity = encodeParity(data, 4);
    expect(() => recoverData(new Map([[3, parity[1]!]]), 2, 4)).toThrow(/need 2 of 4 shards, got 1/);
    expect(() => encodeParity([Uint8Array.of(1), Uint8Array.of(1, 2)], 3)).toThrow(/same length/);
    expect(() => encodeParity(data, 300)).toThrow(/totalShards/);
  });
});
