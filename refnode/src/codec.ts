/**
 * refnode's transaction codec: keys, signing bytes, ids and signing (verification is in
 * `tx-signature.ts`, which loads a native addon).
 *
 * Imports nothing but `node:crypto` so chainlab (and any client) can import it cheaply to
 * sign transactions exactly as the node verifies them.
 */
import { createPrivateKey, createPublicKey, hash, type KeyObject, sign } from 'node:crypto';

/** A transfer before signing, as in the body of `POST /txs` minus `sig`. */
export interface UnsignedTx {
  chainId: string;
  /** Sender address: the 32-byte raw ed25519 public key, 64 hex chars. */
  from: string;
  /** Recipient address, 64 hex chars. */
  to: string;
  /** Safe integer ≥ 1. */
  amount: number;
  /** Safe integer ≥ 0; below genesis `minFee` the node rejects it with `fee_too_low`. */
  fee: number;
  /** Safe integer ≥ 0; applied iff equal to the sender's account nonce. */
  nonce: number;
}

/** A signed transfer: `sig` is the 64-byte ed25519 signature over {@link txSigningBytes}, hex. */
export interface SignedTx extends UnsignedTx {
  sig: string;
}

/** An address plus the secret key (32-byte seed, hex) that controls it. */
export interface KeyPair {
  address: string;
  secretKey: string;
}

/** 32 bytes as lowercase hex: a secret key seed or an address. */
export const HEX64 = /^[0-9a-f]{64}$/;
// DER prefixes of PKCS#8 (private) and SPKI (public) ed25519 keys: the raw 32 bytes follow.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The ed25519 private KeyObject for a 32-byte seed given as 64 hex chars. */
export function privateKeyFromSeed(secretKeyHex: string): KeyObject {
  if (!HEX64.test(secretKeyHex)) {
    throw new TypeError(
      `secret key must be 64 lowercase hex chars (32-byte ed25519 seed), got ${JSON.stringify(secretKeyHex).slice(0, 80)}`,
    );
  }
  return createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(secretKeyHex, 'hex')]),
    format: 'der',
    type: 'pkcs8',
  });
}

/** The ed25519 public KeyObject for an address (64 hex chars). */
export function publicKeyFromAddress(address: string): KeyObject {
  return createPublicKey({
    key: Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(address, 'hex')]),
    format: 'der',
    type: 'spki',
  });
}

/** Address (raw public key hex) and secret key of the ed25519 seed `secretKeyHex`. */
export function keyPairFromSeed(secretKeyHex: string): KeyPair {
  const publicKey = createPublicKey(privateKeyFromSeed(secretKeyHex));
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return { address: der.subarray(SPKI_ED25519_PREFIX.length).toString('hex'), secretKey: secretKeyHex };
}

/** The string that is signed: `refnode-tx/1|chainId|from|to|amount|fee|nonce`. */
export function txSigningString(tx: UnsignedTx): string {
  return `refnode-tx/1|${tx.chainId}|${tx.from}|${tx.to}|${tx.amount}|${tx.fee}|${tx.nonce}`;
}

/** UTF-8 bytes of {@link txSigningString}. */
export function txSigningBytes(tx: UnsignedTx): Buffer {
  return Buffer.from(txSigningString(tx), 'utf8');
}

/** The tx id: sha256 hex of the signing bytes (the signature is not part of it). */
export function txId(tx: UnsignedTx): string {
  // One-shot: half the cost of a Hash object per tx, and every node ids every tx it sees.
  return hash('sha256', txSigningString(tx), 'hex');
}

/**
 * A signer for one secret key; the KeyObject is built once so signing stays fast
 * (well over 20k signs/s per core).
 */
export function createTxSigner(secretKeyHex: string): (unsigned: UnsignedTx) => SignedTx {
  const key = privateKeyFromSeed(secretKeyHex);
  return (unsigned) => ({ ...unsigned, sig: sign(null, txSigningBytes(unsigned), key).toString('hex') });
}
