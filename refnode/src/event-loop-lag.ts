/**
 * How late the event loop runs: a timer due every `intervalMs` measures how much later than that
 * it fired, smoothed (each tick moves the reading a fifth of the way to the new lag), so a single
 * GC pause barely moves it while a loop that keeps running late, on a starved machine, shows.
 *
 * On a starved machine everything on the event loop (block import, slot timers, the API) waits
 * this long; admission refuses txs while it is high so that the node spends what CPU it gets
 * on blocks rather than on more txs.
 *
 * @example
 * const lag = new EventLoopLag(); // 50 ms ticks
 * lag.start();
 * if (lag.ms > 500) refuse();
 * lag.stop();
 */
export class EventLoopLag {
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #last = performance.now();
  #lagMs = 0;

  /** @param intervalMs tick period; default 50. Measuring begins with {@link start}. */
  constructor(intervalMs = 50) {
    this.#intervalMs = intervalMs;
  }

  /** Starts measuring (idempotent). */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#last = performance.now();
    this.#timer = setInterval(() => this.#tick(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Smoothed lag, ms. */
  get ms(): number {
    return this.#lagMs;
  }

  #tick(): void {
    const now = performance.now();
    const lag = Math.max(0, now - this.#last - this.#intervalMs);
    this.#last = now;
    this.#lagMs += 0.2 * (lag - this.#lagMs);
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
