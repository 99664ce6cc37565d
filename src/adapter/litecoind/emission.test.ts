import { describe, expect, it } from 'vitest';
import { litecoinRegtest } from './chain-params.ts';
import { blockSubsidy, emittedSupply } from './emission.ts';

const LTC = 100_000_000n;

describe('regtest emission rule', () => {
  it('halves the 50 LTC subsidy every 150 blocks', () => {
    expect(blockSubsidy(0)).toBe(50n * LTC);
    expect(blockSubsidy(149)).toBe(50n * LTC);
    expect(blockSubsidy(150)).toBe(25n * LTC);
    expect(blockSubsidy(300)).toBe(1_250_000_000n);
    expect(blockSubsidy(150 * 63)).toBe((50n * LTC) >> 63n);
    expect(blockSubsidy(150 * 64)).toBe(0n);
  });

  it('sums subsidies of blocks 1..h, genesis excluded', () => {
    expect(emittedSupply(0)).toBe(0n);
    expect(emittedSupply(1)).toBe(50n * LTC);
    expect(emittedSupply(149)).toBe(149n * 50n * LTC);
    expect(emittedSupply(150)).toBe(149n * 50n * LTC + 25n * LTC);
    // the closed form agrees with a block-by-block sum across several halvings
    let total = 0n;
    for (let h = 1; h <= 1000; h++) {
      total += blockSubsidy(h);
      if (h % 97 === 0 || h % 150 === 0 || h % 150 === 149)
        expect(emittedSupply(h), `height ${h}`).toBe(total);
    }
  });

  it('converges to the cap after 64 halvings', () => {
    const cap = emittedSupply(150 * 64 + 10);
    expect(emittedSupply(150 * 70)).toBe(cap);
    expect(cap).toBeLessThan(2n * 150n * 50n * LTC);
    expect(litecoinRegtest.coinbaseMaturity).toBe(100);
  });

  it('refuses a bad height', () => {
    expect(() => emittedSupply(-1)).toThrow('a block height is an integer >= 0, got -1');
    expect(() => blockSubsidy(1.5)).toThrow('got 1.5');
  });
});
