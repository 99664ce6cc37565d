/**
 * A flow is one direction of traffic between two nodes (`val-0>val-1`: bytes val-0 sends to
 * val-1), whichever of them dialled the connection. Its settings shape every chunk that
 * travels that way: serialization at the bandwidth cap, then the one-way latency with jitter,
 * and for a lost segment one retransmission timeout more, since a TCP connection never loses
 * bytes: what an application sees of packet loss is a stall. A blackholed flow passes
 * nothing. Part of the link proxy program: imports nothing outside this folder.
 */
import { type Random, seededRandom } from './rng.ts';

/** How one flow is shaped. Every field has a neutral default (see {@link OPEN_FLOW}). */
export interface FlowSettings {
  /** One-way delay added to every chunk (ms, ≥ 0). */
  latencyMs: number;
  /** Each chunk's delay varies uniformly within ± this (ms, ≥ 0); chunks never overtake each other. */
  jitterMs: number;
  /** Chance (0..1) that a chunk is lost once and delivered one retransmission timeout later. */
  loss: number;
  /** Bandwidth cap in bytes per second shared by every connection of the flow; 0 = none. */
  bytesPerSecond: number;
  /** Passes nothing: connections carrying the flow are reset, new ones are held. */
  blackhole: boolean;
}

/** A flow nobody shaped: no delay, no loss, no cap, open. */
export const OPEN_FLOW: Readonly<FlowSettings> = Object.freeze({
  latencyMs: 0,
  jitterMs: 0,
  loss: 0,
  bytesPerSecond: 0,
  blackhole: false,
});

/** Linux's smallest retransmission timeout; a lost segment waits this plus a round trip. */
const MIN_RTO_MS = 200;

/** Delay a lost chunk suffers: one retransmission timeout (200 ms + the round trip). */
export function retransmitMs(s: FlowSettings): number {
  return MIN_RTO_MS + 2 * s.latencyMs;
}

/** Problems of a settings object sent to the control API (empty when fine). */
export function flowSettingsProblems(x: unknown): string[] {
  if (typeof x !== 'object' || x === null) return ['settings must be an object'];
  const s = x as Record<string, unknown>;
  const problems: string[] = [];
  const num = (key: string, max: number): void => {
    const v = s[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max)
      problems.push(`${key} must be a number 0..${max}, got ${JSON.stringify(v)}`);
  };
  num('latencyMs', 60_000);
  num('jitterMs', 60_000);
  num('loss', 1);
  num('bytesPerSecond', 1e12);
  if (typeof s.blackhole !== 'boolean')
    problems.push(`blackhole must be a boolean, got ${JSON.stringify(s.blackhole)}`);
  for (const key of Object.keys(s))
    if (!(key in OPEN_FLOW))
      problems.push(`unknown setting ${key} (allowed: ${Object.keys(OPEN_FLOW).join(', ')})`);
  return problems;
}

/** One direction of traffic between two nodes, with its settings and what it carried. */
export class Flow {
  readonly from: string;
  readonly to: string;
  settings: FlowSettings = { ...OPEN_FLOW };
  /** Bytes delivered so far. */
  bytes = 0;
  readonly #random: Random;
  /** When the cap lets the next byte leave (performance.now() ms). */
  #busyUntil = 0;

  constructor(from: string, to: string, seed: number) {
    this.from = from;
    this.to = to;
    this.#random = seededRandom(seed, `${from}>${to}`);
  }

  get key(): string {
    return `${this.from}>${this.to}`;
  }

  /**
   * When a chunk of `size` bytes that arrived at `now` reaches the far end: it leaves once
   * the cap allows (serialization), then takes the latency (with jitter, plus a
   * retransmission timeout when lost).
   */
  schedule(now: number, size: number): number {
    const s = this.settings;
    let departs = now;
    if (s.bytesPerSecond > 0) {
      departs = Math.max(now, this.#busyUntil) + (size * 1000) / s.bytesPerSecond;
      this.#busyUntil = departs;
    }
    let delay = s.latencyMs;
    if (s.jitterMs > 0) delay += (this.#random() * 2 - 1) * s.jitterMs;
    if (s.loss > 0 && this.#random() < s.loss) delay += retransmitMs(s);
    return departs + Math.max(0, delay);
  }
}
