import type { Attestation } from './certificate.ts';
import type { ChunkHolder } from './chunk-holder.ts';
import type { Chunk } from './chunks.ts';
import { DaError } from './errors.ts';
import type { ChunkMessage, DaTransport } from './transport.ts';

/**
 * An in-process DaTransport between ChunkHolders, for tests and single-process tools. It
 * copies every message the way a wire would (JSON for the header, fresh bytes for the chunk),
 * and can take nodes down or make them serve corrupted chunks.
 */
export class LoopbackTransport implements DaTransport {
  readonly #nodes = new Map<string, { holder: ChunkHolder; up: boolean; corrupt: boolean }>();
  /** Chunk messages delivered per peer (for assertions). */
  readonly delivered = new Map<string, number>();

  /** Makes `holder` reachable as `peerId` (replacing an earlier one, e.g. after a restart). */
  attach(peerId: string, holder: ChunkHolder): void {
    this.#nodes.set(peerId, { holder, up: true, corrupt: false });
  }

  setUp(peerId: string, up: boolean): void {
    const node = this.#nodes.get(peerId);
    if (node) node.up = up;
  }

  /** A corrupt node flips a byte in every chunk it serves. */
  setCorrupt(peerId: string, corrupt: boolean): void {
    const node = this.#nodes.get(peerId);
    if (node) node.corrupt = corrupt;
  }

  #reach(peerId: string) {
    const node = this.#nodes.get(peerId);
    if (node === undefined || !node.up) throw new Error(`${peerId} is unreachable`);
    return node;
  }

  async sendChunk(peerId: string, message: ChunkMessage): Promise<Attestation> {
    await new Promise((resolve) => setImmediate(resolve));
    const node = this.#reach(peerId);
    const { id, header, commitment } = JSON.parse(
      JSON.stringify({ id: message.id, header: message.header, commitment: message.commitment }),
    );
    const chunk = {
      index: message.chunk.index,
      data: Uint8Array.from(message.chunk.data),
      proof: [...message.chunk.proof],
    };
    const result = node.holder.receive({ id, header, commitment, chunk });
    if ('code' in result) throw DaError.from(result);
    this.delivered.set(peerId, (this.delivered.get(peerId) ?? 0) + 1);
    return result;
  }

  async fetchChunk(peerId: string, blobId: string, index: number): Promise<Chunk | undefined> {
    await new Promise((resolve) => setImmediate(resolve));
    const node = this.#reach(peerId);
    const chunk = node.holder.chunk(blobId, index);
    if (chunk === undefined) return undefined;
    const data = Uint8Array.from(chunk.data);
    if (node.corrupt && data.length > 0) data[0]! ^= 0xff;
    return { index: chunk.index, data, proof: [...chunk.proof] };
  }
}
