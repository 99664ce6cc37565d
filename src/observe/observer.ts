/**
 * Watches every node of a cluster and writes what it sees into a `Recording`:
 * one block feed per node (reconnecting when the node restarts, backfilling what was
 * missed), periodic samples (`info()`, `mempool()`, and `gossipView()` while a foreign gossip
 * peer is watched), tx inclusion and finality.
 * Matchers never talk to nodes; they read the recording and may ask for `refresh()`.
 */

import { finalBelowTip, finalHeightOf, finalityDepth, hasFacet } from '../adapter/facets.ts';
import type {
  Block,
  BlockHeader,
  ChainClient,
  ChainFacts,
  NodeRole,
  RequestOptions,
  StateSnapshot,
} from '../adapter/types.ts';
import type { NodeState } from '../deployers/deployer.ts';
import type { Clock } from '../support/clock.ts';
import { systemClock } from '../support/clock.ts';
import { probeBlobs, retrievedIntact } from './blob-probe.ts';
import { probeGossipTxs } from './gossip-probe.ts';
import type { BlobRecord, BlockObservation, ClockSample, TxRecord } from './recording.ts';
import { Recording } from './recording.ts';

/** A node as the observer sees it. `nodes()` may return a new client after a restart. */
export interface ObservedNode {
  name: string;
  role: NodeRole;
  client: ChainClient;
  /**
   * Where the cluster has the node (a cluster's nodes say). Default `running`. A node that is
   * not running cannot answer: a refresh neither samples nor waits on it and the blob probes
   * leave it out, while the periodic samples go on, so its silence is still recorded.
   */
  readonly state?: NodeState;
}

/** Options of `startObserver`. */
export interface ObserverOptions {
  /** The cluster's current nodes; polled every sample, so nodes may join and leave. */
  nodes: () => readonly ObservedNode[];
  facts: ChainFacts;
  /** The run's seed (stored in the recording, printed by matchers). */
  seed: number;
  /** Default: the system clock (immune to fake timers). */
  clock?: Clock;
  /** Period of `info()`/`mempool()` samples per node. Default 1000 ms. */
  sampleEveryMs?: number;
  /** Write into this recording instead of a new one. */
  recording?: Recording;
  /** Timeout of each sample request. Default `max(1000, 2 * sampleEveryMs)` ms. */
  requestTimeoutMs?: number;
  /**
   * Read each node's clock with every sample (facet `clock-skew`: one more request per
   * sample). Default false; clusters started with the `clockSkew` option turn it on.
   */
  sampleClocks?: boolean;
}

/** Options of `refresh()`. */
export interface RefreshOptions {
  /** Also take `state()` snapshots at each node's final height (for supply checks). Default false. */
  state?: boolean;
  /** Also ask each node what became of the txs published to it by gossip (facet `gossip`). Default false. */
  gossipTxs?: boolean;
}

/** A running observer. `stop()` is idempotent. */
export interface StartedObserver extends AsyncDisposable {
  readonly recording: Recording;
  /** Samples every node now (and with `state: true` snapshots state and fills the chain). */
  refresh(opts?: RefreshOptions): Promise<void>;
  /**
   * Samples every node's gossip view (facet `gossip`) with each sample while the returned
   * handle is not disposed, keeping the views of `peerIds` (a foreign peer) and the queues.
   */
  watchGossip(peerIds: readonly string[]): Disposable;
  stop(): Promise<void>;
}

/** Shortest timeout of a gossip view request (ms); see `#sampleGossip`. */
const GOSSIP_VIEW_TIMEOUT_MS = 5000;
/** Longest pause between feed reconnection attempts. */
const MAX_BACKOFF_MS = 1000;
/** Longest pause before retrying a failed backfill (doubling from 250 ms), so a node that keeps refusing is not asked every sample. */
const MAX_BACKFILL_RETRY_MS = 8000;
/** Longest wait of `refresh()` for a node's feed to bring the block the node is at. */
const CATCH_UP_MS = 3000;
const CATCH_UP_POLL_MS = 20;
/** Blocks fetched per step when a backfill walks back towards a known block (the client pages each request). */
const BACKFILL_PAGE = 500;

interface Sighting {
  node: string;
  height: number;
  hash: string;
  at: number;
}

/** The observer's live state for one node. */
interface NodeWatch {
  name: string;
  role: NodeRole;
  client: ChainClient;
  /** The node as `nodes()` last returned it (for its state). */
  node: ObservedNode;
  /** Aborted when the node is no longer watched. */
  life: AbortController;
  /** Aborted to drop the current feed connection (e.g. the client changed). */
  conn: AbortController | undefined;
  /** The node's best chain as far as we know: height → block. */
  chain: Map<number, BlockObservation>;
  tip: number;
  final: number;
  backfill: Promise<void> | undefined;
  backfillTo: number;
  /** Up to where a backfill failed (e.g. the node was stopping), to retry once it answers again; -1: none. */
  backfillRetryTo: number;
  /** Backfills failed in a row, and the recording time before which none is retried. */
  backfillFailures: number;
  backfillRetryAt: number;
  /** The sample in flight, if any. */
  sampling: Promise<void> | undefined;
  /** Whether the node answered its last sample (a refresh does not wait on one that did not). */
  answered: boolean;
  loop: Promise<void>;
}

/**
 * Starts watching `nodes()`. Cheap: one SSE connection per node plus two small requests
 * per node per `sampleEveryMs`.
 *
 * @example
 * await using observer = startObserver({ nodes: () => cluster.nodes, facts, seed });
 * await observer.refresh({ state: true });
 * console.log(observer.recording.finalHeightAt('val-0'));
 */
export function startObserver(opts: ObserverOptions): StartedObserver {
  return new Observer(opts);
}

/** Whether the node runs (the cluster has not paused or stopped it), so it can answer. */
function canAnswer(w: NodeWatch): boolean {
  return (w.node.state ?? 'running') === 'running';
}

class Observer implements StartedObserver {
  readonly recording: Recording;
  readonly #clock: Clock;
  readonly #nodesFn: () => readonly ObservedNode[];
  readonly #timeoutMs: number;
  readonly #reorgDepth: number;
  readonly #facts: ChainFacts;
  readonly #watches = new Map<string, NodeWatch>();
  readonly #sightings = new Map<string, Sighting[]>();
  /** Included, not yet final txs by inclusion height. */
  readonly #pendingFinal = new Map<number, Set<string>>();
  readonly #ticker: Disposable;
  #blobProbe: Promise<void> | undefined;
  #statusProbe: Promise<void> | undefined;
  /** Peer ids whose gossip views are sampled, with how many watches ask for each. */
  readonly #gossipWatched = new Map<string, number>();
  readonly #txSub: Disposable;
  #stopped: Promise<void> | undefined;

  readonly #sampleClocks: boolean;

  constructor(opts: ObserverOptions) {
    const every = opts.sampleEveryMs ?? 1000;
    if (!Number.isFinite(every) || every < 10) {
      throw new RangeError(
        `startObserver: sampleEveryMs must be a number ≥ 10, got ${String(opts.sampleEveryMs)}`,
      );
    }
    this.#clock = opts.clock ?? systemClock;
    this.#nodesFn = opts.nodes;
    this.#timeoutMs = opts.requestTimeoutMs ?? Math.max(1000, 2 * every);
    this.#sampleClocks = (opts.sampleClocks ?? false) && opts.facts.facets.includes('clock-skew');
    this.#reorgDepth = Math.min(BACKFILL_PAGE, Math.max(6, finalityDepth(opts.facts)) + 1);
    this.#facts = opts.facts;
    this.recording =
      opts.recording ?? new Recording({ seed: opts.seed, facts: opts.facts, clock: this.#clock });
    this.#txSub = this.recording.onTxRecorded((r) => this.#linkRecorded(r));
    this.#syncNodes();
    this.#tick();
    this.#ticker = this.#clock.setInterval(() => this.#tick(), every);
  }

  async refresh(opts: RefreshOptions = {}): Promise<void> {
    if (this.#stopped) return;
    this.#syncNodes();
    await Promise.all([
      this.#sampleAll(),
      this.#statusProbe,
      this.#blobProbe,
      opts.gossipTxs ? probeGossipTxs(this.recording, this.#probeNodes()) : undefined,
    ]);
    // A sample may show a block's effects (a tx gone from a mempool) before the feed has
    // brought that block: the recording holds each node's chain up to where it is now.
    await Promise.all(this.#answering().map((w) => this.#catchUp(w)));
    if (!opts.state) return;
    await Promise.all([...this.#watches.values()].map((w) => this.#snapshotState(w)));
  }

  watchGossip(peerIds: readonly string[]): Disposable {
    const ids = [...new Set(peerIds)];
    for (const id of ids) this.#gossipWatched.set(id, (this.#gossipWatched.get(id) ?? 0) + 1);
    let disposed = false;
    return {
      [Symbol.dispose]: () => {
        if (disposed) return;
        disposed = true;
        for (const id of ids) {
          const n = (this.#gossipWatched.get(id) ?? 1) - 1;
          if (n > 0) this.#gossipWatched.set(id, n);
          else this.#gossipWatched.delete(id);
        }
      },
    };
  }

  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#ticker[Symbol.dispose]();
      this.#txSub[Symbol.dispose]();
      const watches = [...this.#watches.values()];
      for (const w of watches) w.life.abort();
      await Promise.allSettled([
        ...watches.flatMap((w) => [w.loop, w.backfill, w.sampling]),
        this.#blobProbe,
      ]);
    })();
    return this.#stopped;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  // ---- node set ------------------------------------------------------------------------

  #syncNodes(): void {
    let current: readonly ObservedNode[];
    try {
      current = this.#nodesFn();
    } catch {
      return; // the cluster is being torn down
    }
    const seen = new Set<string>();
    for (const n of current) {
      seen.add(n.name);
      const w = this.#watches.get(n.name);
      if (w) w.node = n;
      if (!w) {
        this.#watch(n);
      } else if (w.client !== n.client) {
        // Restarted somewhere else (e.g. a new container port): reconnect with the new client.
        w.client = n.client;
        w.conn?.abort();
      }
    }
    for (const [name, w] of this.#watches) {
      if (!seen.has(name)) {
        w.life.abort();
        this.#watches.delete(name);
        this.recording.removeNode(name);
      }
    }
  }

  #watch(n: ObservedNode): void {
    this.recording.addNode(n.name, n.role);
    const w: NodeWatch = {
      name: n.name,
      role: n.role,
      client: n.client,
      node: n,
      life: new AbortController(),
      conn: undefined,
      chain: new Map(),
      tip: -1,
      final: -1,
      backfill: undefined,
      backfillTo: -1,
      backfillRetryTo: -1,
      backfillFailures: 0,
      backfillRetryAt: 0,
      sampling: undefined,
      answered: true,
      loop: Promise.resolve(),
    };
    this.#watches.set(n.name, w);
    w.loop = this.#feedLoop(w);
  }

  // ---- block feed ----------------------------------------------------------------------

  async #feedLoop(w: NodeWatch): Promise<void> {
    let backoff = 100;
    let lost = false;
    while (!w.life.signal.aborted) {
      const conn = new AbortController();
      w.conn = conn;
      const onLife = (): void => conn.abort();
      w.life.signal.addEventListener('abort', onLife, { once: true });
      let reason = 'stream ended';
      try {
        for await (const ev of w.client.blockFeed(conn.signal)) {
          if (lost) {
            lost = false;
            this.recording.nodeEvent(w.name, 'feed-restored');
          }
          backoff = 100;
          if (ev.type === 'block') this.#onBlock(w, ev.header);
          else this.#onFinalized(w, ev.height, ev.hash);
        }
      } catch (e) {
        reason = errorText(e);
      } finally {
        w.life.signal.removeEventListener('abort', onLife);
      }
      if (w.life.signal.aborted) break;
      if (!lost) {
        lost = true;
        this.recording.nodeEvent(w.name, 'feed-lost', reason);
      }
      try {
        await this.#clock.sleep(backoff, w.life.signal);
      } catch {
        break;
      }
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  #onBlock(w: NodeWatch, header: BlockHeader): void {
    const obs: BlockObservation = { ...header, node: w.name, at: this.recording.now(), source: 'feed' };
    this.recording.addBlock(obs);
    for (let h = header.height + 1; h <= w.tip; h++) w.chain.delete(h);
    w.chain.set(header.height, obs);
    w.tip = header.height;
    this.#sight(w, obs);
    // Under a depth rule every new tip makes the block `depth` below it final.
    if (this.#facts.finality.rule !== 'reported')
      this.#advanceFinal(w, finalBelowTip(this.#facts, header.height));
    if (header.height > 0 && w.chain.get(header.height - 1)?.hash !== header.parent) {
      this.#requestBackfill(w, header.height - 1);
    }
  }

  /** Moves a node's known final height up (never down) and settles tx finality. */
  #advanceFinal(w: NodeWatch, height: number): void {
    if (height > w.final) {
      w.final = height;
      this.#settleFinality(w);
    }
  }

  #onFinalized(w: NodeWatch, height: number, hash: string): void {
    this.recording.addFinalized({ node: w.name, at: this.recording.now(), height, hash });
    if (height > w.final) {
      w.final = height;
      this.#settleFinality(w);
    }
  }

  // ---- backfill ------------------------------------------------------------------------

  /**
   * Waits (at most {@link CATCH_UP_MS}) until our view of `w`'s chain holds the node's tip as
   * it answers now, backfilling when the feed is behind. A node that does not answer, or a feed
   * that stays behind, leaves the recording as it is: judging older data is still meaningful.
   */
  async #catchUp(w: NodeWatch): Promise<void> {
    if (!w.answered) return;
    let info: { height: number; tip: string };
    try {
      info = await w.client.info({ signal: w.life.signal, timeoutMs: this.#timeoutMs });
    } catch {
      return;
    }
    // Past the answered tip with no backfill pending, the answered block is known or replaced.
    const caughtUp = (): boolean =>
      w.chain.get(info.height)?.hash === info.tip || (w.tip > info.height && !w.backfill);
    const until = this.#clock.monotonic() + CATCH_UP_MS;
    while (!caughtUp() && !w.life.signal.aborted && this.#clock.monotonic() < until) {
      if (w.tip < info.height) this.#requestBackfill(w, info.height);
      try {
        await this.#clock.sleep(CATCH_UP_POLL_MS, w.life.signal);
      } catch {
        return;
      }
    }
    if (!caughtUp() && !w.life.signal.aborted)
      this.recording.nodeEvent(
        w.name,
        'feed-behind',
        `no block ${info.height} (${info.tip.slice(0, 8)}…) within ${CATCH_UP_MS} ms`,
      );
  }

  /**
   * Fetches what we missed of a node's chain up to `to` (one backfill in flight per node).
   * After a failed backfill, every request waits out the retry pause, whoever asks (the feed,
   * a sample that sees the node ahead of its feed, or the retry itself): the next successful
   * sample after the pause makes it.
   */
  #requestBackfill(w: NodeWatch, to: number): void {
    if (w.backfillFailures > 0 && this.recording.now() < w.backfillRetryAt) {
      w.backfillRetryTo = Math.max(w.backfillRetryTo, to);
      return;
    }
    w.backfillTo = Math.max(w.backfillTo, to);
    if (w.backfill) return;
    w.backfill = (async () => {
      let target = -1;
      try {
        while (w.backfillTo >= 0 && !w.life.signal.aborted) {
          target = w.backfillTo;
          w.backfillTo = -1;
          await this.#fillGaps(w, target);
        }
        w.backfillFailures = 0;
      } catch (e) {
        if (w.life.signal.aborted) return;
        this.recording.nodeEvent(w.name, 'backfill-failed', errorText(e));
        // A gap stays a gap: the feed only asks again when a block's parent is unknown,
        // which a node restarted right after the gap opened may never show again.
        w.backfillRetryTo = Math.max(w.backfillRetryTo, target, w.backfillTo);
        w.backfillTo = -1;
        w.backfillFailures++;
        w.backfillRetryAt =
          this.recording.now() + Math.min(MAX_BACKFILL_RETRY_MS, 250 * 2 ** (w.backfillFailures - 1));
      } finally {
        w.backfill = undefined;
      }
    })();
  }

  /** Makes our view of `w`'s chain complete and linked from genesis up to `to`. */
  async #fillGaps(w: NodeWatch, to: number): Promise<void> {
    let hi = to;
    while (hi >= 0 && !w.life.signal.aborted) {
      let lo = hi;
      while (lo >= 0 && !w.chain.has(lo)) lo--;
      // `lo` is the highest height ≤ hi we already know; fetch above it. When nothing is
      // missing, check the link below instead (a reorg may have replaced older blocks).
      if (lo === hi) {
        const above = w.chain.get(hi + 1);
        if (!above || hi < 0 || above.parent === w.chain.get(hi)?.hash) return;
        // A reorg never reaches below the final height: k + 1 blocks cover it.
        lo = Math.max(-1, hi - this.#reorgDepth);
      }
      const from = Math.max(lo + 1, hi - BACKFILL_PAGE + 1);
      const blocks = await w.client.blocks(from, hi, { signal: w.life.signal, timeoutMs: 10_000 });
      if (blocks.length === 0) return;
      for (const b of blocks) this.#onBackfilled(w, b);
      const first = blocks[0]!;
      if (first.height === 0 || w.chain.get(first.height - 1)?.hash === first.parent) return;
      hi = first.height - 1;
    }
  }

  #onBackfilled(w: NodeWatch, block: Block): void {
    const { txs, ...rest } = block;
    const header: BlockHeader = { ...rest, txIds: block.txIds ?? txs.map((t) => t.id) };
    const obs: BlockObservation = {
      hash: header.hash,
      parent: header.parent,
      height: header.height,
      slot: header.slot,
      timestamp: header.timestamp,
      proposer: header.proposer,
      stateRoot: header.stateRoot,
      txIds: header.txIds,
      node: w.name,
      at: this.recording.now(),
      source: 'backfill',
    };
    for (const t of txs) {
      this.recording.addTxBody({
        id: t.id,
        from: t.from,
        to: t.to,
        amount: t.amount,
        fee: t.fee,
        nonce: t.nonce,
      });
    }
    const known = w.chain.get(header.height);
    if (known?.hash === header.hash) return;
    this.recording.addBlock(obs);
    w.chain.set(header.height, obs);
    if (header.height > w.tip) w.tip = header.height;
    this.#sight(w, obs);
    this.#settleFinality(w);
  }

  // ---- samples and state ---------------------------------------------------------------

  #tick(): void {
    if (this.#stopped) return;
    this.#syncNodes();
    // Per node: a paused or slow node must neither pile up requests nor delay the others.
    for (const w of this.#watches.values()) if (!w.sampling) this.#startSample(w);
    // Two probes, each at most one at a time: a light one for where blobs are (so a reorg
    // that moved one is seen at once), a heavier one for certificates and payloads.
    if (!this.#statusProbe && this.recording.blobs.size > 0) {
      this.#statusProbe = this.#probeBlobStatus().finally(() => {
        this.#statusProbe = undefined;
      });
    }
    if (!this.#blobProbe && this.#unsettledBlobs()) {
      this.#blobProbe = this.#probeBlobContents().finally(() => {
        this.#blobProbe = undefined;
      });
    }
  }

  /** True while a published, final blob still lacks its certificate check or a retrieval. */
  #unsettledBlobs(): boolean {
    for (const b of this.recording.blobs.values()) {
      if (b.outcome !== 'accepted' || b.includedAt === undefined) continue;
      if (b.certificate === undefined || b.certificate.blockHash !== b.blockHash) return true;
      if (!retrievedIntact(b, 'other-node')) return true;
    }
    return false;
  }

  /**
   * A test for blobs whose recorded block every active node has replaced at that height (a
   * reorg moved them), over the nodes' recorded best chains taken once.
   */
  #movedTest(): (b: BlobRecord) => boolean {
    const rec = this.recording;
    const chains = rec.activeNodes().map((n) => rec.bestChain(n.name));
    return (b) => {
      if (b.height === undefined || b.blockHash === undefined || chains.length === 0) return false;
      return chains.every((c) => {
        const h = c.get(b.height!)?.hash;
        return h !== undefined && h !== b.blockHash;
      });
    };
  }

  #probeNodes(): { name: string; role: NodeRole; client: ChainClient }[] {
    return this.#answering().map((w) => ({ name: w.name, role: w.role, client: w.client }));
  }

  /** Where blobs are: not yet included ones, and included ones a reorg moved. */
  async #probeBlobStatus(): Promise<void> {
    const isMoved = this.#movedTest();
    const moved = [...this.recording.blobs.values()].filter(isMoved).map((b) => b.id);
    try {
      await probeBlobs(this.recording, this.#probeNodes(), undefined, { timeoutMs: 3000 });
      if (moved.length > 0)
        await probeBlobs(this.recording, this.#probeNodes(), moved, {
          refreshIncluded: true,
          timeoutMs: 3000,
        });
    } catch (e) {
      this.recording.nodeEvent('(observer)', 'blob-probe-failed', errorText(e));
    }
  }

  /**
   * Certificates (verified by the adapter) and payloads from a node other than the entry
   * point, once a blob's block is final: a reorg cannot move it any more, and the nodes are
   * spared the work for blocks that may still change. `toMakeAvailable` reads the results.
   */
  async #probeBlobContents(): Promise<void> {
    const final = Math.max(-1, ...[...this.#watches.values()].map((w) => w.final));
    const due = [...this.recording.blobs.values()]
      .filter((b) => b.height !== undefined && b.height <= final)
      .map((b) => b.id);
    try {
      await probeBlobs(this.recording, this.#probeNodes(), due, {
        retrieve: true,
        certificates: true,
        timeoutMs: 3000,
      });
    } catch (e) {
      this.recording.nodeEvent('(observer)', 'blob-probe-failed', errorText(e));
    }
  }

  /** Samples every node that can answer now (after its sample in flight, if any). */
  async #sampleAll(): Promise<void> {
    const watches = this.#answering();
    await Promise.all(watches.map((w) => w.sampling));
    await Promise.all(watches.map((w) => this.#startSample(w)));
  }

  /** The watched nodes that can answer: a paused or stopped one would only cost a timeout. */
  #answering(): NodeWatch[] {
    return [...this.#watches.values()].filter(canAnswer);
  }

  #startSample(w: NodeWatch): Promise<void> {
    const run = this.#sample(w).finally(() => {
      if (w.sampling === run) w.sampling = undefined;
    });
    w.sampling = run;
    return run;
  }

  async #sample(w: NodeWatch): Promise<void> {
    const req = { signal: w.life.signal, timeoutMs: this.#timeoutMs };
    const gossip = this.#sampleGossip(w, req);
    const askedAt = this.recording.now();
    try {
      // Mempool details where the chain offers them (facet `mempool`), the node's clock where
      // asked (`sampleClocks`); a clock that does not answer leaves just that part out.
      const [info, mempool, clock] = await Promise.all([
        w.client.info(req),
        hasFacet(this.recording, 'mempool') && w.client.mempool ? w.client.mempool(req) : undefined,
        this.#sampleClocks ? this.#readClock(w.client, req) : undefined,
      ]);
      if (w.life.signal.aborted) return;
      w.answered = true;
      this.recording.addSample({
        node: w.name,
        at: this.recording.now(),
        askedAt,
        ok: true,
        info,
        ...(mempool ? { mempool } : {}),
        ...(clock ? { clock } : {}),
      });
      this.#advanceFinal(w, finalHeightOf(this.#facts, info));
      // The feed is down or behind (e.g. the node restarted): catch up from the API.
      if (info.height > w.tip + 1) this.#requestBackfill(w, info.height);
      // The node answers again: fill what a failed backfill left.
      if (w.backfillRetryTo >= 0 && this.recording.now() >= w.backfillRetryAt) {
        const to = w.backfillRetryTo;
        w.backfillRetryTo = -1;
        this.#requestBackfill(w, to);
      }
    } catch (e) {
      if (w.life.signal.aborted) return;
      w.answered = false;
      this.recording.addSample({ node: w.name, at: this.recording.now(), ok: false, error: errorText(e) });
    } finally {
      await gossip;
    }
  }

  /** A gossip sample of `w` while foreign peers are watched (facet `gossip`); never throws. */
  async #sampleGossip(w: NodeWatch, req: { signal: AbortSignal; timeoutMs: number }): Promise<void> {
    if (this.#gossipWatched.size === 0 || !hasFacet(this.recording, 'gossip') || !w.client.gossipView) return;
    const watched = new Set(this.#gossipWatched.keys());
    try {
      // A node reading a flood answers late; its view is stamped on arrival, so a late one is
      // still true evidence (`toPenalize` judges by it) where a timeout leaves the node unseen.
      const view = await w.client.gossipView({
        ...req,
        timeoutMs: Math.max(req.timeoutMs, GOSSIP_VIEW_TIMEOUT_MS),
      });
      if (w.life.signal.aborted) return;
      const peerQueues = { outboundBytes: 0, inboundBytes: 0 };
      for (const p of view.peers) {
        peerQueues.outboundBytes = Math.max(peerQueues.outboundBytes, p.queue.outboundBytes);
        peerQueues.inboundBytes = Math.max(peerQueues.inboundBytes, p.queue.inboundBytes);
      }
      this.recording.addGossipSample({
        node: w.name,
        at: this.recording.now(),
        ok: true,
        ...(view.thresholds ? { thresholds: view.thresholds } : {}),
        ...(view.penalties === undefined ? {} : { penalties: view.penalties }),
        queues: view.queues,
        peerQueues,
        peers: view.peers.filter((p) => watched.has(p.peerId)),
      });
    } catch (e) {
      if (w.life.signal.aborted) return;
      this.recording.addGossipSample({
        node: w.name,
        at: this.recording.now(),
        ok: false,
        error: errorText(e),
      });
    }
  }

  /** The node's clock with its offset from ours, measured at the middle of the request. */
  async #readClock(client: ChainClient, req: RequestOptions): Promise<ClockSample | undefined> {
    if (!client.clock) return undefined;
    const before = this.#clock.now();
    try {
      const reading = await client.clock(req);
      const after = this.#clock.now();
      return {
        ...reading,
        offsetMs: Math.round(reading.now - (before + after) / 2),
        uncertaintyMs: Math.ceil((after - before) / 2),
      };
    } catch {
      return undefined;
    }
  }

  /** Reads the chain's own supply total (facet `supply`) at the node's final height. */
  async #readSupply(w: NodeWatch): Promise<void> {
    if (!hasFacet(this.recording, 'supply') || !w.client.supply) return;
    try {
      const s = await w.client.supply(undefined, { signal: w.life.signal, timeoutMs: 10_000 });
      this.recording.addSupply({ node: w.name, at: this.recording.now(), ...s });
    } catch (e) {
      if (!w.life.signal.aborted) this.recording.nodeEvent(w.name, 'supply-failed', errorText(e));
    }
  }

  async #snapshotState(w: NodeWatch): Promise<void> {
    if (!canAnswer(w)) {
      // Asking would only wait out the timeouts; the events say why there is no reading.
      const why = `not read: the node is ${w.node.state}`;
      if (hasFacet(this.recording, 'supply') && w.client.supply)
        this.recording.nodeEvent(w.name, 'supply-failed', why);
      if (hasFacet(this.recording, 'accounts') && w.client.state)
        this.recording.nodeEvent(w.name, 'state-failed', why);
      return;
    }
    await this.#readSupply(w);
    // State snapshots exist only for account chains (facet `accounts`).
    if (!hasFacet(this.recording, 'accounts') || !w.client.state) return;
    let snapshot: StateSnapshot;
    try {
      snapshot = await w.client.state(undefined, { signal: w.life.signal, timeoutMs: 10_000 });
    } catch (e) {
      if (!w.life.signal.aborted) this.recording.nodeEvent(w.name, 'state-failed', errorText(e));
      return;
    }
    // A supply replay needs every block up to the snapshot with every tx body. The state is
    // recorded after them: a replay reads the node's chain as recorded at the state's time.
    try {
      await w.backfill;
      const stale = w.chain.get(snapshot.height)?.hash !== snapshot.hash;
      const missing: number[] = [];
      for (let h = 0; h <= snapshot.height; h++) {
        const b = w.chain.get(h);
        if (stale || !b || b.txIds.some((id) => !this.recording.txBody(id))) missing.push(h);
      }
      for (const [lo, hi] of ranges(missing)) {
        const blocks = await w.client.blocks(lo, hi, { signal: w.life.signal, timeoutMs: 10_000 });
        for (const b of blocks) this.#onBackfilledForce(w, b);
      }
    } catch (e) {
      if (!w.life.signal.aborted) this.recording.nodeEvent(w.name, 'backfill-failed', errorText(e));
    }
    this.recording.addState({ node: w.name, at: this.recording.now(), snapshot });
  }

  /** Like a backfill, but records the block even when we had it (to register tx bodies). */
  #onBackfilledForce(w: NodeWatch, block: Block): void {
    for (const t of block.txs) {
      this.recording.addTxBody({
        id: t.id,
        from: t.from,
        to: t.to,
        amount: t.amount,
        fee: t.fee,
        nonce: t.nonce,
      });
    }
    this.#onBackfilled(w, block);
  }

  // ---- tx inclusion and finality -------------------------------------------------------

  #sight(w: NodeWatch, b: BlockObservation): void {
    for (const id of b.txIds) {
      const s: Sighting = { node: w.name, height: b.height, hash: b.hash, at: b.at };
      const list = this.#sightings.get(id);
      if (list) list.push(s);
      else this.#sightings.set(id, [s]);
      const tx = this.recording.txs.get(id);
      if (tx && tx.includedAt === undefined) this.#include(tx, s);
    }
  }

  /** A tx record arrived (possibly after its block): link it to what we already saw. */
  #linkRecorded(tx: TxRecord): void {
    if (tx.includedAt !== undefined) return;
    for (const s of this.#sightings.get(tx.id) ?? []) {
      if (this.#watches.get(s.node)?.chain.get(s.height)?.hash === s.hash) {
        this.#include(tx, s);
        return;
      }
    }
  }

  #include(tx: TxRecord, s: Sighting, settle = true): void {
    tx.includedAt = s.at;
    tx.height = s.height;
    tx.blockHash = s.hash;
    tx.includedOn = s.node;
    let bucket = this.#pendingFinal.get(s.height);
    if (!bucket) {
      bucket = new Set();
      this.#pendingFinal.set(s.height, bucket);
    }
    bucket.add(tx.id);
    if (!settle) return;
    for (const w of this.#watches.values()) if (w.final >= s.height) this.#settleFinality(w);
  }

  /** Marks txs final that sit at or below `w`'s final height on its chain; relinks forked ones. */
  #settleFinality(w: NodeWatch): void {
    let relinked = false;
    for (const [height, ids] of [...this.#pendingFinal]) {
      if (height > w.final) continue;
      const block = w.chain.get(height);
      if (!block) continue; // not backfilled yet; settled when it is
      for (const id of ids) {
        const tx = this.recording.txs.get(id);
        ids.delete(id);
        if (!tx) continue;
        if (tx.blockHash === block.hash) {
          tx.finalAt = this.recording.now();
          continue;
        }
        if (tx.height !== height) continue; // relinked elsewhere meanwhile
        // It was included on a fork that lost: find it on this final chain, or unlink it.
        delete tx.includedAt;
        delete tx.height;
        delete tx.blockHash;
        delete tx.includedOn;
        const again = (this.#sightings.get(id) ?? []).find((s) => w.chain.get(s.height)?.hash === s.hash);
        if (again) {
          this.#include(tx, again, false);
          relinked = true;
        }
      }
      if (ids.size === 0 && this.#pendingFinal.get(height) === ids) this.#pendingFinal.delete(height);
    }
    // A relinked tx sits on w's chain, so one more pass settles it (no further relinks).
    if (relinked) this.#settleFinality(w);
  }
}

function ranges(sorted: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const h of sorted) {
    const last = out.at(-1);
    if (last && last[1] === h - 1) last[1] = h;
    else out.push([h, h]);
  }
  return out;
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n', 1)[0] ?? e.message;
  return String(e);
}
