import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTxSigner, keyPairFromSeed, txId, txSigningBytes } from './codec.ts';
import { verifyTx } from './tx-signature.ts';

const seed = '11'.repeat(32);
const other = keyPairFromSeed('22'.repeat(32));

describe('codec', () => {
  it('derives a 32-byte address from a seed, deterministically', () => {
    const pair = keyPairFromSeed(seed);
    expect(pair.address).toMatch(/^[0-9a-f]{64}$/);
    expect(keyPairFromSeed(seed)).toEqual(pair);
    expect(pair.address).not.toBe(other.address);
    // RFC 8032 test vector 1: seed 9d61b1…7f60 → public key d75a98…511a.
    expect(keyPairFromSeed('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60').address).toBe(
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    );
  });

  it('signs the contract signing bytes and verifies; any change breaks the signature', () => {
    const { address } = keyPairFromSeed(seed);
    const unsigned = { chainId: 'c', from: address, to: other.address, amount: 10, fee: 1, nonce: 3 };
    expect(txSigningBytes(unsigned).toString()).toBe(`refnode-tx/1|c|${address}|${other.address}|10|1|3`);
    const tx = createTxSigner(seed)(unsigned);
    expect(tx.sig).toMatch(/^[0-9a-f]{128}$/);
    expect(verifyTx(tx)).toBe(true);
    expect(verifyTx({ ...tx, amount: 11 })).toBe(false);
    expect(verifyTx({ ...tx, from: other.address })).toBe(false);
    expect(verifyTx({ ...tx, sig: '00'.repeat(64) })).toBe(false);
    expect(verifyTx({ ...tx, sig: 'zz' })).toBe(false);
    expect(txId(tx)).toBe(txId(unsigned));
    expect(txId(tx)).toMatch(/^[0-9a-f]{64}$/);
    // The contract: sha256 of the signing bytes, in hex.
    expect(txId(tx)).toBe(createHash('sha256').update(txSigningBytes(unsigned)).digest('hex'));
    expect(txId({ ...unsigned, nonce: 4 })).not.toBe(txId(unsigned));
  });

  it('rejects a malformed secret key with a clear error', () => {
    expect(() => keyPairFromSeed('abc')).toThrow(/64 lowercase hex/);
  });
});
