/**
 * Load progression: transaction load at rising rates, one step after another, each step its
 * own `transactions` workload (its own name and random stream, e.g. `load-steps-20`), so a
 * step's txs, inclusion and latency can be read back from the recording per step.
 */
import { z } from 'zod';
import { nodeSelectionSchema } from '../cluster/node-selection.ts';
import type { StartedCluster } from '../cluster/types.ts';
import type { Recording, TxRecord } from '../observe/recording.ts';
import { systemClock } from '../support/clock.ts';
import { type AllowedText, parseOptions } from '../support/validate.ts';
import { type StartedTransactions, type TransactionsOptions, transactions } from './transactions.ts';
import type { StartedWorkload, Workload } from './workload.ts';

/** Options of {@link loadSteps}. */
export interface LoadStepsOptions {
  /** Tx rates (tx/s), one step each, in order. Required; non-empty, each 0 < rate ≤ 5000. */
  rates: number[];
  /** Length of each step (ms). Required; ≥ 100. */
  stepMs: number;
  /** Wallets that send (the first `users` of the cluster's). Required; ≥ 1. */
  users: number;
  /** Nodes to submit to. Default `validators`. */
  targets?: TransactionsOptions['targets'];
  /** Name in the recording; step workloads are named `<name>-<rate>`. Default `load-steps`. */
  name?: string;
}

/** One step: its rate, its span in recording ms and its transaction workload. */
export interface LoadStep {
  index: number;
  rate: number;
  /** Recording time the step started. */
  from: number;
  /** Recording time the step ended (its last tx was answered); undefined while running. */
  to: number | undefined;
  load: StartedTransactions;
}

/** A running load progression. */
export interface StartedLoadSteps extends StartedWorkload {
  /** Steps started so far, in order. */
  readonly steps: readonly LoadStep[];
  /** Resolves when the last step ended (or on stop). */
  readonly done: Promise<void>;
  /** Yields each step once it has ended, in order (ends early on stop). */
  completed(): AsyncIterable<LoadStep & { to: number }>;
}

const schema = z.strictObject({
  rates: z.array(z.number().gt(0).lte(5000)).min(1),
  stepMs: z.int().min(100),
  users: z.int().min(1),
  targets: nodeSelectionSchema.optional(),
  name: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,30}$/)
    .optional(),
});

const allowed: AllowedText = {
  rates: 'a non-empty list of tx/s, each 0 < rate ≤ 5000',
  stepMs: 'an integer ≥ 100 (ms)',
  users: 'an integer ≥ 1 (at most the cluster’s wallets)',
  targets: `'all', 'validators', 'executors' or a non-empty list of node names`,
  name: 'a string of 1..30 letters, digits, ., - or _',
  '*': 'one of rates, stepMs, users, targets, name',
};

/**
 * Transaction load at each of `rates` for `stepMs`, one step after the other.
 *
 * @example
 * const progression = await background(loadSteps({ rates: [5, 10, 20, 30], stepMs: 60_000, users: 20 }));
 * for await (const step of progression.completed()) {
 *   await expect(cluster).toStayLive({ since: step.from });
 * }
 */
export function loadSteps(options: LoadStepsOptions): Workload<StartedLoadSteps> {
  const p = parseOptions(schema, options, 'loadSteps options', allowed, 'loadSteps');
  const name = p.name ?? 'load-steps';
  // Each step's options are checked now, so a bad one fails before anything runs.
  const defs = p.rates.map((rate) =>
    transactions({
      rate,
      users: p.users,
      durationMs: p.stepMs,
      name: `${name}-${rate}`,
      ...(p.targets ? { targets: p.targets } : {}),
    }),
  );
  return { name, start: (cluster) => startLoadSteps(cluster, name, p.rates, defs) };
}

async function startLoadSteps(
  cluster: StartedCluster,
  name: string,
  rates: number[],
  defs: Workload<StartedTransactions>[],
): Promise<StartedLoadSteps> {
  const steps: LoadStep[] = [];
  const wake = new Set<() => void>();
  const notify = (): void => {
    for (const fn of [...wake]) fn();
  };
  let stopped = false;
  let current: StartedTransactions | undefined;
  // The first step starts before `start` resolves, so a bad cluster (too few wallets) throws here.
  const first = await defs[0]!.start(cluster);
  const run = async (): Promise<void> => {
    try {
      for (let i = 0; i < defs.length && !stopped; i++) {
        const from = cluster.recording.now();
        current = i === 0 ? first : await defs[i]!.start(cluster);
        // Stopped while this step was starting: end it at once rather than run it out.
        if (stopped) void current.stop();
        const step: LoadStep = { index: i, rate: rates[i]!, from, to: undefined, load: current };
        steps.push(step);
        cluster.recording.mark('load-step', `${name} step ${i + 1}: ${rates[i]} tx/s`);
        notify();
        await current.done;
        await current.stop();
        step.to = cluster.recording.now();
        notify();
      }
    } finally {
      stopped = true;
      notify();
    }
  };
  const done = run();

  let stopping: Promise<void> | undefined;
  const started: StartedLoadSteps = {
    name,
    steps,
    done,
    completed: () => ({
      async *[Symbol.asyncIterator]() {
        for (let i = 0; ; i++) {
          while (steps[i]?.to === undefined && !stopped) {
            await new Promise<void>((resolve) => {
              const fn = (): void => {
                wake.delete(fn);
                resolve();
              };
              wake.add(fn);
            });
          }
          const step = steps[i];
          if (step?.to === undefined) return;
          yield step as LoadStep & { to: number };
        }
      },
    }),
    submitted: () => steps.flatMap((s) => s.load.submitted()),
    stop() {
      stopping ??= (async () => {
        stopped = true;
        await current?.stop();
        await done;
      })();
      return stopping;
    },
    [Symbol.asyncDispose]() {
      return this.stop();
    },
  };
  cluster.defer(started);
  return started;
}

/** Inclusion and latency of one step's txs, as recorded so far. */
export interface StepStats {
  rate: number;
  /** Txs the step sent (each counted once). */
  sent: number;
  accepted: number;
  rejected: number;
  /** Submissions with no answer after retries. */
  failed: number;
  /** Txs seen on some node's best chain. */
  included: number;
  /** included / sent (1 = full inclusion). */
  inclusion: number;
  /** Submission → first seen in a block, ms (NaN without included txs). */
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyMaxMs: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Stats of `txs` (e.g. `step.load.submitted()`), reading inclusion from the recording. Pure. */
export function stepStats(rec: Recording, rate: number, txs: readonly TxRecord[]): StepStats {
  const records = [...new Map(txs.map((t) => [t.id, rec.txs.get(t.id) ?? t])).values()];
  const latencies = records
    .filter((t) => t.includedAt !== undefined)
    .map((t) => t.includedAt! - t.submittedAt)
    .sort((a, b) => a - b);
  const count = (o: TxRecord['outcome']): number => records.filter((t) => t.outcome === o).length;
  return {
    rate,
    sent: records.length,
    accepted: count('accepted'),
    rejected: count('rejected'),
    failed: count('failed'),
    included: latencies.length,
    inclusion: records.length === 0 ? 0 : latencies.length / records.length,
    latencyP50Ms: quantile(latencies, 0.5),
    latencyP95Ms: quantile(latencies, 0.95),
    latencyMaxMs: latencies.at(-1) ?? Number.NaN,
  };
}

/**
 * Waits until every tx of `txs` that can still land is on some node's best chain, or
 * `withinMs` passed. A refused tx never lands, so it is not waited for; a tx without an answer
 * (`failed`) may have reached the node, so it is. Returns whether all were included (the stats
 * say which were not).
 */
export async function awaitInclusion(
  rec: Recording,
  txs: () => readonly TxRecord[],
  withinMs: number,
): Promise<boolean> {
  const until = systemClock.monotonic() + withinMs;
  for (;;) {
    const missing = txs().filter((t) => (rec.txs.get(t.id) ?? t).includedAt === undefined);
    if (missing.every((t) => t.outcome === 'rejected')) return missing.length === 0;
    if (systemClock.monotonic() >= until) return false;
    await systemClock.sleep(Math.min(250, Math.max(0, until - systemClock.monotonic())));
  }
}
