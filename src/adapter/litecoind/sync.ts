/**
 * Waiting for nodes to agree: every node has a given block on its best chain, or every
 * node has the same tip. Polls each node's RPC; a node that does not answer counts as
 * not there yet.
 */
import { type Clock, systemClock } from '../../support/clock.ts';
import { AdapterError } from '../../support/errors.ts';
import type { LitecoindClient, LitecoinTip } from './client.ts';

/** A node to wait on. */
export interface SyncNode {
  name: string;
  client: LitecoindClient;
}

/** Options of the waits: deadline, abort signal, poll interval (default 100 ms). */
export interface SyncOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  pollMs?: number;
  clock?: Clock;
}

async function hashAt(
  node: SyncNode,
  height: number,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  try {
    const hash = await node.client.rpc.call('getblockhash', [height], {
      timeoutMs: 2000,
      ...(signal ? { signal } : {}),
    });
    return String(hash);
  } catch {
    return undefined;
  }
}

async function poll<T>(
  what: () => string,
  probe: () => Promise<T | undefined>,
  opts: SyncOptions,
): Promise<T> {
  const clock = opts.clock ?? systemClock;
  const deadline = clock.monotonic() + opts.timeoutMs;
  for (;;) {
    opts.signal?.throwIfAborted();
    const result = await probe();
    if (result !== undefined) return result;
    if (clock.monotonic() >= deadline) {
      throw new AdapterError('litecoind', `not within ${opts.timeoutMs} ms: ${what()}`);
    }
    await clock.sleep(opts.pollMs ?? 100, opts.signal);
  }
}

/**
 * Resolves once every node has block `tip.hash` at `tip.height` on its best chain.
 *
 * @example
 * await waitForBlockOnAll(nodes, { height: 101, hash }, { timeoutMs: 10_000 });
 */
export async function waitForBlockOnAll(
  nodes: readonly SyncNode[],
  tip: LitecoinTip,
  opts: SyncOptions,
): Promise<void> {
  let missing: string[] = nodes.map((n) => n.name);
  await poll(
    () => `block ${tip.height} (${tip.hash.slice(0, 12)}…) on ${missing.join(', ')}`,
    async () => {
      const hashes = await Promise.all(nodes.map((n) => hashAt(n, tip.height, opts.signal)));
      missing = nodes.filter((_, i) => hashes[i] !== tip.hash).map((n) => n.name);
      return missing.length === 0 ? true : undefined;
    },
    opts,
  );
}

/**
 * Resolves with the common tip once every node reports the same best block.
 *
 * @example
 * const tip = await waitForSameTip(nodes, { timeoutMs: 10_000 });
 */
export async function waitForSameTip(nodes: readonly SyncNode[], opts: SyncOptions): Promise<LitecoinTip> {
  let seen = '';
  return poll(
    () => `same tip on every node (last seen ${seen})`,
    async () => {
      const tips = await Promise.all(
        nodes.map((n) =>
          n.client
            .tip({ timeoutMs: 2000, ...(opts.signal ? { signal: opts.signal } : {}) })
            .catch(() => undefined),
        ),
      );
      seen = tips
        .map((t, i) => `${nodes[i]!.name}=${t ? `${t.height}/${t.hash.slice(0, 8)}` : 'no answer'}`)
        .join(' ');
      const first = tips[0];
      return first !== undefined && tips.every((t) => t?.hash === first.hash) ? first : undefined;
    },
    opts,
  );
}
