/**
 * Workloads: background load on a started cluster. A `Workload` is an immutable
 * definition (options validated when made); `start(cluster)` returns a `StartedWorkload`
 * that runs until stopped, disposed, or the cluster is disposed.
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
  /** Stops sending and waits for in-flight submissions to be answered. */
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
  const started: StartedLoopWorkload = {
    name,
    done: loop.done,
    get sent() {
      return loop.sent;
    },
    get overloadRetries() {
      return loop.overloadRetries;
    },
    ids: () => loop.ids(),
    submitted: () => loop.submitted(),
    stop: () => loop.stop(),
    [Symbol.asyncDispose]() {
      return loop.stop();
    },
  };
  cluster.defer(started);
  return started;
}
