import type { Logger } from 'pino';
import type { ChainStatus, Network } from './p2p/network.ts';

/** What block sync needs from the node. */
export interface SyncTarget {
  height(): number;
  /** The lowest height a fork may branch from (the final height unless the node accepts deep reorgs). */
  reorgFloor(): number;
  /** Adds fetched blocks in order; returns how many were new, whether one was invalid, and whether one's parent was unknown. */
  importBlocks(
    encoded: Uint8Array[],
    from: string,
  ): Promise<{ added: number; invalid: boolean; orphan: boolean }>;
}

/** Options of {@link BlockSync}. */
export interface BlockSyncOptions {
  network: Network;
  target: SyncTarget;
  logger: Logger;
  /** How often tips are compared with peers; default 1000 ms. */
  intervalMs?: number;
  /** Blocks per request; default 500 (the protocol maximum). */
  batch?: number;
  onRequest?: (result: 'ok' | 'error' | 'invalid') => void;
}

/** How many ticks after a peer's block last became our tip the node still counts as following live. */
const FOLLOW_TICKS = 3;

/**
 * Catches up with peers: on connect, periodically, and when a gossiped block's parent is
 * unknown, it asks peers for their status (each answer counts as it comes) and pulls the blocks
 * above our final height from one that is ahead. One pull runs at a time so a catching-up node
 * does not flood itself.
 */
export class BlockSync {
  readonly #options: BlockSyncOptions;
  readonly #timer: NodeJS.Timeout;
  readonly #unsubscribe: () => void;
  /** Peers to ask for their status. */
  readonly #pending = new Set<string>();
  /** Peers whose status request is in flight: at most one each. */
  readonly #asking = new Set<string>();
  /** Answered statuses ahead of our tip, not yet pulled from. */
  readonly #ahead = new Map<string, ChainStatus>();
  #stopped = false;
  /** The height each peer last reported, and when (ms, performance.now). */
  readonly #peerHeights = new Map<string, { height: number; at: number }>();
  /**
   * Peers whose last pull got us nowhere (their blocks are invalid to us, fork below our final
   * block, or the requests failed): their heights do not count as "ahead" until a pull succeeds,
   * so a peer claiming a chain we cannot follow does not stop us from proposing.
   */
  readonly #unfollowable = new Set<string>();
  #pulling = false;
  /** When a peer's block last became our tip (ms, performance.now); see {@link followed}. */
  #followedAt = Number.NEGATIVE_INFINITY;
  /** When each connected peer was last asked for its status (ms, performance.now). */
  readonly #askedAt = new Map<string, number>();

  constructor(options: BlockSyncOptions) {
    this.#options = options;
    this.#unsubscribe = options.network.onPeer((peer, event) => {
      if (event === 'connect') this.request(peer);
      else {
        this.#peerHeights.delete(peer);
        this.#pending.delete(peer);
        this.#ahead.delete(peer);
        this.#askedAt.delete(peer);
        this.#unfollowable.delete(peer);
      }
    });
    this.#timer = setInterval(() => this.#tick(), options.intervalMs ?? 1000);
    this.#timer.unref();
  }

  /** True while blocks are being pulled from a peer that is ahead. */
  get pulling(): boolean {
    return this.#pulling;
  }

  /** The highest height a peer reported within the last `maxAgeMs` (default 3000), if any. */
  highestPeerHeight(maxAgeMs = 3000): number | undefined {
    const now = performance.now();
    let highest: number | undefined;
    for (const [peer, { height, at }] of this.#peerHeights) {
      if (this.#unfollowable.has(peer) || now - at > maxAgeMs) continue;
      if (highest === undefined || height > highest) highest = height;
    }
    return highest;
  }

  /** Schedules a status check (and pull if behind) with `peer`. */
  request(peer: string): void {
    if (this.#stopped) return;
    this.#pending.add(peer);
    this.#askPending();
  }

  /** A block a peer gossiped became our tip: we are following the chain live. */
  followed(): void {
    this.#followedAt = performance.now();
  }

  /**
   * Every peer each tick, unless we follow the chain live (a peer's block became our tip within
   * the last {@link FOLLOW_TICKS} ticks and no peer is known to be more than a block ahead): then
   * only the peer asked least recently. Each status is a stream opened and closed on the
   * peer's connection; asking every peer every second was a third of an idle cluster's CPU
   * (bench/README.md, "refnode idle"). A node that falls behind stops following and asks all again.
   */
  #tick(): void {
    const peers = this.#options.network.peers();
    if (this.#following()) {
      const asked = (peer: string) => this.#askedAt.get(peer) ?? Number.NEGATIVE_INFINITY;
      const next = peers.reduce<string | undefined>(
        (best, peer) => (best === undefined || asked(peer) < asked(best) ? peer : best),
        undefined,
      );
      if (next !== undefined) this.#pending.add(next);
    } else for (const peer of peers) this.#pending.add(peer);
    this.#askPending();
  }

  #following(): boolean {
    const intervalMs = this.#options.intervalMs ?? 1000;
    if (performance.now() - this.#followedAt > FOLLOW_TICKS * intervalMs) return false;
    return (this.highestPeerHeight() ?? Number.NEGATIVE_INFINITY) <= this.#options.target.height() + 1;
  }

  /**
   * Asks every pending peer that has no status request in flight. Each answer counts as it
   * comes: one batch awaited together let a single peer that holds its stream without answering
   * (a peer across a partition, or frozen) hold back every other answer for the whole request
   * timeout, and a validator that heard no height proposed on a stale tip meanwhile and could
   * finalize it privately. Not while pulling: the pull's result changes what is worth asking.
   */
  #askPending(): void {
    if (this.#stopped || this.#pulling) return;
    const askedAt = performance.now();
    for (const peer of this.#pending) {
      if (this.#asking.has(peer)) continue;
      this.#pending.delete(peer);
      this.#asking.add(peer);
      this.#askedAt.set(peer, askedAt);
      void this.#ask(peer);
    }
  }

  async #ask(peer: string): Promise<void> {
    let status: ChainStatus | undefined;
    try {
      status = await this.#options.network.status(peer);
    } catch (error) {
      this.#options.logger.debug(
        { peer, err: (error as Error).message },
        `sync: status request to ${peer} failed`,
      );
    } finally {
      this.#asking.delete(peer);
    }
    if (this.#stopped) return;
    if (status !== undefined) {
      this.#peerHeights.set(peer, { height: status.height, at: performance.now() });
      if (status.height > this.#options.target.height()) this.#ahead.set(peer, status);
    }
    if (this.#ahead.size > 0) void this.#pullAhead();
    else this.#askPending();
  }

  /** Pulls from the peers found ahead, highest first, one at a time. */
  async #pullAhead(): Promise<void> {
    if (this.#pulling) return;
    this.#pulling = true;
    try {
      while (this.#ahead.size > 0 && !this.#stopped) {
        const [peer, status] = [...this.#ahead].reduce((a, b) => (b[1].height > a[1].height ? b : a));
        this.#ahead.delete(peer);
        if (status.height <= this.#options.target.height()) continue;
        const before = this.#options.target.height();
        await this.#pull(peer, status);
        const now = this.#options.target.height();
        if (now > before || now >= status.height - 1) this.#unfollowable.delete(peer);
        else this.#unfollowable.add(peer);
      }
    } finally {
      this.#pulling = false;
    }
    this.#askPending();
  }

  async #pull(peer: string, status: ChainStatus): Promise<void> {
    const { network, target, logger } = this.#options;
    const batch = this.#options.batch ?? 500;
    const startHeight = target.height();
    // Usually we are behind on the same chain: ask for what follows our tip. If its parent turns
    // out unknown we are on a fork, and fetch again from above our final block.
    let from = startHeight + 1;
    let forked = false;
    while (!this.#stopped && from <= status.height) {
      const to = Math.min(from + batch - 1, status.height);
      let encoded: Uint8Array[];
      try {
        encoded = await network.blocksByHeight(peer, from, to);
      } catch (error) {
        this.#options.onRequest?.('error');
        logger.debug(
          { peer, from, to, err: (error as Error).message },
          `sync: request ${from}..${to} to ${peer} failed`,
        );
        return;
      }
      if (encoded.length === 0) return;
      const { invalid, orphan } = await target.importBlocks(encoded, peer);
      this.#options.onRequest?.(invalid ? 'invalid' : 'ok');
      if (invalid) return;
      if (orphan) {
        if (forked) return;
        forked = true;
        from = target.reorgFloor() + 1;
        continue;
      }
      // A peer may answer fewer blocks than asked (its answer is capped in bytes).
      from += encoded.length;
    }
    if (target.height() > startHeight) {
      logger.info(
        { peer, from: startHeight, to: target.height() },
        `sync: caught up from height ${startHeight} to ${target.height()} with ${peer}`,
      );
    }
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#unsubscribe();
  }
}
