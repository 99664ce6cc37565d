/**
 * Time source for everything chainlab schedules or measures.
 *
 * The real timer functions are captured when this module is first imported, before a
 * test can call `vi.useFakeTimers()`: a user's fake timers then cannot freeze a matcher's
 * polling, a workload's pacing or a readiness timeout.
 */

const realSetTimeout = globalThis.setTimeout.bind(globalThis);
const realClearTimeout = globalThis.clearTimeout.bind(globalThis);
const realSetInterval = globalThis.setInterval.bind(globalThis);
const realClearInterval = globalThis.clearInterval.bind(globalThis);
const realDateNow = Date.now.bind(Date);
const realPerformanceNow = performance.now.bind(performance);

/** A source of time and timers. Inject one to make timing logic testable. */
export interface Clock {
  /** Wall-clock time in epoch milliseconds. */
  now(): number;
  /** Monotonic milliseconds (only differences are meaningful). */
  monotonic(): number;
  /** Resolves after `ms`; rejects with the signal's reason if `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `fn` every `ms` until the returned handle is disposed. */
  setInterval(fn: () => void, ms: number): Disposable;
  /** Calls `fn` once after `ms` unless the returned handle is disposed first. */
  setTimeout(fn: () => void, ms: number): Disposable;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** The real clock, immune to fake timers installed after chainlab was imported. */
export const systemClock: Clock = {
  now: () => realDateNow(),
  monotonic: () => realPerformanceNow(),
  sleep(ms, signal) {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const onAbort = (): void => {
        realClearTimeout(timer);
        reject(abortReason(signal!));
      };
      const timer = realSetTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
  setInterval(fn, ms) {
    const handle = realSetInterval(fn, ms);
    return { [Symbol.dispose]: () => realClearInterval(handle) };
  },
  setTimeout(fn, ms) {
    const handle = realSetTimeout(fn, ms);
    return { [Symbol.dispose]: () => realClearTimeout(handle) };
  },
};

/** The real `setTimeout`, captured at import (for code that needs a raw, unref-able handle). */
export const realTimers = {
  setTimeout: realSetTimeout,
  clearTimeout: realClearTimeout,
  setInterval: realSetInterval,
  clearInterval: realClearInterval,
} as const;
