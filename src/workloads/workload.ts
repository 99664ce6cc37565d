/**
 * Workloads: background load on a started cluster. A `Workload` is an immutable
 * definition (options validated when made); `start(cluster)` returns a `StartedWorkload`
 * that runs until stopped, disposed, or the cluster is disposed.
 */

import { z } from 'zod';
import type { StartedCluster } from '../cluster/types.ts';
import type { TxRecord } from '../observe/recording.ts';

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
