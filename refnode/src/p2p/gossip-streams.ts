import type { GossipSub } from '@libp2p/gossipsub';
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface';

/**
 * How long a connected peer may stay without a live gossip stream from us before we open one
 * again. A new connection needs identify and a stream negotiation first (three round trips),
 * which takes well under a second even on a slow link.
 */
export const GOSSIP_STREAM_GRACE_MS = 2000;

/** One of gossipsub's stream wrappers: the libp2p stream under it. */
interface GossipStream {
  readonly rawStream: Stream;
  close(): Promise<void>;
}

/** The parts of gossipsub the mender uses: its stream tables and the hook libp2p's registrar calls. */
interface GossipInternals {
  readonly protocols: string[];
  readonly streamsOutbound: Map<string, GossipStream>;
  readonly streamsInbound: Map<string, GossipStream>;
  onPeerConnected(peerId: PeerId, connection: Connection): void;
}

/** A peer we opened a gossip stream to again: for how long it had none, and whether gossipsub still held a dead one. */
export interface ReopenedStream {
  peer: string;
  missingMs: number;
  stale: boolean;
}

/**
 * Keeps a live gossip stream open to every connected peer. gossipsub opens its stream to a peer
 * only when libp2p reports the peer connected (after identify on a new connection) or when the
 * peer opens a stream to it, never retries, and never opens a second one while it holds one.
 * Two ways a connected peer ends up with no gossip from us at all:
 * - both ends dialled at once, so they hold two connections, and the one carrying gossip closes:
 *   the peer stays connected over the other and no new "connected" report comes;
 * - a connection dies while gossipsub is opening a stream on it and the stream is already closed
 *   when gossipsub starts watching it: gossipsub keeps the dead stream as the peer's, and when
 *   the peer connects again it sees a stream and opens none (so the peer never learns our
 *   subscriptions, and never gets a block from us by gossip).
 * `check()` finds each connected peer that speaks gossipsub and has had no live stream from us
 * (one on an open connection to it) for {@link GOSSIP_STREAM_GRACE_MS}, drops the dead one if
 * any, and hands the peer to gossipsub as newly connected, which opens a stream and resends our
 * subscriptions.
 */
export class GossipStreamMender {
  readonly #libp2p: Libp2p;
  readonly #pubsub: GossipInternals;
  readonly #onReopen: (reopened: ReopenedStream) => void;
  /** When each connected peer was first seen without a live stream from us (per episode). */
  readonly #missingSince = new Map<string, number>();
  #checking = false;

  constructor(libp2p: Libp2p, pubsub: GossipSub, onReopen: (reopened: ReopenedStream) => void) {
    this.#libp2p = libp2p;
    this.#pubsub = pubsub as unknown as GossipInternals;
    this.#onReopen = onReopen;
  }

  /** Whether our gossip stream to `peer` (outbound) or its stream to us (inbound) runs on an open connection. */
  isLive(peer: PeerId, direction: 'outbound' | 'inbound'): boolean {
    const table = direction === 'outbound' ? this.#pubsub.streamsOutbound : this.#pubsub.streamsInbound;
    const stream = table.get(peer.toString())?.rawStream;
    return (
      stream !== undefined &&
      this.#libp2p
        .getConnections(peer)
        .some((connection) => connection.status === 'open' && connection.streams.includes(stream))
    );
  }

  /** Looks at every connected peer once; called on the network's tick. Overlapping calls return at once. */
  async check(now = Date.now()): Promise<void> {
    if (this.#checking) return;
    this.#checking = true;
    try {
      const connected = new Set<string>();
      for (const peer of this.#libp2p.getPeers()) {
        const id = peer.toString();
        connected.add(id);
        if (this.isLive(peer, 'outbound')) {
          this.#missingSince.delete(id);
          continue;
        }
        const since = this.#missingSince.get(id) ?? now;
        this.#missingSince.set(id, since);
        if (now - since < GOSSIP_STREAM_GRACE_MS || !(await this.#speaksGossip(peer))) continue;
        // Looked up asynchronously: still connected, and still without a live stream?
        const connection = this.#libp2p.getConnections(peer).find((c) => c.status === 'open');
        if (connection === undefined || this.isLive(peer, 'outbound')) continue;
        const dead = this.#pubsub.streamsOutbound.get(id);
        if (dead !== undefined) {
          this.#pubsub.streamsOutbound.delete(id);
          dead.close().catch(() => undefined);
        }
        this.#missingSince.set(id, now);
        this.#onReopen({ peer: id, missingMs: now - since, stale: dead !== undefined });
        this.#pubsub.onPeerConnected(peer, connection);
      }
      for (const id of this.#missingSince.keys()) if (!connected.has(id)) this.#missingSince.delete(id);
    } finally {
      this.#checking = false;
    }
  }

  /** Whether identify said the peer speaks one of our gossip protocols (false before identify). */
  async #speaksGossip(peer: PeerId): Promise<boolean> {
    try {
      const { protocols } = await this.#libp2p.peerStore.get(peer);
      return protocols.some((protocol) => this.#pubsub.protocols.includes(protocol));
    } catch {
      return false;
    }
  }
}
