/** Deterministic keys and validator sets for the DA unit tests (real ed25519 keys). */
import { createHash } from 'node:crypto';
import { keyPairFromSeed, privateKeyFromSeed } from '../codec.ts';

export function testKey(label: string) {
  const seed = createHash('sha256').update(label).digest('hex');
  const { address } = keyPairFromSeed(seed);
  return { seed, address, key: { secret: privateKeyFromSeed(seed), publicKey: address } };
}

/** `count` validators with the given stakes (default 1 each) and fake peer ids `peer-i`. */
export function testValidators(count: number, stakes: number[] = []) {
  return Array.from({ length: count }, (_, i) => {
    const { seed, address, key } = testKey(`validator-${i}`);
    return { nodeId: `val-${i}`, publicKey: address, peerId: `peer-${i}`, stake: stakes[i] ?? 1, seed, key };
  });
}
