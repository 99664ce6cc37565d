/** Brand on every error the p2p layer throws, so `isP2pError` works across realms and workers. */
export const P2P_ERROR = Symbol.for('refnode.p2p.error');

/**
 * What went wrong:
 * - `invalid_option`: a NetworkOptions field is bad (thrown by startNetwork before anything starts);
 * - `invalid_book`: the peers file cannot be read or is not a valid address book (at start; a
 *   bad reload at run time keeps the previous book instead);
 * - `listen_failed`: libp2p could not start or listen on host:port;
 * - `bad_argument`: a bad argument to a Network method (e.g. a block range over 500);
 * - `timeout`: a request to a peer took longer than its timeout;
 * - `remote_error`: the peer answered with an error;
 * - `protocol_error`: the peer's answer broke the protocol or a size limit, or the stream failed;
 * - `too_large`: a message to publish is over the gossip size limit;
 * - `stopped`: the network was stopped.
 */
export type P2pErrorCode =
  | 'invalid_option'
  | 'invalid_book'
  | 'listen_failed'
  | 'bad_argument'
  | 'timeout'
  | 'remote_error'
  | 'protocol_error'
  | 'too_large'
  | 'stopped';

/** An error from the p2p layer; `code` says what kind, `peer` which peer was involved if any. */
export class P2pError extends Error {
  readonly [P2P_ERROR] = true;
  readonly code: P2pErrorCode;
  readonly peer: string | undefined;
  readonly timedOut: boolean;

  constructor(code: P2pErrorCode, message: string, options: { peer?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'P2pError';
    this.code = code;
    this.peer = options.peer;
    this.timedOut = code === 'timeout';
  }
}

/** True for errors thrown by the p2p layer (checks the brand, not the prototype). */
export function isP2pError(value: unknown): value is P2pError {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[P2P_ERROR] === true
  );
}

/** A short peer id for logs: `12D3KooW…abcdef`. */
export function shortPeer(peer: string): string {
  return peer.length > 16 ? `${peer.slice(0, 8)}…${peer.slice(-6)}` : peer;
}

/** The message of an unknown thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
