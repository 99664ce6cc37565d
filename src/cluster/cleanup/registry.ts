/**
 * The run's cleanup registry: everything a run starts (processes, containers, networks,
 * dirs) registers a teardown here. Teardowns run on normal dispose, and the registry also
 * tears down on SIGINT/SIGTERM and, synchronously, on `process.on('exit')` — so a test
 * run that is interrupted or exits early leaves nothing behind.
 */

import { realTimers } from '../../support/clock.ts';

/** One registered resource. */
export interface CleanupEntry {
  /** For logs and errors: `process val-2 (pid 4123)`. */
  label: string;
  /** Orderly async teardown (graceful stop, remove dir). */
  dispose(): Promise<void>;
  /**
   * Last-resort synchronous teardown for `process.on('exit')`, where no async work runs:
   * e.g. SIGKILL a pid, `rmSync` a dir.
   */
  disposeSync?(): void;
}

/** Grace given to async teardowns on SIGINT/SIGTERM before the process re-raises the signal. */
export const SIGNAL_TEARDOWN_MS = 10_000;

/** Tracks resources and tears them down in reverse registration order. */
export class CleanupRegistry {
  readonly #entries = new Set<CleanupEntry>();
  #hooksInstalled = false;
  #signalling = false;
  readonly #installHooks: boolean;

  /** `installHooks` (default true): add the process signal and exit hooks on first use. */
  constructor(opts: { installHooks?: boolean } = {}) {
    this.#installHooks = opts.installHooks ?? true;
  }

  /** True once a signal (SIGINT, SIGTERM, SIGHUP) started tearing the run down. */
  get interrupted(): boolean {
    return this.#signalling;
  }

  /** Number of live entries. */
  get size(): number {
    return this.#entries.size;
  }

  /** Registers a resource; disposing the handle unregisters it (after it was torn down by its owner). */
  add(entry: CleanupEntry): Disposable {
    this.#ensureHooks();
    this.#entries.add(entry);
    return { [Symbol.dispose]: () => void this.#entries.delete(entry) };
  }

  /** Tears down every entry, newest first; collects failures and throws them together. */
  async disposeAll(): Promise<void> {
    const entries = [...this.#entries].reverse();
    const errors: unknown[] = [];
    for (const entry of entries) {
      if (!this.#entries.has(entry)) continue;
      try {
        await entry.dispose();
      } catch (error) {
        errors.push(error);
      } finally {
        // Unregistered only once torn down: if the process exits mid-teardown, the exit
        // hook's `disposeSync` still covers this entry.
        this.#entries.delete(entry);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `cleanup: ${errors.length} teardowns failed`);
  }

  /** Synchronous last resort (exit hook): every entry's `disposeSync`, newest first. */
  disposeAllSync(): void {
    const entries = [...this.#entries].reverse();
    this.#entries.clear();
    for (const entry of entries) {
      try {
        entry.disposeSync?.();
      } catch {
        // Nothing more can be done while the process exits; the sweeper gets the rest.
      }
    }
  }

  #ensureHooks(): void {
    if (this.#hooksInstalled || !this.#installHooks) return;
    this.#hooksInstalled = true;
    process.on('exit', () => this.disposeAllSync());
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => void this.#onSignal(signal));
    }
  }

  async #onSignal(signal: NodeJS.Signals): Promise<void> {
    if (this.#signalling) return;
    this.#signalling = true;
    const hardStop = realTimers.setTimeout(() => {
      this.disposeAllSync();
      process.exit(signalExitCode(signal));
    }, SIGNAL_TEARDOWN_MS);
    hardStop.unref();
    try {
      await this.disposeAll();
    } catch {
      this.disposeAllSync();
    }
    realTimers.clearTimeout(hardStop);
    // Only end the process if nobody else (e.g. the test runner) handles this signal:
    // our listener was added with `once`, so remaining listeners belong to others.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  }
}

function signalExitCode(signal: NodeJS.Signals): number {
  const numbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
  return 128 + (numbers[signal] ?? 1);
}

/** The registry of this process (one run per process). */
export const runRegistry = new CleanupRegistry();
