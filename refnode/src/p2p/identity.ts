import { privateKeyFromRaw } from '@libp2p/crypto/keys';
import type { Ed25519PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { keyPairFromSeed } from '../codec.ts';

const SEED_HEX = /^[0-9a-fA-F]{64}$/;

/**
 * The libp2p Ed25519 private key derived from a node's 32-byte seed (hex, 64 chars).
 * The same seed always gives the same key, so a node keeps its peer id across restarts
 * and genesis can write peer ids into configs before any node runs.
 */
export async function privateKeyFromSecretKey(secretKey: string): Promise<Ed25519PrivateKey> {
  if (!SEED_HEX.test(secretKey)) {
    throw new TypeError(
      `p2p secretKey must be a 32-byte ed25519 seed as 64 hex chars, got ${JSON.stringify(secretKey.length > 80 ? `${secretKey.slice(0, 80)}…` : secretKey)}`,
    );
  }
  // Seed ‖ public key is libp2p's raw ed25519 private key. The public key comes from node:crypto:
  // libp2p's own derivation builds a JS precomputation table first (about 100 ms of a node's start).
  const { address } = keyPairFromSeed(secretKey.toLowerCase());
  return privateKeyFromRaw(Buffer.from(secretKey + address, 'hex')) as Ed25519PrivateKey;
}

/**
 * The libp2p peer id (`12D3Koo…`) of the node whose secret key is this 32-byte ed25519 seed (hex).
 * Deterministic: the same seed always gives the same peer id.
 */
export async function peerIdFromSecretKey(secretKey: string): Promise<string> {
  return peerIdFromPrivateKey(await privateKeyFromSecretKey(secretKey)).toString();
}
