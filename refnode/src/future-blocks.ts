import { Counter, Gauge, type Registry } from 'prom-client';

/** Most blocks held at once; a flood of early blocks beyond it is dropped (gossip `ignore`). */
export const MAX_HELD_BLOCKS = 64;
/** Distinct refused block hashes remembered, so a block re-offered by sync counts once. */
const REFUSED_MEMORY = 4096;

/** The counters `GET /info` shows under `clock`. */
export interface FutureBlockCounts {
  /** Distinct blocks held because their slot had not started yet (within the drift bound). */
  heldBlocks: number;
  /** Blocks held right now. */
  holding: number;
  /** Distinct blocks refused because their slot starts beyond the drift bound. */
  refusedFutureBlocks: number;
  /** Blocks accepted although beyond the drift bound (only with the `ignore-drift` bug). */
  acceptedBeyondDrift: number;
}

/**
 * The drift rule's bookkeeping: a block whose slot starts in the future is held until it
 * starts when that is at most `maxDriftMs` away, refused beyond. Counts each block once and
 * exports `refnode_future_blocks_*` metrics on the node's registry.
 */
export class FutureBlocks {
  readonly #held = new Set<string>();
  /** Pending waits: their timers and how to end them early (at stop). */
  readonly #waits = new Map<NodeJS.Timeout, (due: boolean) => void>();
  readonly #refused = new Set<string>();
  readonly #counts: FutureBlockCounts = {
    heldBlocks: 0,
    holding: 0,
    refusedFutureBlocks: 0,
    acceptedBeyondDrift: 0,
  };
  readonly #metrics: { held: Counter; refused: Counter; acceptedBeyond: Counter; holding: Gauge };
  #stopped = false;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#metrics = {
      held: new Counter({
        name: 'refnode_future_blocks_held_total',
        help: 'Blocks held until their slot started (from the future, within the drift bound)',
        registers,
      }),
      refused: new Counter({
        name: 'refnode_future_blocks_refused_total',
        help: 'Blocks refused because their slot starts beyond the drift bound (counted once per block)',
        registers,
      }),
      acceptedBeyond: new Counter({
        name: 'refnode_future_blocks_accepted_beyond_drift_total',
        help: 'Blocks accepted although their slot started beyond the drift bound (ignore-drift bug)',
        registers,
      }),
      holding: new Gauge({ name: 'refnode_future_blocks_holding', help: 'Blocks held right now', registers }),
    };
  }

  counts(): FutureBlockCounts {
    return { ...this.#counts, holding: this.#held.size };
  }

  /**
   * Waits until a held block's slot has started. Resolves false without waiting when the block
   * is already held (another copy waits for it), too many are held, or the node is stopping.
   */
  hold(hash: string, waitMs: number): Promise<boolean> {
    if (this.#stopped || this.#held.has(hash) || this.#held.size >= MAX_HELD_BLOCKS)
      return Promise.resolve(false);
    this.#held.add(hash);
    this.#counts.heldBlocks++;
    this.#metrics.held.inc();
    this.#metrics.holding.set(this.#held.size);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waits.delete(timer);
        this.#held.delete(hash);
        this.#metrics.holding.set(this.#held.size);
        resolve(!this.#stopped);
      }, waitMs + 1);
      this.#waits.set(timer, resolve);
    });
  }

  refused(hash: string): void {
    if (this.#refused.has(hash)) return;
    if (this.#refused.size >= REFUSED_MEMORY) this.#refused.delete(this.#refused.values().next().value!);
    this.#refused.add(hash);
    this.#counts.refusedFutureBlocks++;
    this.#metrics.refused.inc();
  }

  acceptedBeyondDrift(): void {
    this.#counts.acceptedBeyondDrift++;
    this.#metrics.acceptedBeyond.inc();
  }

  /** Drops every held block: their waits resolve false at once. */
  stop(): void {
    this.#stopped = true;
    for (const [timer, resolve] of this.#waits) {
      clearTimeout(timer);
      resolve(false);
    }
    this.#waits.clear();
    this.#held.clear();
  }
}
