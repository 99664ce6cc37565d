import type { Libp2p } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr';
import type { Logger } from 'pino';
import { messageOf, shortPeer } from './errors.ts';
import type { P2pMetrics } from './metrics.ts';

/** Retry delay for configured peers: they are re-dialed every 1–2 s for as long as we run. */
const CONFIGURED_RETRY_MS = [1000, 2000] as const;
/** Retry delay cap for peers learned through peer exchange (they may have left for good). */
const LEARNED_RETRY_CAP_MS = 30_000;
/** A learned peer that failed this many dials in a row is forgotten (it left the network). */
const LEARNED_MAX_FAILURES = 8;
/** At most this many learned peers are remembered. */
const MAX_LEARNED = 256;
const DIAL_TIMEOUT_MS = 5000;

interface Target {
  peer: string;
  addrs: Multiaddr[];
  configured: boolean;
  failures: number;
  nextAt: number;
  dialing: boolean;
}

/**
 * Keeps us connected: dials the configured peers at start and re-dials them whenever they are
 * not connected (nodes start in any order and restart), and dials peers learned through peer
 * exchange while we are below `maxPeers`.
 */
export class PeerKeeper {
  readonly #libp2p: Libp2p;
  readonly #self: string;
  readonly #logger: Logger;
  readonly #metrics: P2pMetrics;
  readonly #maxPeers: number;
  readonly #targets = new Map<string, Target>();
  readonly #stop = new AbortController();

  constructor(
    libp2p: Libp2p,
    options: { configured: string[]; maxPeers: number; logger: Logger; metrics: P2pMetrics },
  ) {
    this.#libp2p = libp2p;
    this.#self = libp2p.peerId.toString();
    this.#logger = options.logger;
    this.#metrics = options.metrics;
    this.#maxPeers = options.maxPeers;
    for (const address of options.configured) {
      const ma = multiaddr(address);
      const peer = peerOf(ma);
      if (peer === undefined || peer === this.#self) continue;
      const target = this.#targets.get(peer);
      if (target === undefined) {
        this.#targets.set(peer, {
          peer,
          addrs: [ma],
          configured: true,
          failures: 0,
          nextAt: 0,
          dialing: false,
        });
      } else {
        target.addrs.push(ma);
      }
    }
  }

  /** Peer ids we try to stay connected to. */
  get known(): string[] {
    return [...this.#targets.keys()];
  }

  /** Remembers addresses learned from a peer; returns true if the peer is new to us. */
  learn(peer: string, addrs: Multiaddr[]): boolean {
    if (peer === this.#self || addrs.length === 0) return false;
    const target = this.#targets.get(peer);
    if (target !== undefined) {
      // Configured addresses stay authoritative; learned ones follow the latest answer.
      if (!target.configured) target.addrs = addrs;
      return false;
    }
    const learned = [...this.#targets.values()].filter((t) => !t.configured).length;
    if (learned >= MAX_LEARNED) return false;
    this.#targets.set(peer, { peer, addrs, configured: false, failures: 0, nextAt: 0, dialing: false });
    return true;
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
        continue;
      }
      if (!target.configured && connected >= this.#maxPeers) continue;
      connected++;
      void this.#dial(target);
    }
  }

  stop(): void {
    this.#stop.abort();
  }

  async #dial(target: Target): Promise<void> {
    target.dialing = true;
    try {
      await this.#libp2p.dial(target.addrs, {
        signal: AbortSignal.any([this.#stop.signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)]),
      });
      target.failures = 0;
      this.#metrics.dials.inc({ outcome: 'ok' });
    } catch (error) {
      if (this.#stop.signal.aborted) return;
      target.failures++;
      this.#metrics.dials.inc({ outcome: 'error' });
      const retryMs = target.configured
        ? (CONFIGURED_RETRY_MS[Math.min(target.failures - 1, 1)] ?? 2000)
        : Math.min(LEARNED_RETRY_CAP_MS, 1000 * 2 ** (target.failures - 1));
      target.nextAt = Date.now() + retryMs;
      const where = target.addrs[0]?.toString() ?? target.peer;
      // The first failure is news; the repeats while a peer is down are noise.
      const level = target.failures === 1 ? 'info' : 'debug';
      if (!target.configured && target.failures >= LEARNED_MAX_FAILURES) {
        this.#targets.delete(target.peer);
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

/** The peer id in a multiaddr's `/p2p/<id>` part, if any. */
export function peerOf(ma: Multiaddr): string | undefined {
  return ma.getComponents().find((component) => component.name === 'p2p')?.value;
}
