import type { Libp2p } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import type { Logger } from 'pino';
import type { AddressBook, BookChange } from './address-book.ts';
import { messageOf, shortPeer } from './errors.ts';
import type { P2pMetrics } from './metrics.ts';

/** Retry delay for configured peers (`p2p.peers`): re-dialled every 1–2 s for as long as we run. */
const CONFIGURED_RETRY_MS = [1000, 2000] as const;
/**
 * Retry delay cap for bootstrap entries of the peers file: 1, 2, 4, 8, then every 10 s while
 * the entry stays in the book. A peer that left for good costs one dial per 10 s until the
 * launcher removes it from the book; then it is forgotten.
 */
export const BOOK_RETRY_CAP_MS = 10_000;
/** Retry delay cap for peers learned from other peers (they may have left for good). */
export const LEARNED_RETRY_CAP_MS = 30_000;
/** A learned peer that failed this many dials in a row is forgotten (it left the network). */
export const LEARNED_MAX_FAILURES = 8;
/** At most this many learned peers are remembered. */
const MAX_LEARNED = 256;
const DIAL_TIMEOUT_MS = 5000;

/**
 * Why a peer is dialled: `configured` (`p2p.peers`, every 1–2 s forever), `bootstrap` (a
 * bootstrap entry of the peers file, backoff capped at 10 s) or `learned` (named by a peer;
 * backoff capped at 30 s, forgotten after 8 failed dials in a row).
 */
export type DialPolicy = 'configured' | 'bootstrap' | 'learned';

/** A peer this node is trying to stay connected to, as `GET /p2p/peers` shows it. */
export interface DialTargetView {
  policy: DialPolicy;
  addrs: string[];
  /** Failed dials in a row. */
  failures: number;
  /** ms until the next dial (0 = due now or connected). */
  nextDialInMs: number;
  lastError: string | null;
}

interface Target {
  peer: string;
  addrs: Multiaddr[];
  policy: DialPolicy;
  failures: number;
  nextAt: number;
  dialing: boolean;
  lastError: string | null;
}

/** What `learn` did with a peer named by another peer (`unresolved`: the first time a strict book lacks it). */
export type LearnOutcome = 'new' | 'known' | 'unresolved';

/**
 * Keeps us connected: dials the book's bootstrap peers at start and re-dials them whenever
 * they are not connected (nodes start in any order and restart), and dials peers learned
 * through peer exchange while we are below `maxPeers`. With a strict book (a peers file) a
 * learned peer is dialled at its book address only, and one missing from the book is not
 * dialled at all (it is remembered, so adding it to the book later dials it at once).
 */
export class PeerKeeper {
  readonly #libp2p: Libp2p;
  readonly #self: string;
  readonly #book: AddressBook;
  readonly #logger: Logger;
  readonly #metrics: P2pMetrics;
  readonly #maxPeers: number;
  readonly #targets = new Map<string, Target>();
  /** Peers named by other peers, most recent last (strict book: resolved through the book). */
  readonly #learned = new Map<string, Multiaddr[]>();
  readonly #stop = new AbortController();

  constructor(
    libp2p: Libp2p,
    options: { book: AddressBook; maxPeers: number; logger: Logger; metrics: P2pMetrics },
  ) {
    this.#libp2p = libp2p;
    this.#self = libp2p.peerId.toString();
    this.#book = options.book;
    this.#logger = options.logger;
    this.#metrics = options.metrics;
    this.#maxPeers = options.maxPeers;
    for (const entry of this.#book.entries()) this.#fromBook(entry.peerId);
  }

  /** Peer ids we try to stay connected to. */
  get known(): string[] {
    return [...this.#targets.keys()];
  }

  /** The dial state of a peer, if we are trying to reach it. */
  target(peer: string): DialTargetView | undefined {
    const target = this.#targets.get(peer);
    if (target === undefined) return undefined;
    return {
      policy: target.policy,
      addrs: target.addrs.map((ma) => ma.toString()),
      failures: target.failures,
      nextDialInMs: Math.max(0, target.nextAt - Date.now()),
      lastError: target.lastError,
    };
  }

  /**
   * Remembers a peer named by another peer. Strict book: dialled at its book address, or
   * `unresolved` (not dialled) when the book does not have it. Otherwise: dialled at `addrs`.
   */
  learn(peer: string, addrs: Multiaddr[]): LearnOutcome {
    if (peer === this.#self || addrs.length === 0) return 'known';
    const heardBefore = this.#learned.delete(peer);
    if (this.#learned.size >= MAX_LEARNED) this.#learned.delete(this.#learned.keys().next().value!);
    this.#learned.set(peer, addrs);
    const target = this.#targets.get(peer);
    if (target !== undefined) {
      // Book and configured addresses stay authoritative; learned ones follow the latest answer.
      if (target.policy === 'learned' && !this.#book.strict) target.addrs = addrs;
      return 'known';
    }
    if (this.#book.strict && this.#book.get(peer) === undefined) return heardBefore ? 'known' : 'unresolved';
    const learnedTargets = [...this.#targets.values()].filter((t) => t.policy === 'learned').length;
    if (learnedTargets >= MAX_LEARNED) return 'known';
    this.#targets.set(peer, this.#target(peer, this.#book.strict ? this.#bookAddrs(peer) : addrs, 'learned'));
    return 'new';
  }

  /**
   * Follows a book reload: new bootstrap entries (and learned peers that are now in the book)
   * are dialled at once, changed addresses are used from the next dial, and removed peers are
   * forgotten (the caller hangs up on them).
   */
  applyBook(change: BookChange): void {
    for (const peer of change.removed) {
      this.#targets.delete(peer);
      this.#learned.delete(peer);
    }
    for (const entry of [...change.added, ...change.changed]) {
      this.#targets.delete(entry.peerId);
      this.#fromBook(entry.peerId);
    }
  }

  /** A connected peer went away: retry it soon (with jitter so both sides do not dial at once). */
  disconnected(peer: string): void {
    const target = this.#targets.get(peer);
    if (target !== undefined) target.nextAt = Date.now() + 200 + Math.floor(Math.random() * 400);
  }

  /** Dials every target that is due; called by the network's tick. */
  tick(): void {
    if (this.#stop.signal.aborted) return;
    const now = Date.now();
    let connected = this.#libp2p.getPeers().length;
    for (const target of this.#targets.values()) {
      if (target.dialing || now < target.nextAt) continue;
      if (this.#libp2p.getConnections(peerIdFromString(target.peer)).length > 0) {
        target.failures = 0;
        target.lastError = null;
        continue;
      }
      if (target.policy === 'learned' && connected >= this.#maxPeers) continue;
      connected++;
      void this.#dial(target);
    }
  }

  stop(): void {
    this.#stop.abort();
  }

  /** Makes the target a book entry implies: bootstrap entries always, others once learned. */
  #fromBook(peer: string): void {
    const entry = this.#book.get(peer);
    if (entry === undefined || peer === this.#self) return;
    if (entry.bootstrap) {
      this.#targets.set(
        peer,
        this.#target(peer, this.#bookAddrs(peer), entry.configured ? 'configured' : 'bootstrap'),
      );
    } else if (this.#learned.has(peer)) {
      this.#targets.set(peer, this.#target(peer, this.#bookAddrs(peer), 'learned'));
    }
  }

  #bookAddrs(peer: string): Multiaddr[] {
    return (this.#book.get(peer)?.addrs ?? []).map((address) => multiaddr(`${address}/p2p/${peer}`));
  }

  #target(peer: string, addrs: Multiaddr[], policy: DialPolicy): Target {
    return { peer, addrs, policy, failures: 0, nextAt: 0, dialing: false, lastError: null };
  }

  async #dial(target: Target): Promise<void> {
    target.dialing = true;
    try {
      await this.#libp2p.dial(target.addrs, {
        signal: AbortSignal.any([this.#stop.signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)]),
      });
      target.failures = 0;
      target.lastError = null;
      this.#metrics.dials.inc({ outcome: 'ok' });
    } catch (error) {
      if (this.#stop.signal.aborted) return;
      target.failures++;
      target.lastError = messageOf(error);
      this.#metrics.dials.inc({ outcome: 'error' });
      const retryMs = retryDelay(target.policy, target.failures);
      target.nextAt = Date.now() + retryMs;
      const where = target.addrs[0]?.toString() ?? target.peer;
      // The first failure is news; the repeats while a peer is down are noise.
      const level = target.failures === 1 ? 'info' : 'debug';
      if (target.policy === 'learned' && target.failures >= LEARNED_MAX_FAILURES) {
        // Only the identity of this very target: the book or a newer learn may have replaced it.
        if (this.#targets.get(target.peer) === target) this.#targets.delete(target.peer);
        this.#learned.delete(target.peer);
        this.#logger.info(
          { peer: target.peer },
          `forgetting learned peer ${shortPeer(target.peer)} after ${target.failures} failed dials`,
        );
      } else {
        this.#logger[level](
          { peer: target.peer, addr: where, failures: target.failures, err: messageOf(error) },
          `cannot reach ${shortPeer(target.peer)} at ${where} (${messageOf(error)}); retrying in ${retryMs} ms`,
        );
      }
    } finally {
      target.dialing = false;
    }
  }
}

/** ms until the next dial after `failures` failed dials in a row under `policy`. */
export function retryDelay(policy: DialPolicy, failures: number): number {
  switch (policy) {
    case 'configured':
      return CONFIGURED_RETRY_MS[Math.min(failures - 1, 1)] ?? 2000;
    case 'bootstrap':
      return Math.min(BOOK_RETRY_CAP_MS, 1000 * 2 ** (failures - 1));
    case 'learned':
      return Math.min(LEARNED_RETRY_CAP_MS, 1000 * 2 ** (failures - 1));
  }
}

/** The peer id in a multiaddr's `/p2p/<id>` part, if any. */
export function peerOf(ma: Multiaddr): string | undefined {
  return ma.getComponents().find((component) => component.name === 'p2p')?.value;
}
