import { createHash } from 'node:crypto';
import type { BlockTx } from './tx-check.ts';

/** The hashed part of a block. */
export interface BlockHeader {
  parent: string;
  height: number;
  slot: number;
  /** Start of the slot, ms since the epoch. */
  timestamp: number;
  /** The proposer's public key (its fee address). */
  proposer: string;
  /** The proposer's slot proof (signature over epoch nonce and slot). */
  proof: string;
  txRoot: string;
  stateRoot: string;
  /** Hash over data-availability certificates (issue 6); sha256 of `[]` until then. */
  daRoot: string;
}

/** A block as stored, gossiped and served by the API. */
export interface Block extends BlockHeader {
  hash: string;
  /** Proposer's signature over the hash: binds the body to the slot winner. */
  sig: string;
  txs: BlockTx[];
  /** Data-availability certificates (issue 6); empty until then. */
  da: unknown[];
}

export const zeroHash = '0'.repeat(64);

/** What the header hash covers: `refnode-block/1|parent|height|slot|timestamp|proposer|proof|txRoot|stateRoot|daRoot`. */
export function headerSigningString(header: BlockHeader): string {
  return `refnode-block/1|${header.parent}|${header.height}|${header.slot}|${header.timestamp}|${header.proposer}|${header.proof}|${header.txRoot}|${header.stateRoot}|${header.daRoot}`;
}

export function headerHash(header: BlockHeader): string {
  return createHash('sha256').update(headerSigningString(header)).digest('hex');
}

/** sha256 over the tx ids in block order, joined with `,`. */
export function txRoot(txIds: readonly string[]): string {
  return createHash('sha256').update(txIds.join(',')).digest('hex');
}

export function daRoot(da: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(da)).digest('hex');
}

/** JSON bytes of a block: the encoding used on the wire and on disk. */
export function encodeBlock(block: Block): Uint8Array {
  return Buffer.from(JSON.stringify(block), 'utf8');
}

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;

/**
 * Parses block bytes and checks their shape (not their validity). Throws a message naming
 * the bad field; tx shapes are checked by the chain with the tx checks.
 */
export function decodeBlock(bytes: Uint8Array): Block {
  return checkBlockShape(parseJson(bytes), false) as unknown as Block;
}

/**
 * A block as gossiped: the header, `sig` and `txIds` instead of the txs, which peers already
 * hold from tx gossip (a receiver missing some fetches the full block by hash).
 */
export type CompactBlock = Omit<Block, 'txs'> & { txIds: string[] };

export function encodeCompactBlock(block: Block): Uint8Array {
  const { txs, ...rest } = block;
  return Buffer.from(JSON.stringify({ ...rest, txIds: txs.map((tx) => tx.id) }), 'utf8');
}

/** Parses a gossiped compact block and checks its shape; throws naming the bad field. */
export function decodeCompactBlock(bytes: Uint8Array): CompactBlock {
  return checkBlockShape(parseJson(bytes), true) as unknown as CompactBlock;
}

function parseJson(bytes: Uint8Array): Record<string, unknown> {
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
}

function checkBlockShape(value: Record<string, unknown>, compact: boolean): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw new Error('block is not a JSON object');
  for (const field of ['hash', 'parent', 'proposer', 'txRoot', 'stateRoot', 'daRoot'] as const) {
    if (typeof value[field] !== 'string' || !HEX64.test(value[field] as string)) {
      throw new Error(`block ${field} must be 64 hex chars`);
    }
  }
  for (const field of ['proof', 'sig'] as const) {
    if (typeof value[field] !== 'string' || !HEX128.test(value[field] as string)) {
      throw new Error(`block ${field} must be 128 hex chars`);
    }
  }
  for (const field of ['height', 'slot', 'timestamp'] as const) {
    if (!Number.isSafeInteger(value[field]) || (value[field] as number) < 0) {
      throw new Error(`block ${field} must be a non-negative integer`);
    }
  }
  if (compact) {
    if (!Array.isArray(value.txIds) || value.txIds.some((id) => typeof id !== 'string' || !HEX64.test(id))) {
      throw new Error('block txIds must be an array of 64-hex ids');
    }
  } else if (!Array.isArray(value.txs)) throw new Error('block txs must be an array');
  if (!Array.isArray(value.da)) throw new Error('block da must be an array');
  return value;
}

/** The header fields plus tx ids: what `/events` sends per block. */
export function blockSummary(block: Block): BlockHeader & { hash: string; txIds: string[] } {
  return {
    hash: block.hash,
    parent: block.parent,
    height: block.height,
    slot: block.slot,
    timestamp: block.timestamp,
    proposer: block.proposer,
    proof: block.proof,
    txRoot: block.txRoot,
    stateRoot: block.stateRoot,
    daRoot: block.daRoot,
    txIds: block.txs.map((tx) => tx.id),
  };
}
