import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { VerifyCache } from './chain/tx-check.ts';
import type { VerifyPool } from './chain/verify-pool.ts';
import type { EventLoopLag } from './event-loop-lag.ts';

/** The node's Prometheus metrics, all in one registry (served at `/metrics`). */
export interface NodeMetrics {
  registry: Registry;
  height: Gauge;
  finalizedHeight: Gauge;
  slot: Gauge;
  /** How late the last slot handler ran after its slot started, ms. */
  slotLateness: Gauge;
  /** Slots this validator won but did not use: `no_majority` (sees ≤ half the stake) or `catching_up`. */
  slotsSkipped: Counter<'reason'>;
  /** Blocks this node proposed whose tx list the build budget ended. */
  blocksCut: Counter;
  /** Gossiped blocks fetched whole because some of their txs were not in the mempool. */
  blocksFetchedWhole: Counter;
  /** Tx gossip messages dropped unread because the node was overloaded. */
  gossipTxMessagesShed: Counter;
  /** Reads backlog, rate, cache counters and event-loop lag at every scrape. */
  observeAdmission(pool: VerifyPool, cache: VerifyCache, lag: EventLoopLag): void;
  blocksProposed: Counter;
  blocksAccepted: Counter;
  blocksRejected: Counter<'reason'>;
  reorgs: Counter;
  /** Most blocks one reorg removed so far: the margin to k is finality's safety margin. */
  reorgDepthMax: Gauge;
  finalBlocksReverted: Counter;
  mempoolSize: Gauge;
  mempoolBytes: Gauge;
  mempoolEvictions: Counter;
  mempoolRejections: Counter<'reason'>;
  txsAccepted: Counter<'source'>;
  txsIncluded: Counter;
  peers: Gauge;
  gossipMessages: Counter<'topic' | 'direction'>;
  syncRequests: Counter<'result'>;
  httpRequests: Counter<'route' | 'status'>;
}

/** Creates the registry and every refnode metric (prefix `refnode_`). */
export function createMetrics(nodeId: string): NodeMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ node: nodeId });
  collectDefaultMetrics({ register: registry, prefix: 'refnode_process_' });
  const gauge = (name: string, help: string) => new Gauge({ name, help, registers: [registry] });
  const counter = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers: [registry] });
  return {
    registry,
    height: gauge('refnode_block_height', 'Height of the best chain tip'),
    finalizedHeight: gauge('refnode_finalized_height', 'Height of the final block'),
    slot: gauge('refnode_slot', 'Current slot by the wall clock'),
    blocksProposed: counter('refnode_blocks_proposed_total', 'Blocks this node proposed'),
    blocksAccepted: counter('refnode_blocks_accepted_total', 'Blocks from peers accepted'),
    blocksRejected: counter('refnode_blocks_rejected_total', 'Blocks refused, by reason', ['reason']),
    reorgs: counter('refnode_reorgs_total', 'Best-chain switches that removed blocks'),
    reorgDepthMax: gauge(
      'refnode_reorg_depth_max',
      'Most blocks one reorg removed since start (final needs < k)',
    ),
    finalBlocksReverted: counter(
      'refnode_final_blocks_reverted_total',
      'Final blocks taken off the best chain by a deep reorg (only with the deep-reorg bug)',
    ),
    mempoolSize: gauge('refnode_mempool_size', 'Txs in the mempool'),
    mempoolBytes: gauge('refnode_mempool_bytes', 'Bytes of txs in the mempool'),
    mempoolEvictions: counter('refnode_mempool_evictions_total', 'Txs evicted for higher-fee txs'),
    mempoolRejections: counter('refnode_mempool_rejections_total', 'Txs refused, by reason', ['reason']),
    txsAccepted: counter('refnode_txs_accepted_total', 'Txs admitted to the mempool, by source', ['source']),
    txsIncluded: counter('refnode_txs_included_total', 'Txs in blocks added to the best chain'),
    peers: gauge('refnode_peers', 'Connected peers'),
    slotLateness: gauge(
      'refnode_slot_lateness_ms',
      'How late the last slot handler ran after its slot started',
    ),
    slotsSkipped: counter('refnode_slots_skipped_total', 'Won slots not used, by reason', ['reason']),
    blocksCut: counter(
      'refnode_blocks_cut_by_budget_total',
      'Own blocks whose tx list the build budget ended (smaller blocks on time)',
    ),
    blocksFetchedWhole: counter(
      'refnode_blocks_fetched_whole_total',
      'Gossiped blocks fetched whole from their sender because some of their txs were not in the mempool',
    ),
    gossipTxMessagesShed: counter(
      'refnode_gossip_tx_messages_shed_total',
      'Tx gossip messages dropped unread because the verify backlog or the event-loop lag was too long',
    ),
    observeAdmission(pool, cache, lag) {
      const sampled = (name: string, help: string, read: () => number) =>
        new Gauge({
          name,
          help,
          registers: [registry],
          collect() {
            this.set(read());
          },
        });
      sampled('refnode_tx_verify_backlog', 'Txs waiting for a signature verdict', () => pool.backlog);
      sampled('refnode_tx_verify_wait_ms', 'Expected wait of a new tx for its verdict, ms', () =>
        Math.round(pool.expectedWaitMs()),
      );
      sampled('refnode_event_loop_lag_ms', 'How late the event loop runs (recent worst), ms', () =>
        Math.round(lag.ms),
      );
      sampled(
        'refnode_tx_verify_workers',
        'Verify worker threads running (0 until the first tx)',
        () => pool.workers,
      );
      sampled('refnode_tx_verify_rate', 'Signatures verified per second (measured)', () =>
        Math.round(pool.rate),
      );
      const total = (name: string, help: string, read: () => number) =>
        new Counter({
          name,
          help,
          registers: [registry],
          collect() {
            this.reset();
            this.inc(read());
          },
        });
      total(
        'refnode_tx_verify_cache_hits_total',
        'Signature checks answered by the verify cache',
        () => cache.hits,
      );
      total(
        'refnode_tx_verify_worker_failures_total',
        'Verify workers that failed and left the pool (their txs verified elsewhere)',
        () => pool.workerFailures,
      );
      total(
        'refnode_tx_verify_cache_misses_total',
        'Signature checks computed on the event loop',
        () => cache.misses,
      );
    },
    gossipMessages: counter('refnode_gossip_messages_total', 'Gossip messages by topic and direction', [
      'topic',
      'direction',
    ]),
    syncRequests: counter('refnode_sync_requests_total', 'Block sync requests by result', ['result']),
    httpRequests: counter('refnode_http_requests_total', 'HTTP requests by route and status', [
      'route',
      'status',
    ]),
  };
}
