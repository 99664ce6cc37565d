import { createHash, type KeyObject, sign, verify } from 'node:crypto';

/** The string a validator signs to prove it won a slot. */
export function slotProofMessage(epochNonce: string, slot: number): Buffer {
  return Buffer.from(`refnode-slot/1|${epochNonce}|${slot}`, 'utf8');
}

/** Probability that a validator with stake share `share` wins a slot: 1 − (1 − f)^share. */
export function winProbability(activeSlotCoeff: number, share: number): number {
  return 1 - (1 - activeSlotCoeff) ** share;
}

/** The proof's lottery draw: first 8 bytes of sha256(proof) as a fraction of 2^64, in [0, 1). */
export function proofDraw(proofHex: string): number {
  const digest = createHash('sha256').update(Buffer.from(proofHex, 'hex')).digest();
  return Number(digest.readBigUInt64BE(0)) / 2 ** 64;
}

/** Signs the slot message: the proof (deterministic ed25519, so one proof per validator and slot). */
export function slotProof(key: KeyObject, epochNonce: string, slot: number): string {
  return sign(null, slotProofMessage(epochNonce, slot), key).toString('hex');
}

/** True when `proof` is the validator's signature for `slot` and its draw wins with this share. */
export function verifySlotProof(
  publicKey: KeyObject,
  epochNonce: string,
  slot: number,
  proof: string,
  activeSlotCoeff: number,
  share: number,
): boolean {
  if (!/^[0-9a-f]{128}$/.test(proof)) return false;
  if (!verify(null, slotProofMessage(epochNonce, slot), publicKey, Buffer.from(proof, 'hex'))) return false;
  return proofDraw(proof) < winProbability(activeSlotCoeff, share);
}
