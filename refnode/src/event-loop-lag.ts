/**
 * How late the event loop runs: a timer due every `intervalMs` measures how much later than that
 * it fired. The reading is the recent worst (each tick keeps `max(new lag, 0.8 × previous)`), so
 * one long stall is remembered for a few hundred ms rather than averaged away.
 *
 * On a starved machine everything on the event loop (block import, slot timers, the API) waits
 * this long; admission refuses txs while it is high so that the node spends what CPU it gets
 * on blocks rather than on more txs.
 *
 * @example
 * const lag = new EventLoopLag(); // 50 ms ticks
 * if (lag.ms > 200) refuse();
 * lag.stop();
 */
export class EventLoopLag {
  readonly #intervalMs: number;
  readonly #timer: NodeJS.Timeout;
  #last = performance.now();
  #lagMs = 0;

  /** @param intervalMs tick period; default 50 */
  constructor(intervalMs = 50) {
    this.#intervalMs = intervalMs;
    this.#timer = setInterval(() => this.#tick(), intervalMs);
    this.#timer.unref();
  }

  /** Recent worst lag, ms. */
  get ms(): number {
    return this.#lagMs;
  }

  #tick(): void {
    const now = performance.now();
    const lag = Math.max(0, now - this.#last - this.#intervalMs);
    this.#last = now;
    this.#lagMs = Math.max(lag, this.#lagMs * 0.8);
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
