import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import {
  type Block,
  blockSummary,
  type CompactBlock,
  decodeBlock,
  decodeCompactBlock,
  encodeBlock,
  encodeCompactBlock,
} from './chain/block.ts';
import { type AddOutcome, Chain, type ChainNode, nodeKey } from './chain/chain.ts';
import type { Account, LedgerState } from './chain/ledger.ts';
import {
  type BlockTx,
  type CheckedTx,
  checkTxShape,
  isRejection,
  isShapeChecked,
  type Rejection,
  type RejectionCode,
  rejectionCodes,
  VerifyCache,
} from './chain/tx-check.ts';
import { VerifyPool, VerifyPoolStopped } from './chain/verify-pool.ts';
import { keyPairFromSeed, type SignedTx, txId } from './codec.ts';
import type { NodeConfig } from './config.ts';
import { DaService } from './da/da-service.ts';
import { ConfigError } from './errors.ts';
import { EventLoopLag } from './event-loop-lag.ts';
import { FutureBlocks } from './future-blocks.ts';
import { type Genesis, genesisHash, loadGenesis } from './genesis.ts';
import { encodeTxsMessage } from './gossip-codec.ts';
import { Mempool } from './mempool.ts';
import { createMetrics, type NodeMetrics } from './metrics.ts';
import { OrphanBlocks } from './orphan-blocks.ts';
import { isP2pError } from './p2p/errors.ts';
import { type Network, startNetwork, type Verdict } from './p2p/network.ts';
import { BlockStore } from './storage.ts';
import { BlockSync } from './sync.ts';

/** Status of a tx as `GET /txs/:id` reports it. */
export type TxStatus =
  | { status: 'included'; height: number; blockHash: string }
  | { status: 'pending' }
  | { status: 'rejected'; reason: RejectionCode; message: string }
  | { status: 'unknown' };

/** The stake-majority rule's view: a validator proposes only while `quorum` (see `#seesStakeMajority`). */
export interface StakeView {
  /** Stake of every genesis validator, including ones that never started or left for good. */
  total: number;
  /** Stake of this node (if a validator) and the validators it is connected to. */
  seen: number;
  /** seen > total / 2 (always true with the `no-stake-quorum` bug). */
  quorum: boolean;
}

/** Events: `block` (summary of a block joining the best chain), `finalized` ({ height, hash }). */
export type NodeEvents = {
  block: [ReturnType<typeof blockSummary>];
  finalized: [{ height: number; hash: string }];
};

const txFlushMs = 25;
/** Executable txs pending this long are gossiped again (at most 1000 per second). */
const rebroadcastAfterMs = 3000;
const rebroadcastEveryMs = 1000;
const maxTxsPerGossip = 1000;
const rejectedMemory = 100_000;
/**
 * Gossiped txs are dropped (not verified) once the verify backlog is this many times the API's
 * limit: a node slower than its peers must not queue their txs without bound. They still reach
 * it inside blocks, and the senders re-gossip what stays pending.
 */
const gossipShedFactor = 4;
/** Gossiped txs are also dropped unread while the event loop lags this many times the API's limit. */
const gossipShedLagFactor = 2;
/** How stale the count of executable mempool txs behind `admission.maxPendingTxs` may be. */
const executableRecountMs = 50;
/** Upper bound of the default `admission.maxVerifyWaitMs` (one slot). */
const maxDefaultVerifyWaitMs = 1000;
/** Bytes of blocks in one sync answer; below the p2p layer's 32 MiB answer limit. */
const maxSyncAnswerBytes = 16 * 1024 * 1024;

/**
 * The id a refused tx is known by (`GET /txs/:id`): computable whenever the signed fields have
 * the right types, even if the tx is refused (wrong chain, fee too low, bad signature, extra field).
 */
function idOfRefused(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const t = raw as Record<string, unknown>;
  if (typeof t.chainId !== 'string' || typeof t.from !== 'string' || typeof t.to !== 'string')
    return undefined;
  if (typeof t.amount !== 'number' || typeof t.fee !== 'number' || typeof t.nonce !== 'number')
    return undefined;
  return txId(t as never);
}

/** The longest prefix of `blocks` within `limit` bytes (at least one block). */
function capBytes(blocks: Uint8Array[], limit: number): Uint8Array[] {
  let total = 0;
  for (let i = 0; i < blocks.length; i++) {
    total += blocks[i]!.byteLength;
    if (total > limit && i > 0) return blocks.slice(0, i);
  }
  return blocks;
}

/**
 * One running refnode: chain, mempool, storage, p2p and the slot clock wired together.
 * Build with {@link RefNode.start}; `stop()` is idempotent.
 */
export class RefNode implements AsyncDisposable {
  readonly config: NodeConfig;
  readonly genesis: Genesis;
  readonly logger: Logger;
  readonly metrics: NodeMetrics;
  readonly chain: Chain;
  readonly mempool: Mempool;
  readonly verifyCache = new VerifyCache();
  /** Verifies tx signatures off the event loop; its backlog drives `overloaded` refusals. */
  readonly verifier: VerifyPool;
  /** How late the event loop runs; with the verify backlog it drives `overloaded` refusals. */
  readonly loopLag: EventLoopLag;
  /**
   * How long a new tx may wait for its signature check before the API refuses `overloaded`:
   * `admission.maxVerifyWaitMs`, by default one slot (at most 1 s). A longer backlog cannot go
   * into the next blocks anyway, and verifying it takes the CPU the slots need: with 250 ms
   * slots and twice a 4-validator cluster's capacity offered, a 1 s limit included 69–86 % of
   * the peak rate and made 56–58 % of the due blocks, one slot 86–100 % and 72–88 %
   * (bench/README.md, "A verify backlog of one slot").
   */
  readonly maxVerifyWaitMs: number;
  readonly events = new EventEmitter<NodeEvents>();
  readonly publicKey: string;
  /** Data availability: blob store, dispersal (executors), chunks and attestations (validators), retrieval. */
  readonly da: DaService;
  /** Blocks from the future: held within the drift bound, refused beyond it. */
  readonly futureBlocks: FutureBlocks;
  readonly #orphans: OrphanBlocks;
  /** Final blocks taken off the best chain by deep reorgs (only with the `deep-reorg` bug). */
  finalBlocksReverted = 0;
  readonly #store: BlockStore;
  readonly #key: ReturnType<typeof nodeKey>;
  readonly #rejected = new Map<string, { reason: RejectionCode; message: string }>();
  readonly rejectedCounts: Record<RejectionCode, number> = Object.fromEntries(
    rejectionCodes.map((code) => [code, 0]),
  ) as Record<RejectionCode, number>;
  #network: Network | undefined;
  #sync: BlockSync | undefined;
  #outbox: BlockTx[] = [];
  /** The last count of executable mempool txs, and when it was taken (performance.now). */
  #executable = { at: Number.NEGATIVE_INFINITY, count: 0 };
  /** Shape-checked txs waiting for their signature verdict, so a compact block can use them. */
  readonly #admitting = new Map<string, BlockTx>();
  #slotTimer: NodeJS.Timeout | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #lastProposedSlot = -1;
  #lastRebroadcast = 0;
  #deepestReorg = 0;
  #stopping: Promise<void> | undefined;
  /** Where start-up time went, ms: opening storage (and genesis, keys), replaying the stored chain, starting p2p. */
  startup = { storageMs: 0, replayMs: 0, p2pMs: 0 };

  private constructor(config: NodeConfig, logger: Logger) {
    this.config = config;
    this.logger = logger;
    this.genesis = loadGenesis(config.genesisFile);
    this.maxVerifyWaitMs =
      config.admission.maxVerifyWaitMs ?? Math.min(maxDefaultVerifyWaitMs, this.genesis.slotMs);
    this.publicKey = keyPairFromSeed(config.secretKey).address;
    if (config.role === 'validator' && !this.genesis.validators.some((v) => v.publicKey === this.publicKey)) {
      throw new ConfigError(
        `${config.nodeId} is configured as a validator but its key is not among genesis validators`,
        ['role', 'secretKey'],
      );
    }
    this.#key = nodeKey(config.secretKey, this.publicKey);
    this.metrics = createMetrics(config.nodeId);
    this.futureBlocks = new FutureBlocks(this.metrics.registry);
    this.#orphans = new OrphanBlocks(this.metrics.registry);
    this.mempool = new Mempool(config.mempool);
    this.verifier = new VerifyPool({
      cache: this.verifyCache,
      workers: config.admission.verifyWorkers,
      onWorkerError: (error) =>
        this.logger.error(
          { err: error },
          `verify worker failed (${error.message}); verifying on the event loop`,
        ),
    });
    this.loopLag = new EventLoopLag();
    this.metrics.observeAdmission(this.verifier, this.verifyCache, this.loopLag);
    this.#store = new BlockStore(config.dataDir);
    const hash = genesisHash(this.genesis);
    const storedGenesis = this.#store.genesisHash;
    if (storedGenesis !== undefined && storedGenesis !== hash) {
      this.#store.close();
      throw new ConfigError(
        `data dir ${config.dataDir} holds a different chain (genesis ${storedGenesis.slice(0, 12)}, expected ${hash.slice(0, 12)})`,
        ['dataDir'],
      );
    }
    this.#store.genesisHash = hash;
    this.da = new DaService({
      role: config.role,
      chainId: this.genesis.chainId,
      dataDir: config.dataDir,
      validators: this.genesis.validators,
      executors: this.genesis.executors,
      key: this.#key,
      settings: config.da,
      logger: logger.child({ component: 'da' }),
      registry: this.metrics.registry,
    });
    this.chain = new Chain({
      genesis: this.genesis,
      verifyCache: this.verifyCache,
      ignoreDrift: config.bugs.includes('ignore-drift'),
      deepReorg: config.bugs.includes('deep-reorg'),
      mintOnPropose: config.bugs.includes('mint-on-propose'),
      loadBlock: (blockHash) => this.#store.getBlock(blockHash),
      applyDa: (da, parent) => this.da.applyBlock(da, parent),
    });
  }

  /** Opens storage, replays the stored chain, starts p2p, sync and the slot clock. */
  static async start(config: NodeConfig, logger: Logger): Promise<RefNode> {
    const started = performance.now();
    const node = new RefNode(config, logger);
    try {
      const opened = performance.now();
      node.#replay();
      const replayed = performance.now();
      await node.#startNetwork();
      // Measured from here: the stalls of start-up itself say nothing about load.
      node.loopLag.start();
      node.startup = {
        storageMs: Math.round(opened - started),
        replayMs: Math.round(replayed - opened),
        p2pMs: Math.round(performance.now() - replayed),
      };
      node.#scheduleSlot();
      node.#flushTimer = setInterval(() => node.#flushTxs(), txFlushMs);
      return node;
    } catch (error) {
      await node.stop();
      throw error;
    }
  }

  get network(): Network | undefined {
    return this.#network;
  }

  #replay(): void {
    const started = performance.now();
    let count = 0;
    for (const block of this.#store.canonicalBlocks()) {
      const outcome = this.chain.addBlock(block, { trusted: true });
      if (outcome.kind === 'added')
        this.da.onBestChainChange(
          outcome.removed.map((node) => node.block),
          outcome.joined.map((node) => node.block),
        );
      if (outcome.kind !== 'added') {
        this.logger.error(
          { height: block.height, outcome },
          `replay stopped at stored block ${block.height}: ${outcome.kind}`,
        );
        break;
      }
      // Stored blocks were validated when first added: remember their txs as verified (a reorg
      // may return them to the mempool) instead of checking every signature again at start.
      for (const tx of block.txs) this.verifyCache.remember(tx.id, tx.sig);
      count++;
    }
    this.chain.restoreFinalized(this.#store.finalizedHeight);
    this.#updateHeightMetrics();
    if (count > 0) {
      this.logger.info(
        { height: this.chain.height, finalizedHeight: this.chain.finalizedHeight },
        `resumed from disk at height ${this.chain.height} (final ${this.chain.finalizedHeight}) in ${Math.round(performance.now() - started)} ms`,
      );
    }
  }

  async #startNetwork(): Promise<void> {
    try {
      this.#network = await this.#openNetwork();
    } catch (error) {
      // A bad peers file or p2p option is a config problem (exit 2 naming it), not a crash.
      if (isP2pError(error) && error.code === 'invalid_book')
        throw new ConfigError(error.message, ['p2p.peersFile']);
      if (isP2pError(error) && error.code === 'invalid_option') throw new ConfigError(error.message, ['p2p']);
      throw error;
    }
    this.#wireNetwork(this.#network);
  }

  #openNetwork(): Promise<Network> {
    const { config } = this;
    return startNetwork({
      secretKey: config.secretKey,
      host: config.p2p.host,
      port: config.p2p.port,
      announce: config.p2p.announce,
      peers: config.p2p.peers,
      peersFile: config.p2p.peersFile,
      penalties: !config.bugs.includes('no-gossip-penalty'),
      answersSync: !config.bugs.includes('silent-sync'),
      chainId: this.genesis.chainId,
      logger: this.logger.child({ component: 'p2p' }),
      registry: this.metrics.registry,
      da: this.da.provider,
      sync: {
        status: () => ({
          height: this.chain.height,
          tip: this.chain.best.hash,
          finalizedHeight: this.chain.finalizedHeight,
        }),
        blocksByHeight: (from, to) =>
          capBytes(this.encodedBlocks(from, Math.min(to, from + 499)), maxSyncAnswerBytes),
        blockByHash: (hash) => {
          const block = this.chain.getBlock(hash);
          return block ? encodeBlock(block) : undefined;
        },
      },
    });
  }

  #wireNetwork(network: Network): void {
    const { config } = this;
    network.onPeer((peer, event) => {
      this.metrics.peers.set(network.peers().length);
      this.logger.info(
        { peer, event },
        `peer ${peer} ${event === 'connect' ? 'connected' : 'disconnected'} (${network.peers().length} peers)`,
      );
    });
    network.subscribe('blocks', (data, from) => this.#onGossipBlock(data, from));
    network.subscribe('txs', (data) => this.#onGossipTxs(data));
    network.subscribe('da', (data) => this.da.onGossip(data));
    this.da.attach({
      sendChunk: (peer, message) => network.sendChunk(peer, message),
      fetchChunk: (peer, id, index) => network.fetchChunk(peer, id, index),
      publish: (data) => network.publish('da', data),
    });
    if (!config.bugs.includes('no-sync')) {
      this.#sync = new BlockSync({
        network,
        logger: this.logger.child({ component: 'sync' }),
        target: {
          height: () => this.chain.height,
          reorgFloor: () => this.chain.reorgFloor,
          importBlocks: (encoded, from) => this.#importBlocks(encoded, from),
        },
        onRequest: (result) => this.metrics.syncRequests.inc({ result }),
      });
    }
  }

  /** Encoded best-chain blocks from..to (genesis included at height 0). */
  encodedBlocks(from: number, to: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (from <= 0 && to >= 0) out.push(encodeBlock(this.chain.genesisNode.block));
    const upper = Math.min(to, this.chain.height);
    const lower = Math.max(1, from);
    if (lower <= upper) {
      // Recent blocks may be in memory only briefly before commit; all are on disk after addBlock.
      out.push(...this.#store.canonicalBytes(lower, upper));
    }
    return out;
  }

  /** Best-chain blocks from..to as objects. */
  blocks(from: number, to: number): Block[] {
    return this.encodedBlocks(from, to).map(decodeBlock);
  }

  // ---- slots and proposing -------------------------------------------------------------

  #scheduleSlot(): void {
    const now = Date.now();
    const next = this.chain.slotStart(this.chain.currentSlot(now) + 1);
    // Fire just after the boundary so currentSlot() is already the new slot.
    this.#slotTimer = setTimeout(() => this.#onSlot(), Math.max(1, next - now + 1));
  }

  #onSlot(): void {
    if (this.#stopping) return;
    try {
      const now = Date.now();
      const slot = this.chain.currentSlot(now);
      this.metrics.slot.set(slot);
      this.metrics.slotLateness.set(now - this.chain.slotStart(slot));
      if (this.config.role === 'validator' && slot > this.#lastProposedSlot && slot > this.chain.best.slot)
        this.#tryPropose(slot);
    } catch (error) {
      this.logger.error({ err: error }, 'slot handler failed');
    } finally {
      this.#scheduleSlot();
    }
  }

  /**
   * A validator proposes only while it and the validators it is connected to hold more
   * than half of the stake. Without this, a node that boots before its peers finalizes a
   * private chain within k blocks and can never rejoin (a fork below the final height is
   * refused); with it, a minority cut off from the rest stalls instead of forking.
   */
  #seesStakeMajority(): boolean {
    return this.stakeView().quorum;
  }

  /**
   * Stake this node sees. The total is every genesis validator's stake: one that never started
   * (a standby key) or left for good still counts, because a node cannot tell it from one cut
   * off by a partition. So the running, connected validators must hold more than half of all
   * genesis stake for blocks to be proposed.
   */
  stakeView(): StakeView {
    const connected = new Set(this.#network?.peers() ?? []);
    let total = 0;
    let seen = 0;
    for (const v of this.genesis.validators) {
      total += v.stake;
      if (v.publicKey === this.publicKey || connected.has(v.peerId)) seen += v.stake;
    }
    return { total, seen, quorum: seen * 2 > total || this.config.bugs.includes('no-stake-quorum') };
  }

  /**
   * True while a peer is known to be more than one block ahead, or blocks are being pulled from
   * one. A validator that proposed then would build on a stale tip; with a small k, a node that
   * restarts or falls behind on a starved machine could finalize that branch before it learns of
   * the longer chain, and never rejoin it.
   */
  #catchingUp(): boolean {
    const sync = this.#sync;
    if (sync === undefined) return false;
    return sync.pulling || (sync.highestPeerHeight() ?? Number.NEGATIVE_INFINITY) > this.chain.height + 1;
  }

  #tryPropose(slot: number): void {
    const proof = this.chain.tryWinSlot(this.#key.secret, this.publicKey, slot);
    if (proof === undefined) return;
    const skip = !this.#seesStakeMajority() ? 'no_majority' : this.#catchingUp() ? 'catching_up' : undefined;
    if (skip !== undefined) {
      this.metrics.slotsSkipped.inc({ reason: skip });
      this.logger.debug({ slot, reason: skip }, `slot ${slot}: won but not proposing (${skip})`);
      return;
    }
    this.#lastProposedSlot = slot;
    const started = performance.now();
    // On a starved machine taking txs stretches with the CPU share: past the budget the block is
    // sealed with what it has, so it goes out smaller rather than late. (The handler's own
    // lateness is not charged: it is already spent, and a late block with txs beats an empty one.)
    const budgetMs = this.config.block.buildBudgetMs ?? this.genesis.slotMs / 4;
    const deadline = started + budgetMs;
    const { block, state, dropped, cut } = this.chain.buildBlock(
      this.#key,
      slot,
      proof,
      this.mempool.candidates(this.chain.tipState),
      this.config.block.maxTxs,
      undefined,
      this.da.select(this.chain.tipChannels),
      deadline,
    );
    if (cut) this.metrics.blocksCut.inc();
    for (const { tx, reason } of dropped) {
      this.mempool.remove(tx.id);
      this.#reject(tx.id, {
        code: reason,
        message: `dropped while building block ${block.height}: ${reason}`,
      });
    }
    const bytes = encodeBlock(block);
    const outcome = this.#addBlock(block, 'self', { bytes, state });
    if (outcome.kind !== 'added') {
      this.logger.error(
        { outcome },
        `slot ${slot}: own block ${block.height} was not added (${outcome.kind})`,
      );
      return;
    }
    this.metrics.blocksProposed.inc();
    this.logger.info(
      {
        slot,
        height: block.height,
        hash: block.hash,
        txs: block.txs.length,
        blobs: block.da.length,
        ms: Math.round(performance.now() - started),
        ...(cut ? { cutByBudgetMs: budgetMs } : {}),
      },
      `slot ${slot}: proposed block ${block.height} (${block.txs.length} txs${block.da.length > 0 ? `, ${block.da.length} blob certificates` : ''})`,
    );
    this.metrics.gossipMessages.inc({ topic: 'blocks', direction: 'out' });
    this.#network
      ?.publish('blocks', encodeCompactBlock(block))
      .catch((error: Error) => this.logger.warn({ err: error.message }, 'publishing block failed'));
  }

  // ---- blocks ---------------------------------------------------------------------------

  /** Adds a block from any source, persists it, updates mempool, metrics and events. */
  #addBlock(
    block: Block,
    source: 'self' | 'gossip' | 'sync',
    extra: { bytes?: Uint8Array; state?: LedgerState } = {},
  ): AddOutcome {
    const outcome = this.chain.addBlock(
      block,
      source === 'self' ? { trusted: true, state: extra.state } : {},
    );
    if (outcome.kind === 'invalid') {
      if (outcome.reason === 'future_block') this.futureBlocks.refused(block.hash);
      this.metrics.blocksRejected.inc({ reason: outcome.reason });
      this.logger.warn(
        { source, height: block.height, hash: block.hash, reason: outcome.reason },
        `refused block ${block.height} from ${source}: ${outcome.message}`,
      );
      return outcome;
    }
    if (outcome.kind !== 'added') return outcome;
    const { joined, removed, finalized } = outcome;
    if (outcome.aheadMs > this.genesis.maxDriftMs) this.futureBlocks.acceptedBeyondDrift();
    this.#store.commit({
      block,
      bytes: extra.bytes,
      forkHeight: joined.length > 0 ? joined[0]!.height - 1 : undefined,
      joined: joined.map((node) => ({ height: node.height, hash: node.hash })),
      finalizedHeight: this.chain.finalizedHeight,
    });
    if (source !== 'self') {
      this.metrics.blocksAccepted.inc();
      if (joined.length > 0) {
        this.logger.info(
          {
            source,
            height: block.height,
            hash: block.hash,
            txs: block.txs.length,
            proposer: this.chain.validatorName(block.proposer),
          },
          `slot ${block.slot}: accepted block ${block.height} from ${this.chain.validatorName(block.proposer)} (${block.txs.length} txs)`,
        );
      }
    }
    if (outcome.revertedFinal > 0) {
      this.finalBlocksReverted += outcome.revertedFinal;
      this.metrics.finalBlocksReverted.inc(outcome.revertedFinal);
      this.logger.error(
        {
          reverted: outcome.revertedFinal,
          height: this.chain.height,
          finalizedHeight: this.chain.finalizedHeight,
        },
        `deep reorg: reverted ${outcome.revertedFinal} final blocks (deep-reorg bug)`,
      );
    }
    if (removed.length > 0) {
      this.metrics.reorgs.inc();
      if (removed.length > this.#deepestReorg) {
        this.#deepestReorg = removed.length;
        this.metrics.reorgDepthMax.set(removed.length);
      }
      this.logger.warn(
        { removed: removed.length, joined: joined.length, height: this.chain.height },
        `reorg: replaced ${removed.length} blocks from height ${removed.at(-1)!.height} with ${joined.length} blocks`,
      );
    }
    this.#onBestChainChange(removed, joined);
    if (finalized) {
      this.#orphans.dropAtOrBelow(finalized.height);
      this.events.emit('finalized', finalized);
    }
    // Gossiped blocks that came before this one, their parent, are handled again now.
    for (const child of this.#orphans.childrenOf(block.hash)) {
      this.#handleGossipBlock(child.data, child.from).catch((error: unknown) =>
        this.logger.warn(
          { from: child.from, height: child.height, err: (error as Error).message },
          `block ${child.height} kept for its parent failed`,
        ),
      );
    }
    return outcome;
  }

  #onBestChainChange(removed: ChainNode[], joined: ChainNode[]): void {
    if (joined.length === 0) return;
    const touched = new Set<string>();
    let included = 0;
    for (const node of joined) {
      for (const tx of node.block.txs) {
        this.mempool.remove(tx.id);
        touched.add(tx.from);
        included++;
      }
    }
    this.metrics.txsIncluded.inc(included);
    const tip = this.chain.tipState;
    for (const address of touched) this.mempool.dropStale(address, tip.get(address).nonce);
    // Txs of blocks that left the best chain go back to the mempool when still valid.
    for (const node of removed) {
      for (const tx of node.block.txs) {
        if (this.chain.includedHeight(tx.id) === undefined) this.#admit(tx, 'reorg');
      }
    }
    this.da.onBestChainChange(
      removed.map((node) => node.block),
      joined.map((node) => node.block),
    );
    this.#updateHeightMetrics();
    for (const node of joined) this.events.emit('block', blockSummary(node.block));
  }

  #updateHeightMetrics(): void {
    this.metrics.height.set(this.chain.height);
    this.metrics.finalizedHeight.set(this.chain.finalizedHeight);
    this.metrics.mempoolSize.set(this.mempool.size);
    this.metrics.mempoolBytes.set(this.mempool.bytes);
  }

  async #onGossipBlock(data: Uint8Array, from: string): Promise<Verdict> {
    this.metrics.gossipMessages.inc({ topic: 'blocks', direction: 'in' });
    return this.#handleGossipBlock(data, from);
  }

  /** A gossiped block: added, or kept until its parent comes (then handled again), or refused. */
  async #handleGossipBlock(data: Uint8Array, from: string): Promise<Verdict> {
    if (this.#stopping) return 'ignore';
    let compact: CompactBlock;
    try {
      compact = decodeCompactBlock(data);
    } catch (error) {
      this.logger.warn({ from, err: (error as Error).message }, `malformed block from ${from}`);
      return 'reject';
    }
    if (this.chain.has(compact.hash)) return 'ignore';
    if (!this.chain.has(compact.parent)) {
      // Behind (or on another branch): sync fetches the missing blocks in order, and this one
      // attaches as soon as its parent is added.
      if (compact.height > this.chain.finalizedHeight)
        this.#orphans.keep({
          hash: compact.hash,
          parent: compact.parent,
          height: compact.height,
          data,
          from,
        });
      this.#sync?.request(from);
      return 'ignore';
    }
    const { txIds, ...header } = compact;
    let block: Block | undefined;
    const txs: BlockTx[] = [];
    for (const id of txIds) {
      // Txs still waiting for their signature verdict count too: the block's import verifies them first.
      const tx = this.mempool.get(id) ?? this.#admitting.get(id);
      if (tx === undefined) break;
      txs.push(tx);
    }
    if (txs.length === txIds.length) block = { ...header, txs };
    else {
      // Some txs never reached us by gossip (or went into a block of another branch): fetch the block.
      this.metrics.blocksFetchedWhole.inc();
      try {
        const full = await this.#network?.blockByHash(from, compact.hash);
        block = full === undefined ? undefined : decodeBlock(full);
      } catch (error) {
        this.logger.debug(
          { from, err: (error as Error).message },
          `fetching block ${compact.height} from ${from} failed`,
        );
      }
      if (block === undefined || block.hash !== compact.hash || this.chain.has(block.hash)) return 'ignore';
    }
    if (!(await this.#preverify(block.txs))) return 'ignore';
    const outcome = await this.#addWhenDue(block, 'gossip');
    switch (outcome.kind) {
      case 'added':
        if (this.chain.best.hash === block.hash) this.#sync?.followed();
        return 'accept';
      case 'known':
      case 'early':
        return 'ignore';
      case 'orphan':
        this.logger.debug(
          { from, height: block.height },
          `block ${block.height} has an unknown parent; syncing with ${from}`,
        );
        this.#sync?.request(from);
        return 'ignore';
      case 'invalid':
        // A peer on another branch or with a skewed clock is honest; only a forged block is punished.
        return outcome.reason === 'finality_violation' || outcome.reason === 'future_block'
          ? 'ignore'
          : 'reject';
    }
  }

  /**
   * Verifies the signatures of a block's txs not verified yet, on the verify pool ahead of
   * admissions, so that adding the block (which checks them through the cache) does not block
   * the event loop. False when the node stopped meanwhile. Txs whose shape or id is wrong are
   * left for the block's validation to refuse.
   */
  async #preverify(txs: readonly BlockTx[]): Promise<boolean> {
    const unverified: { tx: SignedTx; id: string }[] = [];
    for (const raw of txs) {
      if (typeof raw !== 'object' || raw === null || this.verifyCache.has(raw.id, raw.sig)) continue;
      if (isShapeChecked(raw)) {
        unverified.push({ tx: raw, id: raw.id });
        continue;
      }
      const checked = checkTxShape(raw, this.genesis.chainId, this.genesis.minFee);
      // Only ids computed here may enter the cache: a claimed id could pair a valid signature with other fields.
      if (!isRejection(checked) && checked.id === raw.id) unverified.push({ tx: checked.tx, id: checked.id });
    }
    if (unverified.length > 0) {
      try {
        await this.verifier.verify(unverified, 'block');
      } catch (error) {
        if (error instanceof VerifyPoolStopped) return false;
        throw error;
      }
    }
    return this.#stopping === undefined;
  }

  /**
   * Adds a block, holding it first when its slot has not started yet (within the drift bound).
   * Resolves to the final outcome; `early` when it could not be held (too many held, stopping).
   */
  async #addWhenDue(block: Block, source: 'gossip' | 'sync', first?: AddOutcome): Promise<AddOutcome> {
    let outcome = first ?? this.#addBlock(block, source);
    // A wall-clock jump (libfaketime) can make a held block early again: hold at most twice.
    for (let round = 0; outcome.kind === 'early' && round < 2; round++) {
      if (!(await this.futureBlocks.hold(block.hash, outcome.waitMs)) || this.#stopping) return outcome;
      outcome = this.#addBlock(block, source);
    }
    return outcome;
  }

  async #importBlocks(
    encoded: Uint8Array[],
    from: string,
  ): Promise<{ added: number; invalid: boolean; orphan: boolean }> {
    let added = 0;
    for (const bytes of encoded) {
      let block: Block;
      try {
        block = decodeBlock(bytes);
      } catch {
        return { added, invalid: true, orphan: false };
      }
      if (block.height === 0) continue;
      if (!this.chain.has(block.hash) && !(await this.#preverify(block.txs)))
        return { added, invalid: false, orphan: false };
      const outcome = this.#addBlock(block, 'sync', { bytes });
      if (outcome.kind === 'early') {
        // Its slot has not started: add it then; the blocks after it come with the next sync.
        void this.#addWhenDue(block, 'sync', outcome);
        return { added, invalid: false, orphan: false };
      }
      if (outcome.kind === 'added') added++;
      else if (outcome.kind === 'invalid' || outcome.kind === 'orphan') {
        this.logger.debug(
          { from, height: block.height, kind: outcome.kind },
          `sync from ${from} stopped at block ${block.height}`,
        );
        return {
          added,
          invalid: outcome.kind === 'invalid' && outcome.reason !== 'finality_violation',
          orphan: outcome.kind === 'orphan',
        };
      }
    }
    return { added, invalid: false, orphan: false };
  }

  // ---- transactions -----------------------------------------------------------------------

  /**
   * Executable txs in the mempool (those the next block could take), recounted at most every
   * {@link executableRecountMs}: the count walks every sender, and `POST /txs` asks per request.
   */
  #executablePending(): number {
    const now = performance.now();
    if (now - this.#executable.at >= executableRecountMs)
      this.#executable = { at: now, count: this.mempool.executableCount(this.chain.tipState) };
    return this.#executable.count;
  }

  /**
   * Refuses `count` API txs as `overloaded` when their signatures would wait longer than
   * {@link maxVerifyWaitMs} behind the verify backlog, when more txs wait for a block than
   * `admission.maxPendingTxs` (executable mempool txs plus the verify backlog, which takes a
   * request's txs at once), or when the event loop lags: the refusal (counted) and how long the
   * client should wait; undefined when there is room.
   */
  refuseIfOverloaded(count: number): { rejection: Rejection; retryAfterMs: number } | undefined {
    const { maxVerifyWaitMs } = this;
    const { maxLoopLagMs, maxPendingTxs } = this.config.admission;
    const waitMs = this.verifier.expectedWaitMs();
    // Counted only past the first check, which refuses without it: the count walks every sender.
    const pending = waitMs > maxVerifyWaitMs ? 0 : this.#executablePending() + this.verifier.backlog;
    const lagMs = this.loopLag.ms;
    let refusal: { rejection: Rejection; retryAfterMs: number } | undefined;
    if (waitMs > maxVerifyWaitMs) {
      refusal = {
        rejection: {
          code: 'overloaded',
          message: `${this.verifier.backlog} txs are waiting for signature verification (about ${Math.round(waitMs)} ms of work, more than the ${maxVerifyWaitMs} ms allowed); retry later`,
        },
        retryAfterMs: waitMs - maxVerifyWaitMs,
      };
    } else if (pending > maxPendingTxs) {
      refusal = {
        rejection: {
          code: 'overloaded',
          message: `${pending} txs are waiting for a block (executable in the mempool or awaiting their signature check), more than the ${maxPendingTxs} allowed; retry later`,
        },
        retryAfterMs: 1000,
      };
    } else if (lagMs > maxLoopLagMs) {
      refusal = {
        rejection: {
          code: 'overloaded',
          message: `the event loop runs ${Math.round(lagMs)} ms late (more than the ${maxLoopLagMs} ms allowed): the node is short of CPU; retry later`,
        },
        retryAfterMs: 1000,
      };
    }
    if (refusal === undefined) return undefined;
    this.rejectedCounts.overloaded += count;
    this.metrics.mempoolRejections.inc({ reason: 'overloaded' }, count);
    return refusal;
  }

  /** Submits a tx as received by the API: its id or the typed refusal. */
  async submitTx(raw: unknown): Promise<{ id: string } | Rejection> {
    return (await this.submitTxs([raw]))[0]!;
  }

  /** Submits txs as received by the API, in order: each gets its id or its typed refusal. */
  async submitTxs(raws: readonly unknown[]): Promise<({ id: string } | Rejection)[]> {
    const results = await this.#admitAll(raws, 'api');
    const gossip = !this.config.bugs.includes('no-tx-gossip');
    return results.map((result) => {
      if (isRejection(result)) return result;
      if (gossip) this.#outbox.push(result.tx);
      return { id: result.tx.id };
    });
  }

  /**
   * Admits txs in order: stateless checks here, signatures on the verify pool (all of them in
   * one go), then the mempool, in the original order so a sender's nonces stay in sequence.
   */
  async #admitAll(
    raws: readonly unknown[],
    source: 'api' | 'gossip',
  ): Promise<({ tx: BlockTx } | Rejection)[]> {
    const prechecked = raws.map((raw) => this.#precheck(raw, source));
    const waiting: BlockTx[] = [];
    for (const checked of prechecked) {
      if (isRejection(checked)) continue;
      const tx: BlockTx = { ...checked.tx, id: checked.id };
      waiting.push(tx);
      if (!this.#admitting.has(tx.id)) this.#admitting.set(tx.id, tx);
    }
    let verdicts: boolean[];
    try {
      // The `no-gossip-sig-check` bug trusts a gossiping peer to have checked the signature.
      verdicts =
        source === 'gossip' && this.config.bugs.includes('no-gossip-sig-check')
          ? waiting.map(() => true)
          : await this.verifier.verify(
              waiting.map((tx) => ({ tx, id: tx.id })),
              'tx',
            );
    } finally {
      for (const tx of waiting) if (this.#admitting.get(tx.id) === tx) this.#admitting.delete(tx.id);
    }
    let next = 0;
    const results = prechecked.map((checked) =>
      isRejection(checked) ? checked : this.#admitChecked(checked, verdicts[next++]!, source),
    );
    this.#countAdmitted(results, source);
    return results;
  }

  /** Metrics once per batch rather than per tx (a labelled inc hashes its labels every time). */
  #countAdmitted(
    results: readonly ({ tx: BlockTx } | Rejection)[],
    source: 'api' | 'gossip' | 'reorg',
  ): void {
    const admitted = results.reduce((n, result) => (isRejection(result) ? n : n + 1), 0);
    if (admitted > 0) this.metrics.txsAccepted.inc({ source }, admitted);
    this.metrics.mempoolSize.set(this.mempool.size);
    this.metrics.mempoolBytes.set(this.mempool.bytes);
  }

  /** Re-admits a tx of a block that left the best chain (verified before: the cache answers). */
  #admit(raw: unknown, source: 'reorg'): { tx: BlockTx } | Rejection {
    const checked = this.#precheck(raw, source);
    if (isRejection(checked)) return checked;
    const result = this.#admitChecked(checked, this.verifyCache.verify(checked.tx, checked.id), source);
    this.#countAdmitted([result], source);
    return result;
  }

  /** Records a refusal, counting it unless gossip or a reorg merely repeated a tx or raced a nonce. */
  #refuse(id: string | undefined, rejection: Rejection, source: 'api' | 'gossip' | 'reorg'): Rejection {
    // Every refusal is remembered for `GET /txs/:id`, whatever the source (a tx that arrived
    // by gossip and failed is `rejected` too); gossip and reorgs routinely repeat txs or race
    // nonces, so only API submissions count those in the counters.
    return this.#reject(
      id,
      rejection,
      source === 'api' || (rejection.code !== 'duplicate' && rejection.code !== 'bad_nonce'),
    );
  }

  /** The checks before the signature: shape, chain, fee, and whether the tx is already known. */
  #precheck(raw: unknown, source: 'api' | 'gossip' | 'reorg'): CheckedTx | Rejection {
    const checked = checkTxShape(raw, this.genesis.chainId, this.genesis.minFee);
    if (isRejection(checked)) return this.#refuse(idOfRefused(raw), checked, source);
    return this.#knownAlready(checked, source) ?? checked;
  }

  #knownAlready(checked: CheckedTx, source: 'api' | 'gossip' | 'reorg'): Rejection | undefined {
    const { id, tx } = checked;
    const pending = this.mempool.get(id);
    if ((pending !== undefined && pending.sig === tx.sig) || this.chain.includedHeight(id) !== undefined) {
      return this.#refuse(
        undefined,
        { code: 'duplicate', message: `tx ${id} is already ${pending ? 'pending' : 'included'}` },
        source,
      );
    }
    return undefined;
  }

  /** The checks after the signature verdict: duplicates again (time passed), then the mempool. */
  #admitChecked(
    checked: CheckedTx,
    signatureValid: boolean,
    source: 'api' | 'gossip' | 'reorg',
  ): { tx: BlockTx } | Rejection {
    const { id, tx } = checked;
    if (!signatureValid) {
      return this.#refuse(
        id,
        { code: 'bad_signature', message: `sig is not a valid signature by ${tx.from} over the tx` },
        source,
      );
    }
    const known = this.#knownAlready(checked, source);
    if (known !== undefined) return known;
    if (this.mempool.has(id))
      return this.#refuse(undefined, { code: 'duplicate', message: `tx ${id} is already pending` }, source);
    const result = this.mempool.add(checked, this.chain.tipState.get(tx.from) as Account);
    if (!result.ok) return this.#refuse(id, result, source);
    this.#rejected.delete(id);
    for (const evicted of result.evicted) {
      this.#reject(
        evicted.id,
        { code: 'mempool_full', message: `evicted for tx ${id} with a higher fee` },
        false,
      );
    }
    if (result.evicted.length > 0) this.metrics.mempoolEvictions.inc(result.evicted.length);
    return { tx: this.mempool.get(id)! };
  }

  /** Records a refusal (counters, metric, status memory); `count` false for evictions and expected gossip repeats. */
  #reject(id: string | undefined, rejection: Rejection, count = true): Rejection {
    const { code, message } = rejection;
    if (count) {
      this.rejectedCounts[code]++;
      this.metrics.mempoolRejections.inc({ reason: code });
    }
    // A duplicate says nothing new about the tx; keep its real status.
    if (id !== undefined && code !== 'duplicate') {
      if (this.#rejected.size >= rejectedMemory) this.#rejected.delete(this.#rejected.keys().next().value!);
      this.#rejected.set(id, { reason: code, message });
    }
    return { code, message };
  }

  async #onGossipTxs(data: Uint8Array): Promise<Verdict> {
    this.metrics.gossipMessages.inc({ topic: 'txs', direction: 'in' });
    const { maxVerifyWaitMs } = this;
    const { maxLoopLagMs } = this.config.admission;
    if (
      this.verifier.expectedWaitMs() > gossipShedFactor * maxVerifyWaitMs ||
      this.loopLag.ms > gossipShedLagFactor * maxLoopLagMs
    ) {
      this.metrics.gossipTxMessagesShed.inc();
      return 'ignore';
    }
    let txs: unknown;
    try {
      txs = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
    } catch {
      return 'reject';
    }
    if (!Array.isArray(txs) || txs.length > maxTxsPerGossip) return 'reject';
    let results: ({ tx: BlockTx } | Rejection)[];
    try {
      results = await this.#admitAll(txs, 'gossip');
    } catch (error) {
      if (error instanceof VerifyPoolStopped) return 'ignore';
      throw error;
    }
    let accepted = 0;
    let forged = 0;
    for (const result of results) {
      if (!isRejection(result)) accepted++;
      else if (
        result.code === 'bad_signature' ||
        result.code === 'malformed' ||
        result.code === 'wrong_chain'
      )
        forged++;
    }
    if (forged > 0) return 'reject';
    return accepted > 0 ? 'accept' : 'ignore';
  }

  /** Gossips the outbox (and, now and then, stale pending txs); resolves when every publish settled. */
  #flushTxs(): Promise<unknown> {
    const now = Date.now();
    if (
      now - this.#lastRebroadcast >= rebroadcastEveryMs &&
      !this.config.bugs.includes('no-tx-gossip') &&
      this.peers().length > 0
    ) {
      this.#lastRebroadcast = now;
      const stale = this.mempool.takeStale(this.chain.tipState, rebroadcastAfterMs, maxTxsPerGossip, now);
      if (stale.length > 0) {
        this.logger.debug(
          { txs: stale.length },
          `re-gossiping ${stale.length} txs still pending after ${rebroadcastAfterMs} ms`,
        );
        this.#outbox.push(...stale);
      }
    }
    if (this.#outbox.length === 0 || this.#network === undefined) return Promise.resolve();
    const outbox = this.#outbox;
    this.#outbox = [];
    const published: Promise<void>[] = [];
    for (let i = 0; i < outbox.length; i += maxTxsPerGossip) {
      const chunk = outbox.slice(i, i + maxTxsPerGossip).map(({ id: _id, ...tx }) => tx);
      this.metrics.gossipMessages.inc({ topic: 'txs', direction: 'out' });
      published.push(
        this.#network.publish('txs', encodeTxsMessage(chunk)).catch((error: Error) => {
          this.logger.warn({ err: error.message, txs: chunk.length }, 'publishing txs failed');
        }),
      );
    }
    return Promise.all(published);
  }

  /** Status of a tx: included on the best chain, pending, rejected (recently) or unknown. */
  txStatus(id: string): TxStatus {
    const height = this.chain.includedHeight(id);
    if (height !== undefined)
      return { status: 'included', height, blockHash: this.chain.canonicalHash(height)! };
    if (this.mempool.has(id)) return { status: 'pending' };
    const rejected = this.#rejected.get(id);
    if (rejected) return { status: 'rejected', reason: rejected.reason, message: rejected.message };
    return { status: 'unknown' };
  }

  /** Txs accepted from the API and waiting for the next gossip flush (every 25 ms). */
  get txOutboxSize(): number {
    return this.#outbox.length;
  }

  /** The genesis name (`val-1`, `exe-0`) of a peer id, if it is a genesis node. */
  genesisName(peerId: string): string | undefined {
    return (
      this.genesis.validators.find((v) => v.peerId === peerId)?.nodeId ??
      this.genesis.executors.find((e) => e.peerId === peerId)?.nodeId
    );
  }

  /** Connected peer ids. */
  peers(): string[] {
    return this.#network?.peers() ?? [];
  }

  /** Graceful stop: timers, sync, p2p, then storage. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      clearTimeout(this.#slotTimer);
      clearInterval(this.#flushTimer);
      this.futureBlocks.stop();
      this.#orphans.clear();
      this.#sync?.stop();
      // Txs accepted since the last flush (the API answered 202 for them) would be lost
      // with the mempool: hand them to peers before the network goes.
      await this.#flushTxs();
      try {
        await this.#network?.stop();
      } catch (error) {
        this.logger.warn({ err: (error as Error).message }, 'stopping p2p failed');
      }
      this.loopLag.stop();
      await this.verifier.stop();
      await this.da.stop();
      this.#store.close();
      this.events.removeAllListeners();
    })();
    return this.#stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
