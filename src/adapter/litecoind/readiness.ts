/**
 * When a litecoind node is ready: its start-up log says `Done loading` (RPC is out of
 * warm-up from then on), REST `GET /rest/chaininfo.json` answers 200 (503 during warm-up),
 * and, what chainlab finally relies on, RPC answers `getblockchaininfo`.
 */
import { type Clock, systemClock } from '../../support/clock.ts';
import { AdapterError } from '../../support/errors.ts';
import type { LitecoindClient } from './client.ts';

/** REST path that answers 200 once the node is past warm-up (no credentials needed). */
export const litecoindHealthPath = '/rest/chaininfo.json';

/** The log line litecoind prints when start-up is complete. */
const READY_MARKER = 'init message: Done loading';

/**
 * Readiness of a node serving RPC at `apiUrl`, in the shape of the deployers' readiness
 * spec: the ready log line, or the REST health path.
 *
 * @example
 * const readiness = litecoindReadiness('http://127.0.0.1:18443');
 */
export function litecoindReadiness(apiUrl: string): {
  readyLine(line: string): { apiUrl: string } | undefined;
  healthPath: string;
} {
  return {
    readyLine: (line) => (line.includes(READY_MARKER) ? { apiUrl } : undefined),
    healthPath: litecoindHealthPath,
  };
}

/**
 * Resolves once the node answers `getblockchaininfo`; throws `AdapterError` naming the node
 * after `timeoutMs` (default 30 000), or the signal's reason when it aborts.
 *
 * @example
 * await waitForRpc(client, { timeoutMs: 10_000 });
 */
export async function waitForRpc(
  client: LitecoindClient,
  opts: { timeoutMs?: number; signal?: AbortSignal; clock?: Clock } = {},
): Promise<void> {
  const clock = opts.clock ?? systemClock;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = clock.monotonic() + timeoutMs;
  for (;;) {
    opts.signal?.throwIfAborted();
    const left = deadline - clock.monotonic();
    const ready = await client.ready({
      timeoutMs: Math.max(100, Math.min(2000, left)),
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    });
    if (ready) return;
    if (clock.monotonic() >= deadline) {
      throw new AdapterError(
        'litecoind',
        `${client.url} did not answer getblockchaininfo within ${timeoutMs} ms`,
      );
    }
    await clock.sleep(100, opts.signal);
  }
}
