/**
 * Waiting for nodes to agree: every node has a given block on its best chain, or every
 * node has the same tip. Polls each node's RPC; a node that does not answer counts as
 * not there yet. Nodes tied at one height stay tied until a block is mined on one branch;
 * {@link waitForSameTip} can mine it.
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

/** Options of {@link waitForSameTip}. */
export interface SameTipOptions extends SyncOptions {
  /**
   * Where to mine one block, and to which address, whenever every node answers at the same
   * height with different tips: a tie no node leaves by itself (each keeps the block it saw
   * first), which the next block of a PoW chain would break. Without it such a tie lasts until
   * the deadline; with it the common tip can be a block higher than the tie.
   */
  breakTies?: { node: SyncNode; address: string };
}

/**
 * Resolves with the common tip once every node reports the same best block.
 *
 * @example
 * const tip = await waitForSameTip(nodes, { timeoutMs: 10_000 });
 * // after a miner stopped, its last blocks may tie on two nodes: mine the block that breaks it
 * await waitForSameTip(nodes, { timeoutMs: 15_000, breakTies: { node: nodes[0], address } });
 */
export async function waitForSameTip(nodes: readonly SyncNode[], opts: SameTipOptions): Promise<LitecoinTip> {
  const request = { timeoutMs: 2000, ...(opts.signal ? { signal: opts.signal } : {}) };
  let seen = '';
  let tiesBroken = 0;
  return poll(
    () =>
      `same tip on every node (last seen ${seen}${tiesBroken > 0 ? `; ${tiesBroken} tie(s) broken by mining on ${opts.breakTies!.node.name}` : ''})`,
    async () => {
      const tips = await Promise.all(nodes.map((n) => n.client.tip(request).catch(() => undefined)));
      seen = tips
        .map((t, i) => `${nodes[i]!.name}=${t ? `${t.height}/${t.hash.slice(0, 8)}` : 'no answer'}`)
        .join(' ');
      const first = tips[0];
      if (first !== undefined && tips.every((t) => t?.hash === first.hash)) return first;
      const tie = first !== undefined && tips.every((t) => t?.height === first.height);
      if (tie && opts.breakTies !== undefined) {
        // A miner that does not answer is tried again at the next poll, like a node that does not.
        const mined = await opts.breakTies.node.client
          .generateToAddress(1, opts.breakTies.address, request)
          .catch(() => undefined);
        if (mined !== undefined) tiesBroken++;
      }
      return undefined;
    },
    opts,
  );
}
