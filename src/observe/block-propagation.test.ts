// Block propagation figures on a hand-written history: first sightings, origins, tiers, backfills.
import { describe, expect, test } from 'vitest';
import { blockPropagation, orphanRate, tierPropagation } from './block-propagation.ts';
import type { BlockObservation } from './recording.ts';

const seen = (node: string, hash: string, at: number, source?: 'backfill'): BlockObservation =>
  ({ node, hash, at, height: 1, parent: '', ...(source ? { source } : {}) }) as unknown as BlockObservation;

const history: BlockObservation[] = [
  seen('a', 'h1', 1000),
  seen('b', 'h1', 1010),
  seen('c', 'h1', 1300),
  seen('b', 'h2', 2000),
  seen('a', 'h2', 2020),
  seen('c', 'h2', 2340),
  seen('c', 'h3', 3000),
  seen('a', 'h3', 3310),
  seen('b', 'h3', 3320),
  // A backfill is not a sighting: it does not count, and it is not a first sighting either.
  seen('c', 'h4', 3900, 'backfill'),
  seen('a', 'h4', 4000),
  seen('b', 'h4', 4005),
];

describe('block propagation', () => {
  test('per node: delay from the first sighting elsewhere, filtered by origin', () => {
    expect(blockPropagation(history, ['b', 'c'])).toEqual({
      b: { samples: 3, median: 10, p90: 320, max: 320 },
      c: { samples: 2, median: 340, p90: 340, max: 340 },
    });
    expect(blockPropagation(history, ['c'], { origins: ['a'] })).toEqual({
      c: { samples: 1, median: 300, p90: 300, max: 300 },
    });
    expect(blockPropagation(history, ['z'])).toEqual({ z: { samples: 0, median: 0, p90: 0, max: 0 } });
  });

  test('per tier: pooled over the tier, blocks from outside it only; a time window cuts', () => {
    expect(
      tierPropagation(history, [
        { name: 'near', nodes: ['a', 'b'] },
        { name: 'far', nodes: ['c'] },
      ]),
    ).toEqual({
      near: { samples: 2, median: 320, p90: 320, max: 320 },
      far: { samples: 2, median: 340, p90: 340, max: 340 },
    });
    expect(tierPropagation(history, [{ name: 'far', nodes: ['c'] }], { from: 1500 }).far!.samples).toBe(1);
    // The same origins for every tier: only blocks first seen on `b` count, wherever they land.
    expect(
      tierPropagation(
        history,
        [
          { name: 'near', nodes: ['a'] },
          { name: 'far', nodes: ['c'] },
        ],
        { origins: ['b'] },
      ),
    ).toEqual({
      near: { samples: 1, median: 20, p90: 20, max: 20 },
      far: { samples: 1, median: 340, p90: 340, max: 340 },
    });
  });

  test('orphans: blocks seen at the range heights that are not on the winning chain, per 100', () => {
    const at = (height: number, hash: string) => ({ ...seen('a', hash, height * 100), height });
    const blocks = [
      at(1, 'w1'),
      at(2, 'x2'),
      at(2, 'w2'),
      at(3, 'w3'),
      at(3, 'y3'),
      at(4, 'z4'),
      at(4, 'w4'),
    ];
    const chain = new Map([1, 2, 3, 4].map((h) => [h, { hash: `w${h}` }]));
    expect(orphanRate(blocks, chain, 1, 4)).toEqual({ canonical: 4, orphaned: 3, per100: 75 });
    expect(orphanRate(blocks, chain, 1, 2)).toEqual({ canonical: 2, orphaned: 1, per100: 50 });
    expect(orphanRate([], new Map(), 1, 4)).toEqual({ canonical: 0, orphaned: 0, per100: 0 });
  });
});
