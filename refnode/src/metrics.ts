import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** The node's Prometheus metrics, all in one registry (served at `/metrics`). */
export interface NodeMetrics {
  registry: Registry;
  height: Gauge;
  finalizedHeight: Gauge;
  slot: Gauge;
  blocksProposed: Counter;
  blocksAccepted: Counter;
  blocksRejected: Counter<'reason'>;
  reorgs: Counter;
  finalBlocksReverted: Counter;
  mempoolSize: Gauge;
  mempoolBytes: Gauge;
  mempoolEvictions: Counter;
  mempoolRejections: Counter<'reason'>;
  txsAccepted: Counter<'source'>;
  txsIncluded: Counter;
  peers: Gauge;
  verifyCacheHits: Counter;
  verifyCacheMisses: Counter;
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
    verifyCacheHits: counter(
      'refnode_tx_verify_cache_hits_total',
      'Signature checks answered by the verify cache',
    ),
    verifyCacheMisses: counter('refnode_tx_verify_cache_misses_total', 'Signature checks computed'),
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
