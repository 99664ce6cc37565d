/**
 * Blobs as published on a channel: the signed body of `POST /da/blobs`, its header (the body
 * without the data), ids and signatures. Follows the tx conventions of `../codec.ts`: ed25519
 * through node:crypto, a `refnode-…/1|…` signing string, id = sha256 of the signing string.
 */
import { createHash, sign, verify } from 'node:crypto';
import { privateKeyFromSeed, publicKeyFromAddress } from '../codec.ts';
import type { DaRejection } from './errors.ts';

/** A blob publish before signing; `data` is the payload base64-encoded. */
export interface UnsignedBlob {
  chainId: string;
  /** Channel name: 1–64 chars of `A-Z a-z 0-9 . _ -`, starting with a letter or digit. */
  channel: string;
  /** The channel owner's address (ed25519 public key, 64 hex chars); the first publish claims the channel. */
  owner: string;
  /** Position in the channel: 0 for the first blob, then +1 per blob. */
  sequence: number;
  /** The payload, standard base64 with padding. */
  data: string;
}

/** The body of `POST /da/blobs`: `sig` is the owner's ed25519 signature over {@link blobSigningString}, hex. */
export interface SignedBlob extends UnsignedBlob {
  sig: string;
}

/** What travels in certificates and chunk messages: the signed blob minus its data. */
export interface BlobHeader {
  chainId: string;
  channel: string;
  owner: string;
  sequence: number;
  /** Payload size in bytes. */
  size: number;
  /** sha256 hex of the payload. */
  dataHash: string;
  sig: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;
/** Allowed channel names. */
export const CHANNEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const blobFields = new Set(['chainId', 'channel', 'owner', 'sequence', 'data', 'sig']);
const headerFields = ['chainId', 'channel', 'owner', 'sequence', 'size', 'dataHash', 'sig'] as const;

/** Default largest payload: 512 KiB (its base64 body fits the API's default 1 MiB body limit). */
export const DEFAULT_MAX_BLOB_BYTES = 512 * 1024;

/** sha256 hex of a payload. */
export function dataHash(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The signed string: `refnode-blob/1|chainId|channel|owner|sequence|dataHash`. */
export function blobSigningString(header: Omit<BlobHeader, 'size' | 'sig'>): string {
  return `refnode-blob/1|${header.chainId}|${header.channel}|${header.owner}|${header.sequence}|${header.dataHash}`;
}

/** The blob id: sha256 hex of the signing string (like a tx id, the signature is not part of it). */
export function blobId(header: Omit<BlobHeader, 'size' | 'sig'>): string {
  return createHash('sha256').update(blobSigningString(header), 'utf8').digest('hex');
}

/** A signer for one owner key; signs an unsigned blob (payload given as bytes or base64). */
export function createBlobSigner(
  secretKeyHex: string,
): (unsigned: Omit<UnsignedBlob, 'data'> & { data: Uint8Array | string }) => SignedBlob {
  const key = privateKeyFromSeed(secretKeyHex);
  return (unsigned) => {
    const bytes =
      typeof unsigned.data === 'string' ? Buffer.from(unsigned.data, 'base64') : Buffer.from(unsigned.data);
    const body: UnsignedBlob = {
      chainId: unsigned.chainId,
      channel: unsigned.channel,
      owner: unsigned.owner,
      sequence: unsigned.sequence,
      data: bytes.toString('base64'),
    };
    const signing = blobSigningString({ ...body, dataHash: dataHash(bytes) });
    return { ...body, sig: sign(null, Buffer.from(signing, 'utf8'), key).toString('hex') };
  };
}

/** True iff `header.sig` is the owner's signature over the header's signing string; never throws. */
export function verifyBlobHeader(header: BlobHeader): boolean {
  if (!HEX128.test(header.sig) || !HEX64.test(header.owner)) return false;
  try {
    return verify(
      null,
      Buffer.from(blobSigningString(header), 'utf8'),
      publicKeyFromAddress(header.owner),
      Buffer.from(header.sig, 'hex'),
    );
  } catch {
    return false;
  }
}

/** A published blob after the stateless checks: its id, header and decoded payload. */
export interface CheckedBlob {
  id: string;
  header: BlobHeader;
  data: Buffer;
}

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;

/**
 * Stateless checks of a `POST /da/blobs` body: shape, chain, channel name, size, signature.
 * Channel ownership and order need the channel state (see ChannelBook). Returns the typed
 * refusal naming the field and what is allowed.
 */
export function checkBlob(raw: unknown, chainId: string, maxBlobBytes: number): CheckedBlob | DaRejection {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { code: 'malformed', message: `a blob must be a JSON object, got ${describe(raw)}` };
  const b = raw as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (!blobFields.has(key))
      return {
        code: 'malformed',
        message: `unknown field ${JSON.stringify(key).slice(0, 40)}; allowed: ${[...blobFields].join(', ')}`,
      };
  }
  if (typeof b.chainId !== 'string')
    return { code: 'malformed', message: `chainId must be a string, got ${describe(b.chainId)}` };
  if (b.chainId !== chainId)
    return {
      code: 'wrong_chain',
      message: `chainId ${JSON.stringify(b.chainId).slice(0, 80)} is not this chain's (${chainId})`,
    };
  if (typeof b.channel !== 'string' || !CHANNEL_NAME.test(b.channel))
    return {
      code: 'bad_channel',
      message: `channel must be 1–64 chars of A-Z a-z 0-9 . _ - starting with a letter or digit, got ${JSON.stringify(b.channel)?.slice(0, 80)}`,
    };
  if (typeof b.owner !== 'string' || !HEX64.test(b.owner))
    return {
      code: 'malformed',
      message: `owner must be an address (64 lowercase hex chars), got ${JSON.stringify(b.owner)?.slice(0, 80)}`,
    };
  if (typeof b.sequence !== 'number' || !Number.isSafeInteger(b.sequence) || b.sequence < 0)
    return {
      code: 'malformed',
      message: `sequence must be a safe integer ≥ 0, got ${JSON.stringify(b.sequence)?.slice(0, 40)}`,
    };
  if (typeof b.data !== 'string')
    return { code: 'malformed', message: `data must be a base64 string, got ${describe(b.data)}` };
  // Size first, on the encoded length, so an oversized body is never decoded.
  const maxEncoded = Math.ceil(maxBlobBytes / 3) * 4;
  if (b.data.length > maxEncoded)
    return {
      code: 'too_large',
      message: `data is about ${Math.floor((b.data.length * 3) / 4)} bytes; at most ${maxBlobBytes} allowed`,
    };
  // Buffer.from skips bad characters silently; re-encoding must give the input back exactly.
  const data = Buffer.from(b.data, 'base64');
  if (b.data.length === 0 || data.toString('base64') !== b.data)
    return {
      code: 'malformed',
      message: 'data must be non-empty standard base64 (A-Z a-z 0-9 + /, = padding)',
    };
  if (data.length > maxBlobBytes)
    return { code: 'too_large', message: `data is ${data.length} bytes; at most ${maxBlobBytes} allowed` };
  if (typeof b.sig !== 'string' || !HEX128.test(b.sig))
    return {
      code: 'bad_signature',
      message: `sig must be 128 lowercase hex chars (ed25519 signature), got ${JSON.stringify(b.sig)?.slice(0, 40)}`,
    };
  const header: BlobHeader = {
    chainId: b.chainId,
    channel: b.channel,
    owner: b.owner,
    sequence: b.sequence,
    size: data.length,
    dataHash: dataHash(data),
    sig: b.sig,
  };
  if (!verifyBlobHeader(header))
    return {
      code: 'bad_signature',
      message: `sig is not a valid signature by owner ${header.owner.slice(0, 12)}… over the blob`,
    };
  return { id: blobId(header), header, data };
}

/** Checks the shape of a header received from a peer (chunk message, certificate); not its signature. */
export function checkHeaderShape(raw: unknown): BlobHeader | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return `header must be an object, got ${describe(raw)}`;
  const h = raw as Record<string, unknown>;
  if (Object.keys(h).some((key) => !(headerFields as readonly string[]).includes(key)))
    return `header has unknown fields; allowed: ${headerFields.join(', ')}`;
  if (typeof h.chainId !== 'string') return 'header chainId must be a string';
  if (typeof h.channel !== 'string' || !CHANNEL_NAME.test(h.channel))
    return 'header channel is not a valid name';
  if (typeof h.owner !== 'string' || !HEX64.test(h.owner)) return 'header owner must be 64 hex chars';
  for (const field of ['sequence', 'size'] as const) {
    const value = h[field];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
      return `header ${field} must be a safe integer ≥ 0`;
  }
  if ((h.size as number) < 1) return 'header size must be ≥ 1';
  if (typeof h.dataHash !== 'string' || !HEX64.test(h.dataHash))
    return 'header dataHash must be 64 hex chars';
  if (typeof h.sig !== 'string' || !HEX128.test(h.sig)) return 'header sig must be 128 hex chars';
  return {
    chainId: h.chainId,
    channel: h.channel,
    owner: h.owner,
    sequence: h.sequence as number,
    size: h.size as number,
    dataHash: h.dataHash,
    sig: h.sig,
  };
}
