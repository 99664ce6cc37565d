/**
 * Workloads: background load on a started cluster. A `Workload` is an immutable
 * definition (options validated when made); `start(cluster)` returns a `StartedWorkload`
 * that runs until it ends by itself, is stopped or disposed (`await using`), its test's
 * `background` fixture stops it, or the cluster is disposed. `startedWorkload` is the one
 * place that lifecycle is made: idempotent `stop()`, async dispose, registration with the
 * cluster.
 */

import { z } from 'zod';
import type { StartedCluster } from '../cluster/types.ts';
import type { TxRecord } from '../observe/recording.ts';
import type { OpenLoop } from './runner.ts';

/** A workload definition. */
export interface Workload<S extends StartedWorkload = StartedWorkload> {
  /** Name in the recording (`transactions`). */
  readonly name: string;
  /** Starts the load in the background; resolves once it runs. */
  start(cluster: StartedCluster): Promise<S>;
}

/** Running background load. `stop()` is idempotent. */
export interface StartedWorkload extends AsyncDisposable {
  readonly name: string;
  /** Resolves when the workload ended (by itself, or on stop) and what it had in flight ended; rejects when it failed. */
  readonly done: Promise<unknown>;
  /** Stops sending and waits for in-flight submissions to be answered. Rejects with the workload's failure, if any. */
  stop(): Promise<void>;
  /** Every tx this workload submitted, as recorded (inclusion fields filled by the observer). */
  submitted(): TxRecord[];
}

/** The `name` option every workload takes: its label in the recording and its rng fork. */
export const workloadNameSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/);

/** An amount option in smallest units (a number or a bigint ≥ 0), read as bigint. */
export const amountSchema = z.union([z.int().min(0), z.bigint().min(0n)]);

/** The `fee` option of workloads that pay one flat fee per tx, and its allowed text. */
export const flatFeeSchema = amountSchema;
export const flatFeeAllowed = 'an integer ≥ 0 (number or bigint; smallest units)';

/** A workload running on the shared open-loop runner (src/workloads/runner.ts). */
export interface StartedLoopWorkload extends StartedWorkload {
  /** Resolves when the schedule ended (`count`, `durationMs`) and every submission was answered, or on stop. */
  readonly done: Promise<void>;
  /** Submissions sent so far (retries not counted). */
  readonly sent: number;
  /** Retries after `overloaded` answers (the node's Retry-After honoured) so far. */
  readonly overloadRetries: number;
  /** Ids of every recorded submission (the ids the nodes answered), in send order. */
  ids(): string[];
}

/**
 * Wraps a running open loop as a started workload, registered to stop with the cluster.
 *
 * @example
 * return startedLoop(cluster, name, runOpenLoop({ recording: cluster.recording, name, rng, schedule }));
 */
export function startedLoop(cluster: StartedCluster, name: string, loop: OpenLoop): StartedLoopWorkload {
  return startedWorkload(
    cluster,
    name,
    { done: loop.done, halt: () => loop.stop(), submitted: () => loop.submitted() },
    {
      get sent() {
        return loop.sent;
      },
      get overloadRetries() {
        return loop.overloadRetries;
      },
      ids: () => loop.ids(),
    },
  );
}

/** What a workload hands {@link startedWorkload}: its run and how to end it early. */
export interface WorkloadRun<D = void> {
  /**
   * Resolves when the run ended — by itself, or after `halt` — and everything it started
   * (requests, threads, sockets) has ended; rejects when the run failed.
   */
  readonly done: Promise<D>;
  /** Asks the run to end now. Called once, by the first `stop()`; `stop()` then waits for `done`. */
  halt(): void | Promise<void>;
  /** Every tx it submitted, as recorded. Default: none (its requests are not recorded one by one as txs). */
  submitted?(): TxRecord[];
}

/** Where a started workload registers to be disposed: the started cluster (`StartedCluster.defer`). */
export type WorkloadOwner = Pick<StartedCluster, 'defer'>;

/**
 * Makes a running workload a `StartedWorkload`, the same way for every workload: `stop()`
 * halts the run once and waits for `done` (a second call returns the same promise, and a
 * failed run rejects it), `Symbol.asyncDispose` is `stop()` (so `await using` works), and
 * the workload is registered with the cluster so disposing the cluster stops it. The
 * `background` fixtures stop it when its test ends, passed or failed. `extra` adds the
 * workload's own members (getters stay getters).
 *
 * @example
 * const ac = new AbortController();
 * const done = run(ac.signal);
 * return startedWorkload(cluster, name, { done, halt: () => ac.abort() }, { ids: () => ids.slice() });
 */
export function startedWorkload<D, X extends object = object>(
  cluster: WorkloadOwner,
  name: string,
  run: WorkloadRun<D>,
  extra?: X,
): StartedWorkload & { readonly done: Promise<D> } & X {
  type Base = StartedWorkload & { readonly done: Promise<D> };
  // A failure surfaces through `done` and `stop()`; nobody awaiting `done` is no crash.
  run.done.catch(() => undefined);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await run.halt();
      await run.done;
    })();
    return stopping;
  };
  const base: Base = {
    name,
    done: run.done,
    stop,
    submitted: () => run.submitted?.() ?? [],
    [Symbol.asyncDispose]: stop,
  };
  const own = Object.getOwnPropertyDescriptors(extra ?? {});
  const started = Object.defineProperties(base, own) as Base & X;
  cluster.defer(started);
  return started;
}
