import type { Logger } from 'pino';
import { dataHash } from './blob.ts';
import type { Certificate, DaValidator } from './certificate.ts';
import { type Chunk, chunkLayout, reconstructBlob, verifyChunk } from './chunks.ts';
import { DaError } from './errors.ts';
import type { DaStore } from './store.ts';
import type { DaTransport } from './transport.ts';

/** Options of a {@link BlobRetriever}; defaults in brackets. */
export interface BlobRetrieverOptions {
  /** Genesis validators in genesis order: validator i is asked for chunk i. */
  validators: readonly (DaValidator & { peerId: string; nodeId?: string })[];
  transport: DaTransport;
  store: DaStore;
  /** Chunks this node can serve itself (its own chunk, or any chunk of a whole blob it holds). */
  localChunk?: (blobId: string, index: number) => Chunk | undefined;
  /** Further peers (e.g. executors) asked for the chunks still missing when validators fall short [none]. */
  extraPeers?: () => string[];
  /** Deadline of one chunk request, ms [5000]. */
  requestTimeoutMs?: number;
  logger?: Pick<Logger, 'info' | 'warn' | 'debug'>;
}

/** What is needed to rebuild a blob: a certificate (or the same fields). */
export type RetrievalTarget = Pick<Certificate, 'id' | 'header' | 'commitment' | 'chunks'>;

/**
 * Rebuilds blobs from chunks held by other nodes: uses local chunks first, asks the missing
 * validators in parallel, takes the first k chunks that prove against the commitment, decodes,
 * and verifies the result byte-for-byte (data hash and re-encoded commitment) before storing
 * and returning it. Throws DaError `unavailable` (too few valid chunks) or `inconsistent`.
 */
export class BlobRetriever {
  readonly counters = { retrieved: 0, failures: 0 };
  readonly #options: BlobRetrieverOptions;

  constructor(options: BlobRetrieverOptions) {
    this.#options = options;
  }

  async retrieve(target: RetrievalTarget): Promise<Buffer> {
    try {
      return await this.#retrieve(target);
    } catch (error) {
      this.counters.failures++;
      throw error;
    }
  }

  async #retrieve(target: RetrievalTarget): Promise<Buffer> {
    const { store, validators, transport, logger } = this.#options;
    const { id, header, commitment } = target;
    const held = store.getBlob(id)?.data;
    if (held !== undefined && dataHash(held) === header.dataHash) return Buffer.from(held);
    const layout = chunkLayout(header.size, target.chunks);
    const valid = new Map<number, Chunk>();
    const add = (chunk: Chunk | undefined, index: number): boolean => {
      if (chunk === undefined || chunk.index !== index || valid.has(index)) return false;
      if (!verifyChunk(commitment, layout, chunk)) return false;
      valid.set(index, chunk);
      return true;
    };
    for (let index = 0; index < layout.chunks; index++) add(this.#options.localChunk?.(id, index), index);
    const failures: string[] = [];
    const ask = async (peer: string, index: number, name: string): Promise<void> => {
      try {
        const chunk = await withTimeout(
          transport.fetchChunk(peer, id, index),
          this.#options.requestTimeoutMs ?? 5000,
        );
        if (chunk === undefined) failures.push(`${name} does not hold chunk ${index}`);
        else if (!add(chunk, index)) failures.push(`${name}'s chunk ${index} failed its proof`);
      } catch (error) {
        failures.push(`${name}: ${(error as Error).message}`);
      }
    };
    if (valid.size < layout.dataChunks) {
      const missing = validators.flatMap((v, index) => (valid.has(index) ? [] : [{ v, index }]));
      await firstOf(
        missing.map(({ v, index }) => ask(v.peerId, index, v.nodeId ?? `validator ${index}`)),
        () => valid.size >= layout.dataChunks,
      );
    }
    for (const peer of this.#options.extraPeers?.() ?? []) {
      if (valid.size >= layout.dataChunks) break;
      for (let index = 0; index < layout.chunks && valid.size < layout.dataChunks; index++)
        if (!valid.has(index)) await ask(peer, index, peer.slice(-8));
    }
    const result = reconstructBlob({ ...header, commitment, chunks: layout.chunks }, valid.values());
    if ('code' in result) {
      const detail = failures.length > 0 ? `; ${failures.slice(0, 6).join('; ')}` : '';
      logger?.warn(
        { blob: id, code: result.code },
        `could not rebuild blob ${id.slice(0, 12)}: ${result.message}${detail}`,
      );
      throw new DaError(result.code, `blob ${id}: ${result.message}${detail}`);
    }
    store.putBlob({ id, header, data: result, commitment });
    this.counters.retrieved++;
    logger?.debug(
      { blob: id, chunks: [...valid.keys()] },
      `rebuilt blob ${id.slice(0, 12)} from chunks ${[...valid.keys()].join(',')}`,
    );
    return result;
  }
}

/** Resolves when `done()` holds after some promise settles, or when all have settled. */
function firstOf(promises: Promise<void>[], done: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    let pending = promises.length;
    if (pending === 0 || done()) return resolve();
    for (const promise of promises) {
      void promise.finally(() => {
        pending--;
        if (pending === 0 || done()) resolve();
      });
    }
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
