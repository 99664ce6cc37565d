/**
 * Exact LTC amounts. litecoind prints amounts as JSON numbers with 8 decimals
 * (`50.00000000`); a JS number cannot hold every litoshi count past 2^53, so chainlab keeps
 * the decimal text and turns it into a `bigint` of litoshis, and sends amounts back as
 * decimal strings (the RPC accepts strings wherever it takes an amount).
 */
import { AdapterError } from '../../support/errors.ts';
import { LITOSHIS_PER_LTC } from './chain-params.ts';

const DECIMAL = /^(-)?(\d+)(?:\.(\d{1,8}))?$/;

/**
 * Litoshis of an LTC amount given as decimal text (`"1.5"`, `"0.00001000"`, `"-2"`).
 * Throws `AdapterError` on anything else (exponents, more than 8 decimals).
 *
 * @example
 * parseLtc('50.00000000') // 5_000_000_000n
 */
export function parseLtc(text: string): bigint {
  const m = DECIMAL.exec(text);
  if (m === null) {
    throw new AdapterError('litecoind', `not an LTC amount with at most 8 decimals: ${JSON.stringify(text)}`);
  }
  const whole = BigInt(m[2]!);
  const frac = BigInt((m[3] ?? '').padEnd(8, '0'));
  const value = whole * LITOSHIS_PER_LTC + frac;
  return m[1] === '-' ? -value : value;
}

/**
 * The decimal text of an amount in litoshis, with 8 decimals (what litecoind prints).
 *
 * @example
 * formatLtc(150_000_000n) // '1.50000000'
 */
export function formatLtc(litoshis: bigint): string {
  const negative = litoshis < 0n;
  const abs = negative ? -litoshis : litoshis;
  const whole = abs / LITOSHIS_PER_LTC;
  const frac = (abs % LITOSHIS_PER_LTC).toString().padStart(8, '0');
  return `${negative ? '-' : ''}${whole}.${frac}`;
}
