/**
 * A node's block feed, built from polling: litecoind has no push stream over RPC, so the
 * feed long-polls `waitforblockheight` (returns at once when the node is already past the
 * height) and compares the node's best chain with the blocks it already emitted. New
 * blocks come out in height order; when the node switched branches, a `reorg` event first
 * names the fork point and the blocks that left the best chain.
 *
 * The feed outlives its node's faults: a call that fails (node stopped, paused, restarting)
 * is retried after a short delay, until the signal aborts.
 */
import { type Clock, systemClock } from '../../support/clock.ts';
import type { LitecoinBlock, LitecoindClient, LitecoinTip } from './client.ts';

/** One event of a litecoind block feed. */
export type LitecoindFeedEvent =
  | { type: 'block'; block: LitecoinBlock }
  /**
   * The node's best chain no longer holds `removed` (ascending heights); it forks off at
   * `fork`, the last block both branches share. The new branch's blocks follow as `block`s.
   */
  | { type: 'reorg'; fork: LitecoinTip; removed: LitecoinTip[] };

/** Options of {@link litecoindBlockFeed}. */
export interface BlockFeedOptions {
  /**
   * First height to emit (backfill from there). Default: none of the existing chain, only
   * blocks after the tip the feed finds when it starts.
   */
  fromHeight?: number;
  /** Length of one long poll on the node, ms. Default 1000 (also the longest delay to see a same-height reorg). */
  waitMs?: number;
  /** Delay after a failed call before the next try, ms. Default 500. */
  retryMs?: number;
  /** Heights remembered to find fork points. Default 2000 (far deeper than regtest reorgs go). */
  keep?: number;
  /** Told about every failed call (the feed itself goes on). */
  onError?: (error: unknown) => void;
  clock?: Clock;
}

/** Node hashes compared per call while looking for a fork point. */
const FORK_WINDOW = 16;

class FeedState {
  /** Hash of each emitted height on the best chain as last seen. */
  readonly known = new Map<number, string>();
  height = -1;

  readonly keep: number;

  constructor(keep: number) {
    this.keep = keep;
  }

  record(height: number, hash: string): void {
    this.known.set(height, hash);
    this.height = height;
    this.known.delete(height - this.keep);
  }
}

/**
 * Streams `client`'s blocks until `signal` aborts.
 *
 * @example
 * for await (const ev of litecoindBlockFeed(client, ac.signal)) {
 *   if (ev.type === 'block') console.log(ev.block.height, ev.block.hash);
 * }
 */
export async function* litecoindBlockFeed(
  client: LitecoindClient,
  signal: AbortSignal,
  opts: BlockFeedOptions = {},
): AsyncGenerator<LitecoindFeedEvent> {
  const clock = opts.clock ?? systemClock;
  const waitMs = opts.waitMs ?? 1000;
  const retryMs = opts.retryMs ?? 500;
  const state = new FeedState(opts.keep ?? 2000);
  const call = { signal };
  let started = false;
  while (!signal.aborted) {
    try {
      if (!started) {
        if (opts.fromHeight === undefined) {
          const tip = await client.tip(call);
          state.record(tip.height, tip.hash);
        } else {
          state.height = opts.fromHeight - 1;
        }
        started = true;
      }
      yield* catchUp(client, state, call);
      await client.waitForHeight(state.height + 1, waitMs, call);
    } catch (error) {
      if (signal.aborted) return;
      opts.onError?.(error);
      try {
        await clock.sleep(retryMs, signal);
      } catch {
        return;
      }
    }
  }
}

/** Emits what changed since the state's view: a reorg if the node switched branches, then new blocks. */
async function* catchUp(
  client: LitecoindClient,
  state: FeedState,
  call: { signal: AbortSignal },
): AsyncGenerator<LitecoindFeedEvent> {
  const tip = await client.tip(call);
  if (tip.height === state.height && tip.hash === state.known.get(tip.height)) return;
  const fork = await forkPoint(client, state, Math.min(tip.height, state.height), call);
  if (fork.height < state.height) {
    const removed: LitecoinTip[] = [];
    for (let h = fork.height + 1; h <= state.height; h++) {
      const hash = state.known.get(h);
      if (hash !== undefined) removed.push({ height: h, hash });
      state.known.delete(h);
    }
    state.height = fork.height;
    yield { type: 'reorg', fork, removed };
  }
  const blocks = await client.blocks(state.height + 1, tip.height, call);
  const expectedParent = state.known.get(state.height);
  // The node switched branches again between the two reads: the next round sorts it out.
  if (blocks.length > 0 && expectedParent !== undefined && blocks[0]!.parent !== expectedParent) return;
  for (const block of blocks) {
    state.record(block.height, block.hash);
    yield { type: 'block', block };
  }
}

/** The highest height at or below `from` where the node's best chain has the hash the feed emitted. */
async function forkPoint(
  client: LitecoindClient,
  state: FeedState,
  from: number,
  call: { signal: AbortSignal },
): Promise<LitecoinTip> {
  // Nothing emitted yet (a backfill start): nothing can have left the best chain.
  if (state.known.size === 0) return { height: state.height, hash: '' };
  const lowest = Math.min(...state.known.keys());
  for (let top = from; top >= lowest; top -= FORK_WINDOW) {
    const heights: number[] = [];
    for (let h = top; h > top - FORK_WINDOW && h >= lowest; h--) if (state.known.has(h)) heights.push(h);
    if (heights.length === 0) continue;
    const outcomes = await client.rpc.batch(
      heights.map((h) => ({ method: 'getblockhash', params: [h] })),
      call,
    );
    for (const [i, h] of heights.entries()) {
      const o = outcomes[i]!;
      if (o.ok && o.result === state.known.get(h)) return { height: h, hash: o.result as string };
    }
  }
  // A reorg deeper than the remembered window: fork just below it.
  const height = lowest - 1;
  if (height < 0) return { height: -1, hash: '' };
  const hash = await client.rpc.call('getblockhash', [height], call);
  return { height, hash: String(hash) };
}
