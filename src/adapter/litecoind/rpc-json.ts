/**
 * JSON of litecoind's RPC, parsed without losing digits. Every number literal that is not
 * a safe integer (amounts like `50.00000000`, difficulties like `4.6e-10`, huge counters)
 * keeps its source text as a {@link RpcNumber}; the response schemas turn amounts into
 * `bigint` litoshis and other decimals into numbers. Uses `JSON.parse`'s source text
 * access (V8, Node ≥ 21).
 */
import { z } from 'zod';
import { parseLtc } from './amount.ts';

/** A number literal kept as its source text. */
export class RpcNumber {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toJSON(): string {
    return this.text;
  }
}

type Reviver = (key: string, value: unknown, context?: { source?: string }) => unknown;
const parseWithSource = JSON.parse as (text: string, reviver: Reviver) => unknown;

const reviver: Reviver = (_key, value, context) => {
  if (typeof value !== 'number') return value;
  const source = context?.source;
  if (source === undefined) return value;
  return /^-?\d+$/.test(source) && Number.isSafeInteger(value) ? value : new RpcNumber(source);
};

/** Parses RPC response text; numbers that are not safe integers become {@link RpcNumber}. */
export function parseRpcJson(text: string): unknown {
  return parseWithSource(text, reviver);
}

/** An LTC amount as litoshis (`bigint`). */
export const amountSchema = z
  .union([z.instanceof(RpcNumber), z.number().int()])
  .transform((v) => (v instanceof RpcNumber ? parseLtc(v.text) : BigInt(v) * 100_000_000n));

/** A 64-hex-digit hash (block hash, txid). */
export const hashSchema = z.string().regex(/^[0-9a-f]{64}$/);
