/**
 * Attestations and certificates. A validator that holds its valid chunk signs
 * `refnode-da-attest/1|chainId|blobId|commitment|size|chunks|dataChunks`; a certificate is the
 * blob header, the commitment and the attestations of validators holding at least two thirds
 * of the stake (rounded up). Anyone with genesis verifies one with {@link verifyCertificate}.
 */
import { type KeyObject, sign, verify } from 'node:crypto';
import { publicKeyFromAddress } from '../codec.ts';
import type { GenesisValidator } from '../genesis.ts';
import { type BlobHeader, blobId, checkHeaderShape, verifyBlobHeader } from './blob.ts';
import { type ChunkLayout, chunkLayout } from './chunks.ts';
import { DaError, type DaRejection } from './errors.ts';

/** A validator's signed statement that it stores its chunk of a blob. */
export interface Attestation {
  /** The validator's public key (as in genesis). */
  validator: string;
  /** ed25519 signature, hex, over {@link attestationSigningString}. */
  sig: string;
}

/** Proof that a blob is available: what validators include in blocks (`block.da`). */
export interface Certificate {
  /** The blob id (sha256 of the blob signing string). */
  id: string;
  header: BlobHeader;
  /** Merkle root over the chunk leaves. */
  commitment: string;
  /** n: chunk count (= genesis validator count). */
  chunks: number;
  /** k: chunks needed to rebuild. */
  dataChunks: number;
  /** Attestations in genesis validator order, one per validator at most. */
  attestations: Attestation[];
}

/** The validators a certificate is checked against: genesis order, keys and stakes. */
export type DaValidator = Pick<GenesisValidator, 'publicKey' | 'stake'> & Partial<GenesisValidator>;

/** What an attestation commits to. */
export interface AttestedBlob {
  chainId: string;
  id: string;
  commitment: string;
  size: number;
  layout: ChunkLayout;
}

/** `refnode-da-attest/1|chainId|blobId|commitment|size|chunks|dataChunks`. */
export function attestationSigningString(blob: AttestedBlob): string {
  return `refnode-da-attest/1|${blob.chainId}|${blob.id}|${blob.commitment}|${blob.size}|${blob.layout.chunks}|${blob.layout.dataChunks}`;
}

/** Signs an attestation with a validator's private key. */
export function signAttestation(
  key: { secret: KeyObject; publicKey: string },
  blob: AttestedBlob,
): Attestation {
  return {
    validator: key.publicKey,
    sig: sign(null, Buffer.from(attestationSigningString(blob), 'utf8'), key.secret).toString('hex'),
  };
}

const keyCache = new Map<string, KeyObject>();
function validatorKey(publicKey: string): KeyObject {
  let key = keyCache.get(publicKey);
  if (key === undefined) {
    key = publicKeyFromAddress(publicKey);
    if (keyCache.size > 10_000) keyCache.clear();
    keyCache.set(publicKey, key);
  }
  return key;
}

/** True iff `attestation.sig` is `attestation.validator`'s signature for `blob`; never throws. */
export function verifyAttestation(attestation: Attestation, blob: AttestedBlob): boolean {
  if (typeof attestation?.sig !== 'string' || !/^[0-9a-f]{128}$/.test(attestation.sig)) return false;
  if (typeof attestation.validator !== 'string' || !/^[0-9a-f]{64}$/.test(attestation.validator))
    return false;
  try {
    return verify(
      null,
      Buffer.from(attestationSigningString(blob), 'utf8'),
      validatorKey(attestation.validator),
      Buffer.from(attestation.sig, 'hex'),
    );
  } catch {
    return false;
  }
}

/** Stake a certificate needs: ceil(2/3 × total stake). */
export function certificateThreshold(validators: readonly DaValidator[]): number {
  const total = validators.reduce((sum, v) => sum + v.stake, 0);
  return Math.ceil((2 * total) / 3);
}

/**
 * A certificate from the attestations collected so far: keeps valid ones from genesis
 * validators (first per validator), in genesis order. Throws `bad_certificate` if they hold
 * less than the threshold stake.
 */
export function buildCertificate(
  blob: { id: string; header: BlobHeader; commitment: string },
  attestations: Iterable<Attestation>,
  validators: readonly DaValidator[],
): Certificate {
  const layout = chunkLayout(blob.header.size, validators.length);
  const attested: AttestedBlob = { ...blob, chainId: blob.header.chainId, size: blob.header.size, layout };
  const byValidator = new Map<string, Attestation>();
  for (const attestation of attestations) {
    if (!byValidator.has(attestation.validator) && verifyAttestation(attestation, attested))
      byValidator.set(attestation.validator, attestation);
  }
  const kept = validators.flatMap((v) => {
    const found = byValidator.get(v.publicKey);
    return found ? [{ validator: found.validator, sig: found.sig }] : [];
  });
  const stake = validators.reduce((sum, v) => sum + (byValidator.has(v.publicKey) ? v.stake : 0), 0);
  const threshold = certificateThreshold(validators);
  if (stake < threshold)
    throw new DaError(
      'bad_certificate',
      `attestations hold stake ${stake}, a certificate needs ${threshold} (2/3 of ${validators.reduce((s, v) => s + v.stake, 0)})`,
    );
  return {
    id: blob.id,
    header: blob.header,
    commitment: blob.commitment,
    chunks: layout.chunks,
    dataChunks: layout.dataChunks,
    attestations: kept,
  };
}

const certificateFields = new Set(['id', 'header', 'commitment', 'chunks', 'dataChunks', 'attestations']);

/**
 * Full check of a certificate from anywhere (gossip, a block): shape, chain, the owner's
 * signature, the id, the layout for this validator set, and attestations by distinct genesis
 * validators, in genesis order, all valid, holding ≥ 2/3 of the stake. Returns the
 * `bad_certificate` refusal naming what is wrong.
 */
export function verifyCertificate(
  raw: unknown,
  validators: readonly DaValidator[],
  chainId: string,
): { ok: true; certificate: Certificate } | DaRejection {
  const bad = (message: string): DaRejection => ({ code: 'bad_certificate', message });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return bad('certificate must be an object');
  const c = raw as Record<string, unknown>;
  const unknown = Object.keys(c).find((key) => !certificateFields.has(key));
  if (unknown !== undefined) return bad(`unknown field ${JSON.stringify(unknown).slice(0, 40)}`);
  const header = checkHeaderShape(c.header);
  if (typeof header === 'string') return bad(header);
  if (header.chainId !== chainId)
    return bad(`header chainId ${JSON.stringify(header.chainId).slice(0, 80)} is not ${chainId}`);
  if (typeof c.id !== 'string' || c.id !== blobId(header)) return bad('id does not match the blob header');
  if (typeof c.commitment !== 'string' || !/^[0-9a-f]{64}$/.test(c.commitment))
    return bad('commitment must be 64 hex chars');
  const layout = chunkLayout(header.size, validators.length);
  if (c.chunks !== layout.chunks || c.dataChunks !== layout.dataChunks)
    return bad(
      `layout must be ${layout.dataChunks}-of-${layout.chunks} for ${validators.length} validators, got ${JSON.stringify(c.dataChunks)}-of-${JSON.stringify(c.chunks)}`,
    );
  if (!Array.isArray(c.attestations) || c.attestations.length > validators.length)
    return bad(`attestations must be an array of at most ${validators.length}`);
  if (!verifyBlobHeader(header))
    return bad(`header sig is not owner ${header.owner.slice(0, 12)}…'s signature`);
  const attested: AttestedBlob = { chainId, id: c.id, commitment: c.commitment, size: header.size, layout };
  const position = new Map(validators.map((v, index) => [v.publicKey, index]));
  let previous = -1;
  let stake = 0;
  for (const [i, attestation] of (c.attestations as Attestation[]).entries()) {
    const index = position.get(attestation?.validator);
    if (index === undefined) return bad(`attestation ${i} is not by a genesis validator`);
    if (index <= previous)
      return bad(`attestation ${i}: attestations must be in genesis order, one per validator`);
    if (Object.keys(attestation).length !== 2)
      return bad(`attestation ${i} must have exactly validator and sig`);
    if (!verifyAttestation(attestation, attested)) return bad(`attestation ${i} has an invalid signature`);
    previous = index;
    stake += validators[index]!.stake;
  }
  const threshold = certificateThreshold(validators);
  if (stake < threshold) return bad(`attestations hold stake ${stake}, below the threshold ${threshold}`);
  return {
    ok: true,
    certificate: {
      id: c.id,
      header,
      commitment: c.commitment,
      chunks: layout.chunks,
      dataChunks: layout.dataChunks,
      attestations: c.attestations as Attestation[],
    },
  };
}
