import type { Libp2p } from '@libp2p/interface';
import type { Logger } from 'pino';
import { messageOf, P2pError, shortPeer } from './errors.ts';
import type { P2pMetrics } from './metrics.ts';
import type { ChainStatus, SyncProvider } from './network.ts';
import { errorAnswer, exchange, expectOk, jsonBytes, parseJsonFrame, serve } from './wire.ts';

/*
 * Wire format of /refnode/<chainId>/sync/1, one request per stream, every frame varint
 * length-prefixed:
 *   request  = JSON { kind: 'status' } | { kind: 'blocks', from, to } | { kind: 'block', hash }
 *   answer   = JSON header, then raw block frames:
 *     status → { ok: true, status: { height, tip, finalizedHeight } }
 *     blocks → { ok: true, count: n } + n block frames (a prefix of the range if over the byte budget)
 *     block  → { ok: true, found: boolean } + 1 block frame when found
 *     error  → { ok: false, error: { code, message } }
 */

/** Most blocks one blocksByHeight request may ask for. */
export const MAX_BLOCKS_PER_REQUEST = 500;
/** Largest single encoded block accepted over sync: 8 MiB. */
export const MAX_BLOCK_BYTES = 8 * 1024 * 1024;
/** Byte budget of one blocks answer: the server sends the longest prefix that fits (at least 1 block). */
export const MAX_BLOCKS_ANSWER_BYTES = 32 * 1024 * 1024;
const MAX_REQUEST_BYTES = 4096;
const HASH = /^[0-9a-fA-F]{1,128}$/;

export function syncProtocol(chainId: string): string {
  return `/refnode/${chainId}/sync/1`;
}

type Kind = 'status' | 'blocks' | 'block';

/** Serves status, blocks by height and block by hash from the chain's SyncProvider. */
export async function serveSync(
  libp2p: Libp2p,
  chainId: string,
  sync: SyncProvider,
  metrics: P2pMetrics,
  logger: Logger,
  timeoutMs: number,
  answers = true,
): Promise<void> {
  await serve(libp2p, syncProtocol(chainId), {
    maxRequestBytes: MAX_REQUEST_BYTES,
    timeoutMs,
    maxInboundStreams: 16,
    readsRequest: true,
    answer(request, peer, requestError) {
      // The `silent-sync` bug: the request is read and never answered; the stream stays open
      // until the peer gives up and resets it (that reset ends this handler's stream too).
      if (!answers) return new Promise<never>(() => undefined);
      const kind =
        typeof request?.kind === 'string' && ['status', 'blocks', 'block'].includes(request.kind)
          ? (request.kind as Kind)
          : 'unknown';
      try {
        if (request === undefined)
          throw new P2pError('bad_argument', `malformed request: ${messageOf(requestError)}`);
        const frames = answerSync(request, sync);
        metrics.syncServed.inc({ kind, outcome: 'ok' });
        return frames;
      } catch (error) {
        metrics.syncServed.inc({ kind, outcome: 'error' });
        const code = error instanceof P2pError ? error.code : 'internal';
        logger.debug(
          { peer, kind, err: messageOf(error) },
          `sync ${kind} request from ${shortPeer(peer)} failed: ${messageOf(error)}`,
        );
        return [errorAnswer(code, messageOf(error))];
      }
    },
  });
}

function answerSync(request: Record<string, unknown>, sync: SyncProvider): Uint8Array[] {
  switch (request.kind) {
    case 'status':
      return [jsonBytes({ ok: true, status: sync.status() })];
    case 'blocks': {
      const { from, to } = request;
      const [first, last] = checkRange(from, to);
      const blocks = sync.blocksByHeight(first, last).slice(0, MAX_BLOCKS_PER_REQUEST);
      let bytes = 0;
      let count = 0;
      for (const block of blocks) {
        if (block.byteLength > MAX_BLOCK_BYTES) break;
        if (count > 0 && bytes + block.byteLength > MAX_BLOCKS_ANSWER_BYTES) break;
        bytes += block.byteLength;
        count++;
      }
      return [jsonBytes({ ok: true, count }), ...blocks.slice(0, count)];
    }
    case 'block': {
      const { hash } = request;
      if (typeof hash !== 'string' || !HASH.test(hash)) {
        throw new P2pError(
          'bad_argument',
          `hash must be a hex string of 1..128 chars, got ${JSON.stringify(hash)?.slice(0, 80)}`,
        );
      }
      const block = sync.blockByHash(hash);
      if (block === undefined || block.byteLength > MAX_BLOCK_BYTES)
        return [jsonBytes({ ok: true, found: false })];
      return [jsonBytes({ ok: true, found: true }), block];
    }
    default:
      throw new P2pError(
        'bad_argument',
        `kind must be status, blocks or block, got ${JSON.stringify(request.kind)?.slice(0, 80)}`,
      );
  }
}

/** Throws `bad_argument` unless from..to is a valid range of at most 500 heights. */
export function checkRange(from: unknown, to: unknown): [number, number] {
  if (typeof from !== 'number' || !Number.isSafeInteger(from) || from < 0) {
    throw new P2pError('bad_argument', `from must be a safe integer ≥ 0, got ${JSON.stringify(from)}`);
  }
  if (
    typeof to !== 'number' ||
    !Number.isSafeInteger(to) ||
    to < from ||
    to - from + 1 > MAX_BLOCKS_PER_REQUEST
  ) {
    throw new P2pError(
      'bad_argument',
      `to must be a safe integer in from..from+${MAX_BLOCKS_PER_REQUEST - 1} (${from}..${from + MAX_BLOCKS_PER_REQUEST - 1}), got ${JSON.stringify(to)}`,
    );
  }
  return [from, to];
}

/** Client side of the sync protocol. */
export class SyncClient {
  readonly #libp2p: Libp2p;
  readonly #protocol: string;
  readonly #metrics: P2pMetrics;
  readonly #timeoutMs: number;
  readonly #stopSignal: AbortSignal;

  constructor(
    libp2p: Libp2p,
    chainId: string,
    metrics: P2pMetrics,
    timeoutMs: number,
    stopSignal: AbortSignal,
  ) {
    this.#libp2p = libp2p;
    this.#protocol = syncProtocol(chainId);
    this.#metrics = metrics;
    this.#timeoutMs = timeoutMs;
    this.#stopSignal = stopSignal;
  }

  status(peer: string): Promise<ChainStatus> {
    const what = 'sync status request';
    return this.#request('status', peer, what, { kind: 'status' }, async (lp, signal) => {
      const header = parseJsonFrame(await lp.read({ signal }), what);
      expectOk(header, what, peer);
      const status = header.status as Record<string, unknown> | undefined;
      if (
        typeof status !== 'object' ||
        status === null ||
        !Number.isSafeInteger(status.height) ||
        typeof status.tip !== 'string' ||
        !Number.isSafeInteger(status.finalizedHeight)
      ) {
        throw new P2pError(
          'protocol_error',
          `${what}: peer ${shortPeer(peer)} sent a malformed status ${JSON.stringify(status)?.slice(0, 200)}`,
          { peer },
        );
      }
      return {
        height: status.height as number,
        tip: status.tip,
        finalizedHeight: status.finalizedHeight as number,
      };
    });
  }

  blocksByHeight(peer: string, from: number, to: number): Promise<Uint8Array[]> {
    const what = `sync blocks ${from}..${to} request`;
    try {
      checkRange(from, to);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#request('blocks', peer, what, { kind: 'blocks', from, to }, async (lp, signal) => {
      const header = parseJsonFrame(await lp.read({ signal }), what);
      expectOk(header, what, peer);
      const count = header.count;
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > to - from + 1) {
        throw new P2pError(
          'protocol_error',
          `${what}: peer ${shortPeer(peer)} announced ${JSON.stringify(count)} blocks, allowed 0..${to - from + 1}`,
          { peer },
        );
      }
      const blocks: Uint8Array[] = [];
      let bytes = 0;
      for (let i = 0; i < count; i++) {
        const block = (await lp.read({ signal })).subarray();
        bytes += block.byteLength;
        if (bytes > MAX_BLOCKS_ANSWER_BYTES + MAX_BLOCK_BYTES) {
          throw new P2pError(
            'protocol_error',
            `${what}: peer ${shortPeer(peer)} sent more than ${MAX_BLOCKS_ANSWER_BYTES} bytes`,
            { peer },
          );
        }
        blocks.push(block);
      }
      return blocks;
    });
  }

  blockByHash(peer: string, hash: string): Promise<Uint8Array | undefined> {
    const what = `sync block ${hash.slice(0, 16)} request`;
    if (!HASH.test(hash)) {
      return Promise.reject(
        new P2pError(
          'bad_argument',
          `hash must be a hex string of 1..128 chars, got ${JSON.stringify(hash).slice(0, 80)}`,
        ),
      );
    }
    return this.#request('block', peer, what, { kind: 'block', hash }, async (lp, signal) => {
      const header = parseJsonFrame(await lp.read({ signal }), what);
      expectOk(header, what, peer);
      if (header.found === false) return undefined;
      if (header.found !== true)
        throw new P2pError(
          'protocol_error',
          `${what}: peer ${shortPeer(peer)} sent found=${JSON.stringify(header.found)}`,
          { peer },
        );
      return (await lp.read({ signal })).subarray();
    });
  }

  async #request<T>(
    kind: Kind,
    peer: string,
    what: string,
    request: unknown,
    read: (lp: import('@libp2p/utils').LengthPrefixedStream, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    try {
      const result = await exchange({
        libp2p: this.#libp2p,
        peer,
        protocol: this.#protocol,
        what,
        timeoutMs: this.#timeoutMs,
        stopSignal: this.#stopSignal,
        maxFrameBytes: MAX_BLOCK_BYTES,
        run: async (lp, signal) => {
          await lp.write(jsonBytes(request), { signal });
          return read(lp, signal);
        },
      });
      this.#metrics.syncMade.inc({ kind, outcome: 'ok' });
      return result;
    } catch (error) {
      this.#metrics.syncMade.inc({
        kind,
        outcome: error instanceof P2pError && error.code === 'timeout' ? 'timeout' : 'error',
      });
      throw error;
    }
  }
}
