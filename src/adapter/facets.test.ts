// What chainlab derives from an adapter's statements: bounds from the block-production
// model (slotted, Poisson, fixed), final heights from the finality rule, supply from the
// emission rule, and refusals naming the missing facet.
import { describe, expect, test } from 'vitest';
import { slottedFacts } from '../../test/fixtures/facts.ts';
import { CapabilityError } from '../support/errors.ts';
import {
  blockCountSpread,
  blockRate,
  expectedSupply,
  finalHeightOf,
  quietSpanMs,
  requireFacet,
} from './facets.ts';
import type { BlockProduction, NodeInfo } from './types.ts';

const slotted: BlockProduction = {
  model: 'slotted',
  expectedIntervalMs: 400,
  slotMs: 200,
  activeSlotCoeff: 0.5,
};
const pow: BlockProduction = { model: 'poisson', expectedIntervalMs: 2000 };
const fixed: BlockProduction = { model: 'fixed', expectedIntervalMs: 1000 };

describe('block production', () => {
  test('rates: Praos only for slots; Poisson scales with the producers online', () => {
    expect(blockRate(slotted) * 1000).toBeCloseTo(2.5);
    // Half the stake online: 1 - (1 - f)^0.5 per slot.
    expect(blockRate(slotted, 0.5) * 200).toBeCloseTo(1 - 0.5 ** 0.5);
    expect(blockRate(pow, 0.5) * 2000).toBeCloseTo(0.5);
    expect(blockRate(fixed, 0.5) * 1000).toBe(1);
  });

  test('the quiet span a healthy chain shows with chance 1e-7', () => {
    // 24 empty slots in a row at f = 0.5.
    expect(quietSpanMs(slotted)).toBe(24 * 200);
    // -ln(1e-7) ≈ 16.1 mean intervals.
    expect(quietSpanMs(pow)).toBe(Math.ceil(16.11809565095832 * 2000));
    expect(quietSpanMs(fixed)).toBe(2000);
  });

  test('count spread: binomial over slots, Poisson for proof of work', () => {
    expect(blockCountSpread(slotted, 40_000)).toBeCloseTo(Math.sqrt(100 * 0.5));
    expect(blockCountSpread(pow, 40_000)).toBeCloseTo(Math.sqrt(20));
  });
});

describe('finality and supply', () => {
  const info = (height: number, finalizedHeight?: number): NodeInfo => ({
    nodeId: 'n',
    role: 'validator',
    chainId: 'c',
    height,
    tip: 'h',
    peers: 1,
    ...(finalizedHeight === undefined ? {} : { finalizedHeight }),
  });

  test('final height per rule: reported, depth, none', () => {
    expect(finalHeightOf({ finality: { rule: 'reported', depth: 5 } }, info(20, 14))).toBe(14);
    expect(finalHeightOf({ finality: { rule: 'reported', depth: 5 } }, info(20))).toBe(-1);
    expect(finalHeightOf({ finality: { rule: 'depth', depth: 6 } }, info(20))).toBe(14);
    expect(finalHeightOf({ finality: { rule: 'depth', depth: 6 } }, info(3))).toBe(-1);
    expect(finalHeightOf({ finality: { rule: 'none' } }, info(20))).toBe(20);
  });

  test('expected supply: nothing minted, or a halving subsidy per block', () => {
    expect(expectedSupply({ genesis: 1000n, emission: { kind: 'none' }, source: 'accounts' }, 500)).toBe(
      1000n,
    );
    const ltc = {
      genesis: 0n,
      emission: { kind: 'halving' as const, initial: 5_000_000_000n, interval: 150, firstHeight: 1 },
      source: 'utxo-set' as const,
    };
    expect(expectedSupply(ltc, 0)).toBe(0n);
    expect(expectedSupply(ltc, 101)).toBe(101n * 5_000_000_000n);
    // Blocks 1..149 at 50, 150..299 at 25, 300 at 12.5 (in smallest units, exact).
    expect(expectedSupply(ltc, 300)).toBe(149n * 5_000_000_000n + 150n * 2_500_000_000n + 1_250_000_000n);
  });
});

describe('requireFacet', () => {
  test('names the facet, the adapter and who needed it', () => {
    const facts = { ...slottedFacts(), adapter: 'litecoind', facets: ['supply' as const] };
    expect(() => requireFacet({ facts }, 'toConserveSupply', 'supply')).not.toThrow();
    let error: unknown;
    try {
      requireFacet({ facts }, 'ramp', 'supply', 'mempool');
    } catch (e) {
      error = e;
    }
    expect(CapabilityError.is(error)).toBe(true);
    expect(error).toMatchObject({ capability: 'mempool', missing: 'facet' });
    expect((error as Error).message).toBe(
      'ramp needs the `mempool` facet, which the litecoind adapter does not offer',
    );
  });
});
