import { Counter, Gauge, type Registry } from 'prom-client';
import type { GossipView, PeerView } from './network.ts';

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
  /** Dials the address book refused (strict book: an address that is not a book address). */
  dialsDenied: Counter;
  /** Peers named by other peers that the strict book does not have, so were not dialled. */
  learnedUnresolved: Counter;
  /** Gossip streams opened again to a peer that stayed connected without one (see gossip-streams.ts). */
  gossipStreamsReopened: Counter;
  /** Entries of the address book. */
  bookEntries: Gauge;
  /** Reloads of the peers file, by outcome (ok, error). */
  bookReloads: Counter<'outcome'>;
}

/** What the scrape-time metrics read. */
export interface LiveP2pState {
  peerScores(): [string, number][];
  peerViews(): PeerView[];
  gossipView(): GossipView | undefined;
}

/**
 * Registers the p2p metrics on `registry`. A metric of the same name left by an earlier network
 * on the same registry (a restart in one process) is replaced, since prom-client refuses duplicates.
 */
export function createP2pMetrics(registry: Registry, live: LiveP2pState): P2pMetrics {
  const fresh = <T>(name: string, make: () => T): T => {
    registry.removeSingleMetric(name);
    return make();
  };
  const registers = [registry];
  registerPeerGauges(registry, live);
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
    dialsDenied: fresh(
      'refnode_p2p_dials_denied_total',
      () =>
        new Counter({
          name: 'refnode_p2p_dials_denied_total',
          help: 'Dials refused because the address is not in the address book (peers file)',
          registers,
        }),
    ),
    learnedUnresolved: fresh(
      'refnode_p2p_learned_unresolved_total',
      () =>
        new Counter({
          name: 'refnode_p2p_learned_unresolved_total',
          help: 'Peers learned from other peers that the address book does not have (not dialled)',
          registers,
        }),
    ),
    gossipStreamsReopened: fresh(
      'refnode_p2p_gossip_streams_reopened_total',
      () =>
        new Counter({
          name: 'refnode_p2p_gossip_streams_reopened_total',
          help: 'Gossip streams opened again to a peer that stayed connected without one',
          registers,
        }),
    ),
    bookEntries: fresh(
      'refnode_p2p_book_entries',
      () => new Gauge({ name: 'refnode_p2p_book_entries', help: 'Entries of the address book', registers }),
    ),
    bookReloads: fresh(
      'refnode_p2p_book_reloads_total',
      () =>
        new Counter({
          name: 'refnode_p2p_book_reloads_total',
          help: 'Reloads of the peers file, by outcome (ok, error)',
          labelNames: ['outcome'] as const,
          registers,
        }),
    ),
  };
}

/**
 * Scrape-time gauges of the peer view (GET /p2p/peers): who is graylisted, pruned or in the
 * mesh, and how much gossip waits in each peer's queues. Labels cover peers connected now or in
 * the last 10 minutes (at most 512), so churn cannot grow them without bound.
 */
function registerPeerGauges(registry: Registry, live: LiveP2pState): void {
  const registers = [registry];
  const gauge = <L extends string>(
    name: string,
    help: string,
    labelNames: L[],
    collect: (g: Gauge<L>) => void,
  ) => {
    registry.removeSingleMetric(name);
    return new Gauge<L>({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        collect(this);
      },
    });
  };
  gauge(
    'refnode_p2p_peer_graylisted',
    'Peers whose gossipsub score is below the graylist threshold (-80): 1 or 0',
    ['peer'],
    (g) => {
      for (const view of live.peerViews()) g.set({ peer: view.peerId }, view.graylisted ? 1 : 0);
    },
  );
  gauge(
    'refnode_p2p_peer_connected',
    'Peers connected now (1) or disconnected within 10 minutes (0)',
    ['peer'],
    (g) => {
      for (const view of live.peerViews()) g.set({ peer: view.peerId }, view.connected ? 1 : 0);
    },
  );
  gauge('refnode_p2p_peer_prunes', 'Times this node pruned the peer from a topic mesh', ['peer'], (g) => {
    for (const view of live.peerViews()) g.set({ peer: view.peerId }, view.prunes);
  });
  gauge(
    'refnode_p2p_peer_messages',
    'Gossip messages each peer delivered first, by our verdict',
    ['peer', 'verdict'],
    (g) => {
      for (const view of live.peerViews())
        for (const [verdict, count] of Object.entries(view.messages))
          g.set({ peer: view.peerId, verdict }, count);
    },
  );
  gauge(
    'refnode_p2p_gossip_queue_bytes',
    'Gossip bytes queued to (outbound) or from (inbound) each peer',
    ['peer', 'direction'],
    (g) => {
      for (const view of live.peerViews()) {
        g.set({ peer: view.peerId, direction: 'outbound' }, view.queue.outboundBytes);
        g.set({ peer: view.peerId, direction: 'inbound' }, view.queue.inboundBytes);
      }
    },
  );
  gauge('refnode_p2p_mesh_peers', 'Peers in our mesh of each topic', ['topic'], (g) => {
    const counts: Record<string, number> = { blocks: 0, txs: 0, da: 0 };
    for (const view of live.peerViews())
      for (const topic of view.mesh) counts[topic] = (counts[topic] ?? 0) + 1;
    for (const [topic, count] of Object.entries(counts)) g.set({ topic }, count);
  });
  gauge(
    'refnode_p2p_gossip_validating',
    'Gossip messages waiting for our validator, by topic',
    ['topic'],
    (g) => {
      const view = live.gossipView();
      if (view === undefined) return;
      for (const [topic, count] of Object.entries(view.validating)) g.set({ topic }, count);
    },
  );
}
