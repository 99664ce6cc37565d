import { describe, expect, it } from 'vitest';
import { AdapterError } from '../../support/errors.ts';
import { formatLtc, parseLtc } from './amount.ts';

describe('LTC amounts', () => {
  it('parses decimal text exactly, far past 2^53 litoshis', () => {
    expect(parseLtc('50.00000000')).toBe(5_000_000_000n);
    expect(parseLtc('0.00000001')).toBe(1n);
    expect(parseLtc('1.5')).toBe(150_000_000n);
    expect(parseLtc('-2')).toBe(-200_000_000n);
    // 200 million LTC plus one litoshi is past 2^53 litoshis: a JS number would round it
    expect(parseLtc('200000000.00000001')).toBe(20_000_000_000_000_001n);
    expect(Number.isSafeInteger(Number(parseLtc('200000000.00000001')))).toBe(false);
  });

  it('refuses what is not an 8-decimal amount, naming the text', () => {
    for (const bad of ['1e-8', '0.000000001', 'abc', '', '1.']) {
      const error = (() => {
        try {
          parseLtc(bad);
        } catch (e) {
          return e;
        }
      })();
      expect(AdapterError.is(error)).toBe(true);
      expect((error as Error).message).toContain(JSON.stringify(bad));
    }
  });

  it('formats with 8 decimals and round-trips', () => {
    expect(formatLtc(150_000_000n)).toBe('1.50000000');
    expect(formatLtc(1n)).toBe('0.00000001');
    expect(formatLtc(-1n)).toBe('-0.00000001');
    for (const v of [0n, 7n, 123_456_789_012_345_678n, -99_999_999n]) expect(parseLtc(formatLtc(v))).toBe(v);
  });
});
