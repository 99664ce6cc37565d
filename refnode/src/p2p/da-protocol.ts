import type { Libp2p } from '@libp2p/interface';
import type { Attestation } from '../da/certificate.ts';
import type { Chunk } from '../da/chunks.ts';
import { DaError, type DaRejection, daErrorCodes } from '../da/errors.ts';
import type { ChunkMessage } from '../da/transport.ts';
import { messageOf, P2pError, shortPeer } from './errors.ts';
import { errorAnswer, exchange, expectOk, jsonBytes, parseJsonFrame, serve } from './wire.ts';

/*
 * Wire format of /refnode/<chainId>/da/1, one request per stream, every frame varint
 * length-prefixed (same framing as the sync protocol):
 *   request = JSON { kind: 'store', id, header, commitment, index, proof, data: base64 }
 *           | JSON { kind: 'chunk', id, index }
 *   answer  = store → { ok: true, attestation: { validator, sig } }
 *             chunk → { ok: true, found: false } | { ok: true, found: true, proof } + 1 raw chunk frame
 *             error → { ok: false, error: { code, message } } (DA refusal codes: bad_chunk, wrong_index…)
 */

/** Largest request (a chunk of a 512 KiB blob held by a single validator, base64) and chunk frame. */
export const MAX_DA_FRAME_BYTES = 2 * 1024 * 1024;
const HEX64 = /^[0-9a-f]{64}$/;

export function daProtocol(chainId: string): string {
  return `/refnode/${chainId}/da/1`;
}

/** What a node serves over the DA protocol (implemented by the DA service). */
export interface DaProvider {
  /** Checks and stores a chunk sent by an executor; the attestation or the typed refusal. */
  receiveChunk(message: ChunkMessage): Attestation | DaRejection;
  /** A chunk this node holds or can compute. */
  chunk(id: string, index: number): Chunk | undefined;
  /** Counts requests served and made (metrics). */
  countRequest?: DaRequestCounter;
}

/** Counts DA requests by kind (`store`, `chunk`) and outcome (`ok`, `error`, `timeout`). */
export type DaRequestCounter = (
  direction: 'served' | 'made',
  kind: 'store' | 'chunk',
  outcome: string,
) => void;

/** Serves the DA protocol from `provider`. */
export async function serveDa(
  libp2p: Libp2p,
  chainId: string,
  provider: DaProvider,
  timeoutMs: number,
  count: DaRequestCounter = () => undefined,
): Promise<void> {
  await serve(libp2p, daProtocol(chainId), {
    maxRequestBytes: MAX_DA_FRAME_BYTES,
    timeoutMs,
    maxInboundStreams: 64,
    readsRequest: true,
    answer(request, _peer, requestError) {
      const kind = request?.kind === 'store' ? 'store' : 'chunk';
      try {
        if (request === undefined)
          throw new P2pError('bad_argument', `malformed request: ${messageOf(requestError)}`);
        const frames = answerDa(request, provider);
        count('served', kind, JSON.parse(new TextDecoder().decode(frames[0]!)).ok ? 'ok' : 'error');
        return frames;
      } catch (error) {
        count('served', kind, 'error');
        return [errorAnswer(error instanceof P2pError ? error.code : 'internal', messageOf(error))];
      }
    },
  });
}

function answerDa(request: Record<string, unknown>, provider: DaProvider): Uint8Array[] {
  const { id, index } = request;
  if (typeof id !== 'string' || !HEX64.test(id))
    throw new P2pError('bad_argument', `id must be 64 hex chars, got ${JSON.stringify(id)?.slice(0, 80)}`);
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0 || index > 255)
    throw new P2pError('bad_argument', `index must be an integer in 0..255, got ${JSON.stringify(index)}`);
  switch (request.kind) {
    case 'store': {
      const { header, commitment, proof, data } = request;
      if (typeof data !== 'string') throw new P2pError('bad_argument', 'data must be a base64 string');
      const result = provider.receiveChunk({
        id,
        header: header as ChunkMessage['header'],
        commitment: commitment as string,
        chunk: { index, data: Buffer.from(data, 'base64'), proof: proof as string[] },
      });
      if ('code' in result) return [errorAnswer(result.code, result.message)];
      return [jsonBytes({ ok: true, attestation: { validator: result.validator, sig: result.sig } })];
    }
    case 'chunk': {
      const chunk = provider.chunk(id, index);
      if (chunk === undefined) return [jsonBytes({ ok: true, found: false })];
      return [jsonBytes({ ok: true, found: true, proof: chunk.proof }), chunk.data];
    }
    default:
      throw new P2pError(
        'bad_argument',
        `kind must be store or chunk, got ${JSON.stringify(request.kind)?.slice(0, 80)}`,
      );
  }
}

/** Client side of the DA protocol: the libp2p implementation of DaTransport. */
export class DaClient {
  readonly #libp2p: Libp2p;
  readonly #protocol: string;
  readonly #timeoutMs: number;
  readonly #stopSignal: AbortSignal;
  readonly #count: DaRequestCounter;

  constructor(
    libp2p: Libp2p,
    chainId: string,
    timeoutMs: number,
    stopSignal: AbortSignal,
    count: DaRequestCounter = () => undefined,
  ) {
    this.#libp2p = libp2p;
    this.#protocol = daProtocol(chainId);
    this.#timeoutMs = timeoutMs;
    this.#stopSignal = stopSignal;
    this.#count = count;
  }

  /** Sends a validator its chunk; resolves with its attestation, rejects with DaError when it refuses. */
  sendChunk(peer: string, message: ChunkMessage): Promise<Attestation> {
    const what = `da store chunk ${message.chunk.index} of ${message.id.slice(0, 12)}`;
    const request = {
      kind: 'store',
      id: message.id,
      header: message.header,
      commitment: message.commitment,
      index: message.chunk.index,
      proof: message.chunk.proof,
      data: Buffer.from(message.chunk.data).toString('base64'),
    };
    return this.#request('store', peer, what, request, async (frame) => {
      const attestation = frame.attestation as Attestation | undefined;
      if (typeof attestation?.validator !== 'string' || typeof attestation.sig !== 'string')
        throw new P2pError('protocol_error', `${what}: peer ${shortPeer(peer)} sent no attestation`, {
          peer,
        });
      return { validator: attestation.validator, sig: attestation.sig };
    });
  }

  /** Asks a peer for a chunk; undefined when it does not hold it. */
  fetchChunk(peer: string, id: string, index: number): Promise<Chunk | undefined> {
    const what = `da fetch chunk ${index} of ${id.slice(0, 12)}`;
    return this.#request('chunk', peer, what, { kind: 'chunk', id, index }, async (frame, next) => {
      if (frame.found !== true) return undefined;
      if (!Array.isArray(frame.proof) || frame.proof.some((p) => typeof p !== 'string'))
        throw new P2pError('protocol_error', `${what}: peer ${shortPeer(peer)} sent a malformed proof`, {
          peer,
        });
      return { index, data: await next(), proof: frame.proof as string[] };
    });
  }

  async #request<T>(
    kind: 'store' | 'chunk',
    peer: string,
    what: string,
    request: unknown,
    read: (header: Record<string, unknown>, next: () => Promise<Uint8Array>) => Promise<T>,
  ): Promise<T> {
    try {
      const result = await exchange({
        libp2p: this.#libp2p,
        peer,
        protocol: this.#protocol,
        what,
        timeoutMs: this.#timeoutMs,
        stopSignal: this.#stopSignal,
        maxFrameBytes: MAX_DA_FRAME_BYTES,
        run: async (lp, signal) => {
          await lp.write(jsonBytes(request), { signal });
          const header = parseJsonFrame(await lp.read({ signal }), what);
          if (header.ok !== true) {
            const error = header.error as { code?: unknown; message?: unknown } | undefined;
            if ((daErrorCodes as readonly unknown[]).includes(error?.code))
              throw new DaError(
                error!.code as DaError['code'],
                `${shortPeer(peer)} refused: ${String(error?.message)}`,
              );
            expectOk(header, what, peer);
          }
          return read(header, async () => Uint8Array.from((await lp.read({ signal })).subarray()));
        },
      });
      this.#count('made', kind, 'ok');
      return result;
    } catch (error) {
      this.#count('made', kind, error instanceof P2pError && error.code === 'timeout' ? 'timeout' : 'error');
      // A validator's refusal is final and typed; exchange() would wrap it as a protocol error.
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof DaError) throw cause;
      throw error;
    }
  }
}
