import { Counter, Gauge, type Registry } from 'prom-client';

/** The p2p layer's Prometheus metrics (all prefixed `refnode_p2p_`). */
export interface P2pMetrics {
  /** Connected peers right now. */
  peers: Gauge;
  /** Gossip messages received from peers, by topic and the validator's verdict. */
  gossipReceived: Counter<'topic' | 'verdict'>;
  /** Gossip messages this node published, by topic. */
  gossipPublished: Counter<'topic'>;
  /** Sync requests served to peers, by kind (status, blocks, block) and outcome (ok, error). */
  syncServed: Counter<'kind' | 'outcome'>;
  /** Sync requests made to peers, by kind and outcome (ok, error, timeout). */
  syncMade: Counter<'kind' | 'outcome'>;
  /** Outgoing dials, by outcome (ok, error). */
  dials: Counter<'outcome'>;
  /** Peer-exchange answers received and addresses learned from them. */
  peersLearned: Counter;
  /** Gossipsub score of each connected peer (negative = misbehaving; graylisted below -80). */
  peerScore: Gauge<'peer'>;
}

/**
 * Registers the p2p metrics on `registry`. A metric of the same name left by an earlier network
 * on the same registry (a restart in one process) is replaced, since prom-client refuses duplicates.
 */
export function createP2pMetrics(registry: Registry, live: { peerScores(): [string, number][] }): P2pMetrics {
  const fresh = <T>(name: string, make: () => T): T => {
    registry.removeSingleMetric(name);
    return make();
  };
  const registers = [registry];
  return {
    peers: fresh(
      'refnode_p2p_peers',
      () => new Gauge({ name: 'refnode_p2p_peers', help: 'Connected p2p peers', registers }),
    ),
    gossipReceived: fresh(
      'refnode_p2p_gossip_received_total',
      () =>
        new Counter({
          name: 'refnode_p2p_gossip_received_total',
          help: 'Gossip messages received from peers, by topic and validation verdict',
          labelNames: ['topic', 'verdict'] as const,
          registers,
        }),
    ),
    gossipPublished: fresh(
      'refnode_p2p_gossip_published_total',
      () =>
        new Counter({
          name: 'refnode_p2p_gossip_published_total',
          help: 'Gossip messages published by this node, by topic',
          labelNames: ['topic'] as const,
          registers,
        }),
    ),
    syncServed: fresh(
      'refnode_p2p_sync_requests_served_total',
      () =>
        new Counter({
          name: 'refnode_p2p_sync_requests_served_total',
          help: 'Sync requests served to peers, by kind and outcome',
          labelNames: ['kind', 'outcome'] as const,
          registers,
        }),
    ),
    syncMade: fresh(
      'refnode_p2p_sync_requests_made_total',
      () =>
        new Counter({
          name: 'refnode_p2p_sync_requests_made_total',
          help: 'Sync requests made to peers, by kind and outcome',
          labelNames: ['kind', 'outcome'] as const,
          registers,
        }),
    ),
    dials: fresh(
      'refnode_p2p_dials_total',
      () =>
        new Counter({
          name: 'refnode_p2p_dials_total',
          help: 'Outgoing dials, by outcome',
          labelNames: ['outcome'] as const,
          registers,
        }),
    ),
    peersLearned: fresh(
      'refnode_p2p_peers_learned_total',
      () =>
        new Counter({
          name: 'refnode_p2p_peers_learned_total',
          help: 'New peer addresses learned through peer exchange',
          registers,
        }),
    ),
    peerScore: fresh(
      'refnode_p2p_peer_score',
      () =>
        new Gauge({
          name: 'refnode_p2p_peer_score',
          help: 'Gossipsub score of each connected peer (graylisted below -80)',
          labelNames: ['peer'] as const,
          registers,
          // Read at scrape time so /metrics shows the score gossipsub acts on right now.
          collect() {
            this.reset();
            for (const [peer, score] of live.peerScores()) this.set({ peer }, score);
          },
        }),
    ),
  };
}
