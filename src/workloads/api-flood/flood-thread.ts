/**
 * The API flood's worker thread seen from the test's thread: starts `flood-worker` on a
 * plan, hands each second's rows on, and ends it — asked first (`'stop'`: the engine aborts
 * what is in flight and closes its connections), terminated if it has not ended a grace
 * period later, so a stopped flood never leaves a thread (or its sockets) behind. The
 * thread carries a name (`chainlab-flood`), which is what the operating system lists it by.
 */
import { Worker } from 'node:worker_threads';
import { type Clock, systemClock } from '../../support/clock.ts';
import { WorkloadError } from '../../support/errors.ts';
import type { FloodPlan } from './plan.ts';
import type { RawFloodRow } from './tally.ts';

/** The flood thread's name (at most 15 characters: what Linux keeps of a thread's name). */
export const floodThreadName = 'chainlab-flood';

/** Default time (ms) a flood thread asked to stop gets to end before it is terminated. */
export const defaultStopGraceMs = 5000;

/** Options of {@link startFloodThread}. */
export interface FloodThreadOptions {
  /** The workload's name, for errors. */
  name: string;
  /** Gets each second's tallied rows once that second is over, and the rest at the end. */
  onRows(rows: RawFloodRow[]): void;
  /** How long (ms) the thread gets to end after `halt` before it is terminated. Default 5000. */
  stopGraceMs?: number;
  /** The worker module. Default: `flood-worker` beside this module (`.ts` in the repository, `.js` installed). */
  module?: URL;
  clock?: Clock;
}

/** A started flood thread. */
export interface FloodThread {
  /**
   * Resolves with the thread's own CPU time (ms) once it ended by itself or after `halt`;
   * rejects with a `WorkloadError` when it failed or had to be terminated.
   */
  readonly done: Promise<number | undefined>;
  /** Asks the thread to end now; terminates it if it is still running `stopGraceMs` later. */
  halt(): void;
}

/**
 * Runs `plan` in a worker thread of its own.
 *
 * @example
 * const thread = startFloodThread(plan, { name: 'api-flood', onRows: (rows) => record(rows) });
 * thread.halt();
 * await thread.done;
 */
export function startFloodThread(plan: FloodPlan, opts: FloodThreadOptions): FloodThread {
  const clock = opts.clock ?? systemClock;
  const graceMs = opts.stopGraceMs ?? defaultStopGraceMs;
  const worker = new Worker(opts.module ?? workerUrl(), { workerData: plan, name: floodThreadName });
  const exited = new AbortController();
  let cpuMs: number | undefined;
  let failure: string | undefined;
  let terminated = false;
  worker.on('message', (m: { type: string; rows?: RawFloodRow[]; cpuMs?: number; message?: string }) => {
    if (m.type === 'rows') opts.onRows(m.rows!);
    else if (m.type === 'done') cpuMs = m.cpuMs;
    else if (m.type === 'error') failure = m.message;
  });
  worker.once('error', (e) => {
    failure ??= e.stack ?? String(e);
  });
  const done = new Promise<number | undefined>((resolve, reject) => {
    worker.once('exit', () => {
      exited.abort();
      if (terminated)
        reject(
          new WorkloadError(
            opts.name,
            `the flood thread did not end within ${graceMs} ms of being stopped; it was terminated`,
          ),
        );
      else if (failure !== undefined)
        reject(new WorkloadError(opts.name, `the flood thread failed: ${failure}`));
      else resolve(cpuMs);
    });
  });

  let halted = false;
  return {
    done,
    halt() {
      if (halted || exited.signal.aborted) return;
      halted = true;
      worker.postMessage('stop');
      // The engine ends within a few ms of `stop`; a thread still running after the grace
      // period is stuck, and must not outlive its test.
      void clock.sleep(graceMs, exited.signal).then(
        () => {
          terminated = true;
          void worker.terminate();
        },
        () => undefined,
      );
    },
  };
}

/** The flood's worker module, beside this one (`.ts` in the repository, `.js` when compiled). */
function workerUrl(): URL {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./flood-worker${ext}`, import.meta.url);
}
