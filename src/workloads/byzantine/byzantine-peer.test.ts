import { describe, expect, test } from 'vitest';
import { Rng } from '../../support/rng.ts';
import { byzantinePeer } from './byzantine-peer.ts';
import { byzantineKinds, defaultMix, kindChooser } from './mix.ts';

describe('byzantinePeer options', () => {
  test('bad options are one ConfigError naming each field, its value and what is allowed, before anything starts', () => {
    expect(() =>
      byzantinePeer({ rate: 0, durationMs: 50, mix: { stale: 0, bogus: 1 } as never, targets: [] as never }),
    ).toThrowErrorMatchingInlineSnapshot(`
      [ConfigError: invalid byzantinePeer options: 5 problems
        - byzantinePeer.rate: got 0, allowed: a number > 0 and ≤ 5000 (messages per second)
        - byzantinePeer.durationMs: got 50, allowed: an integer 100..3600000 (ms)
        - byzantinePeer.mix.bogus: got 1, allowed: one of replay, stale, useless, malformed, oversized, invalid-txs
        - byzantinePeer.mix: got {"stale":0,"bogus":1}, allowed: weights 0..1000 by kind (replay, stale, useless, malformed, oversized, invalid-txs), at least one above 0
        - byzantinePeer.targets: got [], allowed: 'all', 'validators', 'executors' or a non-empty list of node names]
    `);
  });

  test('a mix with no weight above 0 is refused', () => {
    expect(() => byzantinePeer({ rate: 10, durationMs: 1000, mix: { stale: 0 } })).toThrow(
      /mix: got \{"stale":0\}, allowed: weights 0\.\.1000 by kind/,
    );
  });

  test('defaults: named byzantine-peer', () => {
    expect(byzantinePeer({ rate: 10, durationMs: 1000 }).name).toBe('byzantine-peer');
    expect(byzantinePeer({ rate: 10, durationMs: 1000, name: 'flood-2' }).name).toBe('flood-2');
  });
});

describe('kindChooser', () => {
  test('draws kinds in proportion to their weights, from the seed alone', () => {
    const draw = (seed: number): string[] => {
      const choose = kindChooser(defaultMix, new Rng(seed));
      return Array.from({ length: 11_000 }, () => choose.next());
    };
    const a = draw(7);
    expect(draw(7)).toEqual(a);
    const total = Object.values(defaultMix).reduce((x, y) => x + y, 0);
    for (const kind of byzantineKinds) {
      const share = a.filter((k) => k === kind).length / a.length;
      expect(share, kind).toBeGreaterThan((defaultMix[kind] / total) * 0.85);
      expect(share, kind).toBeLessThan((defaultMix[kind] / total) * 1.15);
    }
  });

  test('a kind at weight 0 or left out is never drawn', () => {
    const choose = kindChooser({ malformed: 1, stale: 0 }, new Rng(1));
    expect(choose.kinds).toEqual(['malformed']);
    expect(new Set(Array.from({ length: 100 }, () => choose.next()))).toEqual(new Set(['malformed']));
    expect(() => kindChooser({}, new Rng(1))).toThrow(RangeError);
  });
});
