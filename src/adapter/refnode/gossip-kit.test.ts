import { describe, expect, test } from 'vitest';
import { keyPairFromSeed } from '../../../refnode/src/codec.ts';
import { gossipMessageId, MAX_TXS_PER_MESSAGE } from '../../../refnode/src/gossip-codec.ts';
import { refnodeGossip, whitespaceOf } from './gossip-kit.ts';
import { RefnodeWallet } from './wallet.ts';

const kit = refnodeGossip('test-chain');
const text = (data: Uint8Array): string => Buffer.from(data).toString('utf8');
const secretKey = '1'.padStart(64, '0');
const wallet = new RefnodeWallet(
  'test-chain',
  { index: 0, address: keyPairFromSeed(secretKey).address, secretKey, balance: 1000 },
  1n,
);

describe('refnodeGossip: what a Byzantine peer publishes on a refnode chain', () => {
  test('topics and rules are refnode’s own: /refnode/<chain>/<topic>, unsigned, content-hash ids', () => {
    expect(kit.topics.map((t) => t.wire)).toEqual([
      '/refnode/test-chain/blocks',
      '/refnode/test-chain/txs',
      '/refnode/test-chain/da',
    ]);
    expect(kit.rules.signing).toBe('none');
    const data = new Uint8Array(Buffer.from('[]'));
    expect(kit.rules.messageId('/refnode/test-chain/txs', data)).toEqual(
      new Uint8Array(gossipMessageId('/refnode/test-chain/txs', data)),
    );
  });

  test('whitespace variants are distinct for every n and keep the JSON meaning: no duplicate filter drops them', () => {
    const seen = new Set(Array.from({ length: 2000 }, (_, n) => whitespaceOf(n)));
    expect(seen.size).toBe(2000);
    const base = { topic: kit.topics[1]!.wire, data: new Uint8Array(Buffer.from('[1,2]')) };
    const a = kit.reencode(base, 1);
    const b = kit.reencode(base, 2);
    expect(JSON.parse(text(a.data))).toEqual([1, 2]);
    expect(text(a.data)).not.toBe(text(b.data));
    expect(JSON.parse(text(kit.useless(7).data))).toEqual([]);
    expect(text(kit.useless(7).data)).not.toBe(text(kit.useless(8).data));
  });

  test('malformed messages never parse; oversized ones carry one tx more than a message may', () => {
    for (let n = 0; n < 6; n++) expect(() => JSON.parse(text(kit.malformed(n).data))).toThrow();
    expect(new Set([0, 1, 2].map((n) => kit.malformed(n).topic)).size).toBe(3);
    const big = JSON.parse(text(kit.oversized(3).data)) as unknown[];
    expect(big).toHaveLength(MAX_TXS_PER_MESSAGE + 1);
    expect(text(kit.oversized(3).data)).not.toBe(text(kit.oversized(4).data));
  });

  test('txMessages: signed txs and parseable raw bodies share a message; an unparseable body travels alone', () => {
    const tx = wallet.transferSync({ to: wallet.address, amount: 1n, nonce: 0 });
    const out = kit.txMessages([{ tx }, { raw: '{"amount":-1}' }, { raw: '{not json' }, { tx }]);
    expect(out.map((m) => m.carries)).toEqual([[0, 1, 3], [2]]);
    expect(out.every((m) => m.topic === '/refnode/test-chain/txs')).toBe(true);
    const batch = JSON.parse(text(out[0]!.data)) as unknown[];
    expect(batch).toHaveLength(3);
    expect(batch[0]).toEqual(JSON.parse(JSON.stringify(tx.payload)));
    expect(text(out[1]!.data)).toBe('{not json');
    // More txs than one message carries are split.
    const many = kit.txMessages(Array.from({ length: MAX_TXS_PER_MESSAGE + 5 }, () => ({ tx })));
    expect(many.map((m) => m.carries.length)).toEqual([MAX_TXS_PER_MESSAGE, 5]);
  });
});
