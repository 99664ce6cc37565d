import type { KeyObject } from 'node:crypto';
import { blobId, checkHeaderShape, verifyBlobHeader } from './blob.ts';
import { type Attestation, type DaValidator, signAttestation } from './certificate.ts';
import { type Chunk, chunkLayout, encodeBlob, verifyChunk } from './chunks.ts';
import type { DaRejection } from './errors.ts';
import type { DaStore } from './store.ts';
import type { ChunkMessage } from './transport.ts';

/** Options of a {@link ChunkHolder}. */
export interface ChunkHolderOptions {
  chainId: string;
  /** Genesis validators in genesis order: chunk i belongs to validator i. */
  validators: readonly DaValidator[];
  /** This node's key; `undefined` on executors (they hold whole blobs, never attest). */
  key: { secret: KeyObject; publicKey: string } | undefined;
  store: DaStore;
}

/**
 * The validator side of dispersal, and the chunk server of every node: checks a chunk sent by
 * an executor against the signed header and the commitment, stores it, and attests; serves
 * chunks it holds (or can compute from a whole blob it holds) to peers rebuilding a blob.
 */
export class ChunkHolder {
  readonly #options: ChunkHolderOptions;
  /** This validator's chunk index, or -1 on a node that is not a genesis validator. */
  readonly index: number;
  /** Whole blobs re-encoded recently, to serve their chunks without re-encoding per request. */
  readonly #encoded = new Map<string, Chunk[]>();

  constructor(options: ChunkHolderOptions) {
    this.#options = options;
    const publicKey = options.key?.publicKey;
    this.index =
      publicKey === undefined ? -1 : options.validators.findIndex((v) => v.publicKey === publicKey);
  }

  /**
   * Checks and stores a chunk message (raw, as decoded from the wire) and returns this
   * validator's attestation, or the refusal: `malformed`, `wrong_chain`, `bad_signature`,
   * `wrong_index` or `bad_chunk`. Idempotent: a chunk already held is attested again.
   */
  receive(raw: unknown): Attestation | DaRejection {
    const { chainId, validators, key, store } = this.#options;
    if (key === undefined || this.index < 0)
      return { code: 'wrong_index', message: 'this node is not a validator and holds no chunks' };
    if (typeof raw !== 'object' || raw === null)
      return { code: 'malformed', message: 'chunk message must be an object' };
    const m = raw as Partial<Record<keyof ChunkMessage, unknown>>;
    const header = checkHeaderShape(m.header);
    if (typeof header === 'string') return { code: 'malformed', message: header };
    if (header.chainId !== chainId)
      return {
        code: 'wrong_chain',
        message: `chainId ${JSON.stringify(header.chainId).slice(0, 80)} is not ${chainId}`,
      };
    const id = blobId(header);
    if (m.id !== id) return { code: 'malformed', message: 'id does not match the header' };
    if (typeof m.commitment !== 'string' || !/^[0-9a-f]{64}$/.test(m.commitment))
      return { code: 'malformed', message: 'commitment must be 64 hex chars' };
    const chunk = m.chunk as Chunk | undefined;
    if (
      typeof chunk !== 'object' ||
      chunk === null ||
      !Number.isSafeInteger(chunk.index) ||
      !(chunk.data instanceof Uint8Array) ||
      !Array.isArray(chunk.proof)
    )
      return { code: 'malformed', message: 'chunk must be { index, data: bytes, proof: string[] }' };
    if (chunk.index !== this.index)
      return {
        code: 'wrong_index',
        message: `chunk ${chunk.index} sent to validator ${this.index}: each validator holds the chunk at its genesis position`,
      };
    if (!verifyBlobHeader(header))
      return {
        code: 'bad_signature',
        message: `header sig is not owner ${header.owner.slice(0, 12)}…'s signature`,
      };
    const layout = chunkLayout(header.size, validators.length);
    if (!verifyChunk(m.commitment, layout, chunk))
      return {
        code: 'bad_chunk',
        message: `chunk ${chunk.index} (${chunk.data.length} bytes, expected ${layout.chunkBytes}) does not prove against commitment ${m.commitment.slice(0, 12)}…`,
      };
    store.putChunk(
      { id, header, commitment: m.commitment },
      { index: chunk.index, data: chunk.data, proof: chunk.proof },
    );
    return signAttestation(key, { chainId, id, commitment: m.commitment, size: header.size, layout });
  }

  /** A chunk of a blob: stored, or computed from the whole blob when this node holds it. */
  chunk(id: string, index: number): Chunk | undefined {
    const stored = this.#options.store.getChunk(id, index);
    if (stored !== undefined) return stored;
    const cached = this.#encoded.get(id);
    if (cached !== undefined) return cached[index];
    const blob = this.#options.store.getBlob(id);
    if (blob?.data === undefined) return undefined;
    const { chunks, commitment } = encodeBlob(blob.data, this.#options.validators.length);
    // Never serve chunks of data that does not match what was committed to.
    if (blob.commitment !== undefined && blob.commitment !== commitment) return undefined;
    if (this.#encoded.size >= 16) this.#encoded.delete(this.#encoded.keys().next().value!);
    this.#encoded.set(id, chunks);
    return chunks[index];
  }
}
