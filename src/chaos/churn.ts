/**
 * Churn chaos: nodes join with fresh identities and others leave for good on a seeded
 * schedule (cluster option `membership`). Joins and leaves keep the cluster between
 * `minSize` and `maxSize` present nodes; a leave never takes the validators below the stake
 * they need to finalize (the cluster refuses it, and the churn picks another target or skips).
 * Every change goes through `cluster.addNode` / `cluster.removeNode`, which put it on the
 * recording's timeline.
 */
import { z } from 'zod';
import type { StartedCluster, StartedNode } from '../cluster/types.ts';
import { type Clock, systemClock } from '../support/clock.ts';
import { ConfigError, MembershipError } from '../support/errors.ts';
import { parseOptions } from '../support/validate.ts';
import { ChurnPlan, type ChurnPlanOptions, type ChurnStep, describeChurnStep } from './churn-plan.ts';
import {
  type ExecutedStep,
  runScheduled,
  type StartedScheduledChaos,
  startedChaos,
} from './scheduled-run.ts';

/** Options of `churn`. Times in milliseconds. */
export interface ChurnOptions {
  /** Mean time between joins (each wait uniform in ½..1½ of it); 0 = no joins. Default 15_000. */
  joinEvery?: number;
  /** Mean time between leaves; 0 = no leaves. Default 15_000. */
  leaveEvery?: number;
  /**
   * What joins: a fresh `executor`; a standby `validator` (skipped once none is left); or
   * `mixed`: a standby validator while one is left, then fresh executors. Default `'executor'`.
   */
  joinRole?: 'executor' | 'validator' | 'mixed';
  /** Fewest present nodes: a leave that would go below is skipped. Default: the size at start − 1 (at least 1). */
  minSize?: number;
  /** Most present nodes: a join that would go above is skipped. Default: the size at start + 1. */
  maxSize?: number;
  /** Which present nodes may leave: `'all'`, `'validators'`, `'executors'`, or names. Default `'all'`. */
  targets?: 'all' | 'validators' | 'executors' | string[];
  /** Nodes that never leave (e.g. the node a workload sends to). Default none. */
  keep?: string[];
  /** Stop after this many changes (skipped steps do not count). Default: no limit (until `stop()`). */
  maxChanges?: number;
  /** Label of the random stream and the schedule. Default `'churn'`. */
  name?: string;
}

const allowed = {
  joinEvery: 'an integer number of ms, 0..3_600_000 (0 = no joins)',
  leaveEvery: 'an integer number of ms, 0..3_600_000 (0 = no leaves)',
  joinRole: "'executor' | 'validator' | 'mixed'",
  minSize: 'an integer ≥ 1',
  maxSize: 'an integer ≥ 1, at least minSize',
  targets: "'validators' | 'executors' | 'all' | a non-empty list of node names",
  keep: 'a list of node names of this cluster',
  maxChanges: 'a positive integer',
  name: 'a non-empty string',
  '*': 'joinEvery, leaveEvery, joinRole, minSize, maxSize, targets, keep, maxChanges, name',
} as const;

const ms = z.number().int().min(0).max(3_600_000);
const schema = z
  .strictObject({
    joinEvery: ms.default(15_000),
    leaveEvery: ms.default(15_000),
    joinRole: z.enum(['executor', 'validator', 'mixed']).default('executor'),
    minSize: z.number().int().min(1).optional(),
    maxSize: z.number().int().min(1).optional(),
    targets: z
      .union([z.enum(['all', 'validators', 'executors']), z.array(z.string().min(1)).min(1)])
      .default('all'),
    keep: z.array(z.string().min(1)).default([]),
    maxChanges: z.number().int().positive().optional(),
    name: z.string().min(1).default('churn'),
  })
  .refine((o) => o.joinEvery > 0 || o.leaveEvery > 0, { path: ['joinEvery'] })
  .refine((o) => o.minSize === undefined || o.maxSize === undefined || o.maxSize >= o.minSize, {
    path: ['maxSize'],
  });

type ResolvedChurn = z.output<typeof schema>;

/** A churn step that ran: what changed, or why it was skipped. */
export interface ExecutedChurn extends ExecutedStep<ChurnStep> {
  /** The node that joined or left (undefined when skipped). */
  node?: string;
  /** Why nothing changed: `at max size 5`, `at min size 3`, `no standby validator left`, `no target may leave`. */
  skipped?: string;
}

/** Running churn. Dispose it (or `stop()`) to end it; a change under way finishes first. */
export interface StartedChurn extends StartedScheduledChaos<ExecutedChurn> {
  /** The planned steps within the first `durationMs`, as readable lines (`t=7.2s join`). */
  schedule(durationMs: number): string[];
  /** What ran, e.g. `churn (seed 913): t=7.2s join(exe-0), t=9.9s leave(val-1), t=15.0s join skipped (at max size 5)`. */
  summary(): string;
  /** Resolves once `maxChanges` changes ran (at once if there is no limit and it was stopped). */
  readonly done: Promise<void>;
}

/** A churn definition; `start(cluster)` runs it in the background. */
export interface Churn {
  readonly name: string;
  readonly options: Readonly<ResolvedChurn>;
  start(cluster: StartedCluster, opts?: { clock?: Clock }): Promise<StartedChurn>;
}

/**
 * Nodes join and leave for good at random intervals drawn from the cluster's seed.
 *
 * @example
 * await using c = await churn({ joinEvery: 8_000, leaveEvery: 10_000, minSize: 4, maxSize: 6 }).start(cluster);
 */
export function churn(options: ChurnOptions = {}): Churn {
  const resolved = parseOptions(schema, options, 'churn options', allowed);
  return {
    name: resolved.name,
    options: Object.freeze({ ...resolved }),
    start: async (cluster, opts) => startChurn(cluster, resolved, opts?.clock ?? systemClock),
  };
}

/** The cluster refused a validator join because no standby key is left (refused before any effect). */
function noStandby(error: unknown): boolean {
  return MembershipError.is(error) && error.message.includes('no standby validator is left');
}

function describeExecuted(e: ExecutedChurn): string {
  const at = `t=${(e.step.atMs / 1000).toFixed(1)}s`;
  if (e.skipped !== undefined) return `${at} ${e.step.kind} skipped (${e.skipped})`;
  return `${at} ${e.step.kind}(${e.node ?? '?'})${e.error === undefined ? '' : ' failed'}`;
}

/** Present nodes the `targets` selection names now (names of nodes gone are simply absent). */
function candidates(cluster: StartedCluster, targets: ResolvedChurn['targets']): StartedNode[] {
  if (targets === 'all') return [...cluster.nodes];
  if (targets === 'validators') return [...cluster.validators];
  if (targets === 'executors') return [...cluster.executors];
  return cluster.nodes.filter((n) => targets.includes(n.name));
}

function startChurn(cluster: StartedCluster, options: ResolvedChurn, clock: Clock): StartedChurn {
  const size = cluster.nodes.length;
  const minSize = options.minSize ?? Math.max(1, size - 1);
  const maxSize = options.maxSize ?? size + 1;
  const named = { targets: Array.isArray(options.targets) ? options.targets : [], keep: options.keep };
  const issues = Object.entries(named).flatMap(([path, names]) => {
    const unknown = names.filter((t) => !cluster.nodes.some((n) => n.name === t));
    return unknown.length === 0
      ? []
      : [
          {
            path,
            value: unknown,
            allowed: `node names of this cluster: ${cluster.nodes.map((n) => n.name).join(', ')}`,
          },
        ];
  });
  if (issues.length > 0) throw new ConfigError('churn options', issues);
  const name = options.name;
  const planOptions: ChurnPlanOptions = { joinEveryMs: options.joinEvery, leaveEveryMs: options.leaveEvery };
  const plan = new ChurnPlan(planOptions, cluster.rng.fork(`chaos/${name}`));
  const picks = cluster.rng.fork(`chaos/${name}/targets`);
  const executed: ExecutedChurn[] = [];

  const join = async (record: ExecutedChurn): Promise<void> => {
    if (cluster.nodes.length >= maxSize) {
      record.skipped = `at max size ${maxSize}`;
      return;
    }
    const wanted = options.joinRole === 'mixed' ? (['validator', 'executor'] as const) : [options.joinRole];
    try {
      for (const [i, role] of wanted.entries()) {
        try {
          record.node = (await cluster.addNode({ role })).name;
          return;
        } catch (error) {
          if (i + 1 < wanted.length && noStandby(error)) continue;
          throw error;
        }
      }
    } catch (error) {
      // Standby validators run out; that is the plan meeting the chain's limits, not a failure.
      if (noStandby(error)) {
        record.skipped = 'no standby validator left';
        return;
      }
      throw error;
    }
  };

  const leave = async (record: ExecutedChurn): Promise<void> => {
    if (cluster.nodes.length <= minSize) {
      record.skipped = `at min size ${minSize}`;
      return;
    }
    // Sorted by name so the pick depends on the seed and the present set only.
    let pool = candidates(cluster, options.targets)
      .filter((n) => !options.keep.includes(n.name))
      .sort((a, b) => a.name.localeCompare(b.name));
    while (pool.length > 0) {
      const target = picks.pick(pool);
      try {
        await cluster.removeNode(target.name);
        record.node = target.name;
        return;
      } catch (error) {
        // Refused before any effect: the stake left would not finalize. Try another target.
        if (MembershipError.is(error) && error.belowQuorum) {
          pool = pool.filter((n) => n !== target);
          continue;
        }
        record.node = target.name;
        throw error;
      }
    }
    record.skipped = 'no target may leave without stalling finality';
  };

  const run = runScheduled({
    clock,
    now: () => cluster.recording.now(),
    next: () => plan.next(),
    maxSteps: options.maxChanges,
    executed,
    record: (step, at): ExecutedChurn => ({ step, startedAt: at, endedAt: 0 }),
    run: async (record) => {
      await (record.step.kind === 'join' ? join(record) : leave(record));
      cluster.recording.mark('chaos', `${name}: ${describeExecuted(record)}`);
    },
    // A skipped step (size bounds, no standby key, no target may leave) changed nothing.
    counts: (record) => record.skipped === undefined,
  });
  return startedChaos({
    name,
    cluster,
    run,
    executed,
    describe: describeExecuted,
    preview: (durationMs) =>
      ChurnPlan.preview(planOptions, cluster.rng.fork(`chaos/${name}`), durationMs).map(describeChurnStep),
    failure: (failed, replay) =>
      new MembershipError(
        failed.node ?? failed.step.kind,
        failed.step.kind === 'join' ? 'add' : 'remove',
        `churn step ${describeChurnStep(failed.step)} of ${name} failed (${replay})`,
        { cause: failed.error },
      ),
  });
}
