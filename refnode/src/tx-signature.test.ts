import { sign } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTxSigner, keyPairFromSeed, privateKeyFromSeed } from './codec.ts';
import { verifyEd25519, verifyTx } from './tx-signature.ts';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

describe('verifyEd25519', () => {
  it('accepts RFC 8032 test vector 1', () => {
    const publicKey = hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const signature = hex(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
    expect(verifyEd25519(publicKey, signature, Buffer.alloc(0))).toBe(true);
    expect(verifyEd25519(publicKey, signature, Buffer.from([0]))).toBe(false);
  });

  it("accepts node:crypto's signatures and refuses them once any bit of the message or signature flips", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.nat(),
        (seed, message, flip) => {
          const seedHex = Buffer.from(seed).toString('hex');
          const { address } = keyPairFromSeed(seedHex);
          const signature = sign(null, message, privateKeyFromSeed(seedHex));
          const publicKey = hex(address);
          expect(verifyEd25519(publicKey, signature, message)).toBe(true);
          const badSignature = Buffer.from(signature);
          badSignature[flip % 64]! ^= 1 << (flip % 8);
          expect(verifyEd25519(publicKey, badSignature, message)).toBe(false);
          if (message.length > 0) {
            const badMessage = Buffer.from(message);
            badMessage[flip % message.length]! ^= 1 << (flip % 8);
            expect(verifyEd25519(publicKey, signature, badMessage)).toBe(false);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('answers false, without throwing, for keys and signatures of the wrong length or degenerate ones', () => {
    const { address } = keyPairFromSeed('11'.repeat(32));
    const publicKey = hex(address);
    expect(verifyEd25519(publicKey.subarray(1), Buffer.alloc(64), Buffer.alloc(1))).toBe(false);
    expect(verifyEd25519(publicKey, Buffer.alloc(63), Buffer.alloc(1))).toBe(false);
    expect(verifyEd25519(publicKey, Buffer.alloc(65), Buffer.alloc(1))).toBe(false);
    // The identity point as key with R = identity, S = 0 satisfies the unchecked equation for any message.
    const identity = Buffer.alloc(32);
    identity[0] = 1;
    expect(verifyEd25519(identity, Buffer.concat([identity, Buffer.alloc(32)]), Buffer.from('x'))).toBe(
      false,
    );
  });
});

describe('verifyTx', () => {
  it('refuses a tx whose from or sig is not lowercase hex of the right length', () => {
    const seed = '33'.repeat(32);
    const { address } = keyPairFromSeed(seed);
    const tx = createTxSigner(seed)({
      chainId: 'c',
      from: address,
      to: address,
      amount: 1,
      fee: 1,
      nonce: 0,
    });
    expect(verifyTx(tx)).toBe(true);
    expect(verifyTx({ ...tx, sig: tx.sig.toUpperCase() })).toBe(false);
    expect(verifyTx({ ...tx, sig: tx.sig.slice(2) })).toBe(false);
    expect(verifyTx({ ...tx, from: address.slice(2) })).toBe(false);
    expect(verifyTx({ ...tx, from: 1 as unknown as string })).toBe(false);
  });
});
