import type { Topic, Verdict } from './network.ts';

/** What this node remembers about one peer, connected or not (see `GET /p2p/peers`). */
export interface PeerRecord {
  connected: boolean;
  /** ms since the epoch of the last connect / disconnect, null when it never happened. */
  connectedAt: number | null;
  disconnectedAt: number | null;
  /** Gossip messages this peer delivered first, by our validator's verdict. */
  messages: Record<Verdict, number>;
  /** Times we pruned the peer from one of our topic meshes (e.g. after its score fell). */
  prunes: number;
  lastPrunedAt: number | null;
}

/** Most peers remembered; the longest-disconnected ones go first. */
const MAX_RECORDS = 512;
/** A disconnected peer is forgotten after this long (gossipsub keeps its score as long). */
export const RECORD_RETENTION_MS = 10 * 60 * 1000;

/**
 * This node's memory of its peers: connects and disconnects, per-peer gossip verdicts and mesh
 * prunes. gossipsub forgets a peer's mesh history when it leaves; this keeps what a test needs
 * to say "the honest node pruned or disconnected the attacker" after the fact.
 */
export class PeerLedger {
  readonly #records = new Map<string, PeerRecord>();

  connected(peer: string): void {
    const record = this.#record(peer);
    record.connected = true;
    record.connectedAt = Date.now();
  }

  disconnected(peer: string): void {
    const record = this.#record(peer);
    record.connected = false;
    record.disconnectedAt = Date.now();
  }

  verdict(peer: string, verdict: Verdict): void {
    this.#record(peer).messages[verdict]++;
  }

  /** We pruned `peer` from our mesh of `topic`. */
  pruned(peer: string, _topic: Topic | string): void {
    const record = this.#record(peer);
    record.prunes++;
    record.lastPrunedAt = Date.now();
  }

  get(peer: string): PeerRecord | undefined {
    return this.#records.get(peer);
  }

  /** Every remembered peer; forgets disconnected ones older than the retention. */
  entries(now = Date.now()): [string, PeerRecord][] {
    for (const [peer, record] of this.#records) {
      if (
        !record.connected &&
        record.disconnectedAt !== null &&
        now - record.disconnectedAt > RECORD_RETENTION_MS
      )
        this.#records.delete(peer);
    }
    return [...this.#records];
  }

  #record(peer: string): PeerRecord {
    let record = this.#records.get(peer);
    if (record === undefined) {
      if (this.#records.size >= MAX_RECORDS) this.#evict();
      record = {
        connected: false,
        connectedAt: null,
        disconnectedAt: null,
        messages: { accept: 0, reject: 0, ignore: 0 },
        prunes: 0,
        lastPrunedAt: null,
      };
      this.#records.set(peer, record);
    }
    return record;
  }

  #evict(): void {
    let oldest: [string, number] | undefined;
    for (const [peer, record] of this.#records) {
      if (record.connected) continue;
      const at = record.disconnectedAt ?? 0;
      if (oldest === undefined || at < oldest[1]) oldest = [peer, at];
    }
    // All connected (cannot happen below maxConnections): drop the first one.
    this.#records.delete(oldest?.[0] ?? this.#records.keys().next().value!);
  }
}
