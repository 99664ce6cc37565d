/**
 * The tx signature check, through libsodium (`sodium-native`'s prebuilt addon) rather than
 * `node:crypto`: every validator verifies every tx, which is most of a node's CPU under
 * load, and libsodium's verify with a raw key costs 0.58 of `crypto.verify`'s CPU with a
 * cached KeyObject (`bench/tx-verify.ts`; bench/README.md, "refnode"). The worker threads and the calling
 * thread both verify through this one function, so every path of every node accepts
 * exactly the same signatures.
 */
import { createRequire } from 'node:module';
import { HEX64, type SignedTx, txSigningBytes } from './codec.ts';

type Sodium = typeof import('sodium-native').default;
let sodium: Sodium | undefined;

/**
 * The addon, loaded on the first check: finding and loading its prebuild takes ~28 ms, which
 * a node's boot, `genesis` and the other commands need not wait for.
 */
function libsodium(): Sodium {
  sodium ??= createRequire(import.meta.url)('sodium-native') as Sodium;
  return sodium;
}

/** True iff `signature` (64 bytes) is `publicKey`'s (32 bytes) over `message`; never throws. */
export function verifyEd25519(publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): boolean {
  // The addon throws on a wrong length; a wrong length cannot be a valid signature.
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  return libsodium().crypto_sign_verify_detached(signature, message, publicKey);
}

/** True iff `sig` is a valid ed25519 signature by `from` over the signing bytes; never throws. */
export function verifyTx(tx: SignedTx): boolean {
  if (typeof tx.sig !== 'string' || !/^[0-9a-f]{128}$/.test(tx.sig)) return false;
  if (typeof tx.from !== 'string' || !HEX64.test(tx.from)) return false;
  return verifyEd25519(Buffer.from(tx.from, 'hex'), Buffer.from(tx.sig, 'hex'), txSigningBytes(tx));
}
