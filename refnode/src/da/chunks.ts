/**
 * Splitting a blob into erasure-coded chunks with a commitment, and rebuilding it.
 *
 * A blob of `size` bytes is zero-padded and cut into k data chunks of `chunkBytes` each; the
 * Reed–Solomon code adds n - k parity chunks, one chunk per validator (n = validator count,
 * k = ceil(n / 3)), so any k chunks rebuild the blob. The commitment is the Merkle root over
 * the chunk leaves; each chunk carries its Merkle proof, so a validator checks its own chunk
 * against the commitment without the rest of the blob.
 */
import { dataHash } from './blob.ts';
import { encodeParity, MAX_SHARDS, recoverData } from './erasure.ts';
import type { DaRejection } from './errors.ts';
import { leafHash, merkleTree, verifyMerkleProof } from './merkle.ts';

/** How a blob is cut: n chunks of `chunkBytes`, any `dataChunks` (k) of which rebuild it. */
export interface ChunkLayout {
  /** n: one chunk per validator. */
  chunks: number;
  /** k: chunks needed to rebuild; ceil(n / 3), so an honest two-thirds signing set always suffices. */
  dataChunks: number;
  /** Bytes per chunk: ceil(size / k). */
  chunkBytes: number;
}

/** One chunk with its index (= the validator's position in genesis) and Merkle proof. */
export interface Chunk {
  index: number;
  data: Uint8Array;
  /** Sibling hashes, hex, from the leaf up. */
  proof: string[];
}

/** A blob's chunks and their commitment. */
export interface EncodedBlob {
  commitment: string;
  layout: ChunkLayout;
  chunks: Chunk[];
}

/**
 * k for n chunks: ceil(n / 3). With a certificate signed by ≥ 2/3 of the stake and fewer than
 * 1/3 faulty, at least k honest signers hold their chunks (n = 4 → k = 2: any 2 of 4 rebuild).
 */
export function dataChunksFor(chunks: number): number {
  return Math.max(1, Math.ceil(chunks / 3));
}

/** The layout of a `size`-byte blob over `chunks` validators. */
export function chunkLayout(size: number, chunks: number): ChunkLayout {
  if (!Number.isSafeInteger(chunks) || chunks < 1 || chunks > MAX_SHARDS)
    throw new RangeError(`chunks must be an integer in 1..${MAX_SHARDS}, got ${chunks}`);
  if (!Number.isSafeInteger(size) || size < 1)
    throw new RangeError(`size must be an integer ≥ 1, got ${size}`);
  const dataChunks = dataChunksFor(chunks);
  return { chunks, dataChunks, chunkBytes: Math.ceil(size / dataChunks) };
}

function sameLayout(a: ChunkLayout, b: ChunkLayout): boolean {
  return a.chunks === b.chunks && a.dataChunks === b.dataChunks && a.chunkBytes === b.chunkBytes;
}

/** Splits and encodes `data` into one chunk per validator, with the commitment and proofs. */
export function encodeBlob(data: Uint8Array, chunks: number): EncodedBlob {
  const layout = chunkLayout(data.length, chunks);
  const { dataChunks, chunkBytes } = layout;
  const padded = new Uint8Array(dataChunks * chunkBytes);
  padded.set(data);
  const shards: Uint8Array[] = [];
  for (let i = 0; i < dataChunks; i++) shards.push(padded.subarray(i * chunkBytes, (i + 1) * chunkBytes));
  shards.push(...encodeParity(shards, chunks));
  const { root, proofs } = merkleTree(shards.map(leafHash));
  return {
    commitment: root,
    layout,
    chunks: shards.map((shard, index) => ({ index, data: shard, proof: proofs[index]! })),
  };
}

/** True iff `chunk` has the layout's size and its proof ties it to `commitment`; never throws. */
export function verifyChunk(commitment: string, layout: ChunkLayout, chunk: Chunk): boolean {
  if (!(chunk.data instanceof Uint8Array) || chunk.data.length !== layout.chunkBytes) return false;
  if (!Array.isArray(chunk.proof)) return false;
  return verifyMerkleProof(commitment, leafHash(chunk.data), chunk.index, layout.chunks, chunk.proof);
}

/**
 * Rebuilds the payload from chunks (any order, any mix of valid and invalid ones) and
 * verifies it byte-for-byte: every chunk used must prove against the commitment, the decoded
 * bytes must hash to `expectedDataHash`, and re-encoding them must give the same commitment
 * (so an executor that dispersed inconsistent chunks is caught). Returns `unavailable` when
 * fewer than k valid chunks were given, `inconsistent` when the checks fail.
 */
export function reconstructBlob(
  expected: { size: number; dataHash: string; commitment: string; chunks: number },
  chunks: Iterable<Chunk>,
): Buffer | DaRejection {
  const layout = chunkLayout(expected.size, expected.chunks);
  const valid = new Map<number, Uint8Array>();
  let invalid = 0;
  for (const chunk of chunks) {
    if (valid.has(chunk.index)) continue;
    if (verifyChunk(expected.commitment, layout, chunk)) valid.set(chunk.index, chunk.data);
    else invalid++;
  }
  if (valid.size < layout.dataChunks)
    return {
      code: 'unavailable',
      message: `need ${layout.dataChunks} valid chunks of ${layout.chunks}, have ${valid.size}${invalid > 0 ? ` (${invalid} failed their proof)` : ''}`,
    };
  const shards = recoverData(valid, layout.dataChunks, layout.chunks);
  const data = Buffer.concat(shards).subarray(0, expected.size);
  if (dataHash(data) !== expected.dataHash)
    return { code: 'inconsistent', message: 'rebuilt data does not match the signed data hash' };
  const again = encodeBlob(data, layout.chunks);
  if (again.commitment !== expected.commitment || !sameLayout(again.layout, layout))
    return {
      code: 'inconsistent',
      message: 'rebuilt data re-encodes to a different commitment: the chunks were not a consistent encoding',
    };
  return Buffer.from(data);
}
