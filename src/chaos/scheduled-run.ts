/**
 * The run loop every seeded chaos shares (node faults, churn, link faults): take the plan's next step,
 * sleep until it is due, record it, run it, stop at the first failure or after `maxSteps`
 * counted steps; `stop()` ends the waiting, lets a step under way finish, and gives back the
 * first step that failed so the chaos can rethrow it in its own words.
 */
import type { Clock } from '../support/clock.ts';

/** A step that ran (or failed), with recording times (ms since the recording started). */
export interface ExecutedStep<S> {
  step: S;
  startedAt: number;
  endedAt: number;
  error?: unknown;
}

/** Options of {@link runScheduled}. */
export interface ScheduledRunOptions<S extends { atMs: number }, R extends ExecutedStep<S>> {
  clock: Clock;
  /** The recording's clock (record times). */
  now: () => number;
  /** The plan's next step; `atMs` is counted from when the run starts. */
  next: () => S;
  /** Stop after this many counted steps. Default: no limit. */
  maxSteps: number | undefined;
  /** Where records go, in order (the chaos exposes this list). */
  executed: R[];
  /** A fresh record for a step starting now. */
  record: (step: S, startedAt: number) => R;
  /** Runs the step; a throw fails the run (kept on the record). */
  run: (record: R) => Promise<void>;
  /** Whether a finished step counts toward `maxSteps`. Default: every step. */
  counts?: (record: R) => boolean;
}

/** A running schedule. */
export interface ScheduledRun<R> {
  /** Resolves when the run ended: `maxSteps` reached, a step failed, or stopped. */
  readonly done: Promise<void>;
  /** Ends the run (idempotent); resolves with the first failed record, if any. */
  stop(): Promise<R | undefined>;
}

/**
 * Starts running the plan's steps on time.
 *
 * @example
 * const run = runScheduled({ clock, now: () => rec.now(), next: () => plan.next(), maxSteps: 3, executed, record: (step, startedAt) => ({ step, startedAt, endedAt: 0 }), run: (r) => apply(r.step) });
 */
export function runScheduled<S extends { atMs: number }, R extends ExecutedStep<S>>(
  opts: ScheduledRunOptions<S, R>,
): ScheduledRun<R> {
  const abort = new AbortController();
  const startedAt = opts.clock.monotonic();
  const loop = async (): Promise<void> => {
    let count = 0;
    while (opts.maxSteps === undefined || count < opts.maxSteps) {
      const step = opts.next();
      try {
        await opts.clock.sleep(startedAt + step.atMs - opts.clock.monotonic(), abort.signal);
      } catch {
        return; // stopped while waiting: no step under way
      }
      const record = opts.record(step, opts.now());
      opts.executed.push(record);
      try {
        await opts.run(record);
      } catch (error) {
        record.error = error;
        return;
      } finally {
        record.endedAt = opts.now();
      }
      if (opts.counts?.(record) ?? true) count++;
    }
  };
  const done = loop();
  let stopped: Promise<R | undefined> | undefined;
  return {
    done,
    stop() {
      stopped ??= (async () => {
        abort.abort();
        await done;
        return opts.executed.find((e) => e.error !== undefined);
      })();
      return stopped;
    },
  };
}

/** What every started seeded chaos exposes (node faults, churn, link faults). */
export interface StartedScheduledChaos<R> extends AsyncDisposable {
  readonly name: string;
  /** The cluster's seed: the same seed plans the same steps (replay with `CHAINLAB_SEED`). */
  readonly seed: number;
  /** Steps run so far, in order. */
  readonly executed: readonly R[];
  /** The planned steps within the first `durationMs`, as readable lines. */
  schedule(durationMs: number): string[];
  /** The steps run so far as one readable line with the seed. */
  summary(): string;
  /** Resolves once the step limit was reached (at once if there is none and it was stopped). */
  readonly done: Promise<void>;
  /** Ends the chaos; rethrows the first step that failed, in the chaos's own words. Idempotent. */
  stop(): Promise<void>;
}

/** What {@link startedChaos} needs from a chaos. */
export interface StartedChaosParts<R> {
  name: string;
  cluster: { readonly seed: number; defer(resource: AsyncDisposable): void };
  run: ScheduledRun<R>;
  executed: R[];
  /** A run step as the summary prints it. */
  describe: (record: R) => string;
  /** The planned steps within `durationMs`, as lines. */
  preview: (durationMs: number) => string[];
  /** The error `stop()` throws for the first failed step; `replay` names the seed to replay it with. */
  failure: (failed: R, replay: string) => Error;
  /** Runs first on the first `stop()` (e.g. to end a step's hold early). */
  beforeStop?: () => void;
}

/**
 * The started form every seeded chaos returns, registered with the cluster: an idempotent
 * `stop()` that rethrows the first failed step, async dispose, the summary and the schedule.
 *
 * @example
 * return startedChaos({ name, cluster, run, executed, describe: (e) => describeStep(e.step), preview, failure });
 */
export function startedChaos<R>(parts: StartedChaosParts<R>): StartedScheduledChaos<R> {
  const { name, cluster, run, executed } = parts;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      parts.beforeStop?.();
      const failed = await run.stop();
      if (failed)
        throw parts.failure(failed, `seed ${cluster.seed}, replay with CHAINLAB_SEED=${cluster.seed}`);
    })();
    return stopping;
  };
  const started: StartedScheduledChaos<R> = {
    name,
    seed: cluster.seed,
    executed,
    schedule: parts.preview,
    summary: () =>
      `${name} (seed ${cluster.seed}): ${executed.map(parts.describe).join(', ') || 'no step ran'}`,
    done: run.done,
    stop,
    [Symbol.asyncDispose]: stop,
  };
  cluster.defer(started);
  return started;
}
