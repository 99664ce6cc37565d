import type { Libp2p, Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { type LengthPrefixedStream, lpStream } from '@libp2p/utils';
import { messageOf, P2pError, shortPeer } from './errors.ts';

/** One request/response exchange over a fresh stream: `run` writes the request and reads the answer. */
export interface Exchange<T> {
  libp2p: Libp2p;
  peer: string;
  protocol: string;
  /** For error messages: `sync blocks 10..20`. */
  what: string;
  timeoutMs: number;
  /** Aborted when the network stops. */
  stopSignal: AbortSignal;
  /** Largest frame accepted from the peer. */
  maxFrameBytes: number;
  run(stream: LengthPrefixedStream<Stream>, signal: AbortSignal): Promise<T>;
}

/**
 * Opens a stream to `peer`, runs the exchange under one deadline and closes the stream.
 * Every failure becomes a P2pError naming the peer and the request: `timeout` when the
 * deadline passed, `stopped` when the network stopped, `remote_error`/`protocol_error` as thrown
 * by `run`, and `protocol_error` for stream failures (peer gone, limit exceeded…).
 */
export async function exchange<T>(options: Exchange<T>): Promise<T> {
  const { libp2p, peer, protocol, what, timeoutMs, stopSignal } = options;
  if (stopSignal.aborted)
    throw new P2pError('stopped', `${what} to ${shortPeer(peer)}: the network is stopped`, { peer });
  let target: ReturnType<typeof peerIdFromString>;
  try {
    target = peerIdFromString(peer);
  } catch (error) {
    throw new P2pError(
      'bad_argument',
      `${what}: ${JSON.stringify(peer)} is not a peer id (${messageOf(error)})`,
      { peer },
    );
  }
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([deadline, stopSignal]);
  let stream: Stream | undefined;
  try {
    stream = await libp2p.dialProtocol(target, protocol, { signal });
    const lp = lpStream(stream, {
      maxDataLength: options.maxFrameBytes,
      maxBufferSize: options.maxFrameBytes + 64,
    });
    const result = await options.run(lp, signal);
    await stream.close({ signal });
    return result;
  } catch (error) {
    stream?.abort(error instanceof Error ? error : new Error(String(error)));
    if (deadline.aborted) {
      throw new P2pError('timeout', `${what} to ${shortPeer(peer)} timed out after ${timeoutMs} ms`, {
        peer,
        cause: error,
      });
    }
    if (stopSignal.aborted) {
      throw new P2pError('stopped', `${what} to ${shortPeer(peer)}: the network stopped`, {
        peer,
        cause: error,
      });
    }
    if (error instanceof P2pError) throw error;
    throw new P2pError('protocol_error', `${what} to ${shortPeer(peer)} failed: ${messageOf(error)}`, {
      peer,
      cause: error,
    });
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** JSON as one frame payload. */
export function jsonBytes(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Parses a frame as a JSON object, or throws a protocol_error naming `what`. */
export function parseJsonFrame(frame: { subarray(): Uint8Array }, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(frame.subarray()));
  } catch (error) {
    throw new P2pError('protocol_error', `${what}: frame is not JSON (${messageOf(error)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new P2pError(
      'protocol_error',
      `${what}: expected a JSON object, got ${JSON.stringify(value)?.slice(0, 80)}`,
    );
  }
  return value as Record<string, unknown>;
}

/** An error answer: `{ ok: false, error: { code, message } }`. */
export function errorAnswer(code: string, message: string): Uint8Array {
  return jsonBytes({ ok: false, error: { code, message } });
}

/** Throws `remote_error` if the answer header says `ok: false`. */
export function expectOk(header: Record<string, unknown>, what: string, peer: string): void {
  if (header.ok === true) return;
  const error = header.error as { code?: unknown; message?: unknown } | undefined;
  throw new P2pError(
    'remote_error',
    `${what}: peer ${shortPeer(peer)} answered ${String(error?.code ?? 'error')}: ${String(error?.message ?? JSON.stringify(header).slice(0, 200))}`,
    { peer },
  );
}

/**
 * Serves one protocol: for each inbound stream, reads a frame with `maxRequestBytes`, lets
 * `answer` produce the frames to send, writes them and closes, all within `timeoutMs`.
 * A failing stream is aborted; it never throws into libp2p.
 */
export async function serve(
  libp2p: Libp2p,
  protocol: string,
  options: {
    maxRequestBytes: number;
    timeoutMs: number;
    maxInboundStreams: number;
    answer(
      request: Record<string, unknown> | undefined,
      peer: string,
      requestError: unknown,
    ): Uint8Array[] | Promise<Uint8Array[]>;
    readsRequest: boolean;
  },
): Promise<void> {
  await libp2p.handle(
    protocol,
    async (stream, connection) => {
      const signal = AbortSignal.timeout(options.timeoutMs);
      try {
        const lp = lpStream(stream, {
          maxDataLength: options.maxRequestBytes,
          maxBufferSize: options.maxRequestBytes + 64,
        });
        let request: Record<string, unknown> | undefined;
        let requestError: unknown;
        if (options.readsRequest) {
          try {
            request = parseJsonFrame(await lp.read({ signal }), 'request');
          } catch (error) {
            if (signal.aborted) throw error;
            requestError = error;
          }
        }
        const frames = await options.answer(request, connection.remotePeer.toString(), requestError);
        await lp.writeV(frames, { signal });
        await stream.close({ signal });
      } catch (error) {
        stream.abort(error instanceof Error ? error : new Error(String(error)));
      }
    },
    { maxInboundStreams: options.maxInboundStreams, maxOutboundStreams: options.maxInboundStreams },
  );
}
