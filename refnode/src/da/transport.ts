import type { BlobHeader } from './blob.ts';
import type { Attestation } from './certificate.ts';
import type { Chunk } from './chunks.ts';

/** What an executor sends a validator: one chunk of a blob with everything needed to check it. */
export interface ChunkMessage {
  /** Blob id. */
  id: string;
  header: BlobHeader;
  commitment: string;
  /** The chunk; its index must be the receiving validator's position in genesis. */
  chunk: Chunk;
}

/**
 * How the DA pipelines reach other nodes; the p2p layer implements it over a request/response
 * protocol, tests with in-process calls. Both methods reject on transport failure (peer
 * down, timeout); `sendChunk` rejects with a DaError when the validator refuses the chunk.
 */
export interface DaTransport {
  /** Hands a validator its chunk; resolves with its attestation. */
  sendChunk(peerId: string, message: ChunkMessage): Promise<Attestation>;
  /** Asks a peer for a chunk it holds; undefined when it does not hold it. */
  fetchChunk(peerId: string, blobId: string, index: number): Promise<Chunk | undefined>;
}
