import { describe, expect, it } from 'vitest';
import { amountSchema, parseRpcJson, RpcNumber } from './rpc-json.ts';

describe('RPC JSON', () => {
  it('keeps amounts as their source text and safe integers as numbers', () => {
    // shaped like litecoind 0.21 gettxoutsetinfo, with a total past 2^53 litoshis
    const body = parseRpcJson(
      '{"result":{"height":101,"txouts":101,"total_amount":92233720.36854775,"difficulty":4.656542373906925e-10},"error":null,"id":1}',
    ) as { result: Record<string, unknown> };
    expect(body.result.height).toBe(101);
    expect(body.result.total_amount).toBeInstanceOf(RpcNumber);
    expect(amountSchema.parse(body.result.total_amount)).toBe(9_223_372_036_854_775n);
    expect((body.result.difficulty as RpcNumber).text).toBe('4.656542373906925e-10');
  });

  it('keeps an integer beyond 2^53 as text', () => {
    const v = parseRpcJson('[9007199254740993]') as unknown[];
    expect((v[0] as RpcNumber).text).toBe('9007199254740993');
  });
});
