/**
 * Link chaos: partitions, blocked peer pairs and slow nodes on a seeded schedule, each lifted
 * after `hold`. Every fault goes through `cluster.links`, which confirms it and records it as
 * a fault window naming its links, so matchers excuse it and reports draw it; the planned
 * step is marked on the timeline too. Needs a cluster started with `links: true`.
 */
import { z } from 'zod';
import { type NodeSelection, nodeSelectionSchema, selectNodes } from '../cluster/node-selection.ts';
import type { StartedCluster } from '../cluster/types.ts';
import type { LinkFault } from '../links/types.ts';
import { type Clock, systemClock } from '../support/clock.ts';
import { LinkFaultError } from '../support/errors.ts';
import { parseOptions } from '../support/validate.ts';
import {
  describeLinkStep,
  type LinkFaultAction,
  LinkFaultPlan,
  type LinkFaultPlanOptions,
  type LinkFaultStep,
} from './link-fault-plan.ts';
import {
  type ExecutedStep,
  runScheduled,
  type StartedScheduledChaos,
  startedChaos,
} from './scheduled-run.ts';

/** Options of {@link linkFaults}. Times in milliseconds. */
export interface LinkFaultsOptions {
  /** What the faults do, one drawn per step. Default `['partition', 'block-peer']`. */
  actions?: LinkFaultAction[];
  /** Shortest wait after a fault was lifted. Default 10_000. */
  minDelay?: number;
  /** Longest wait after a fault was lifted. Default 20_000. */
  maxDelay?: number;
  /** How long each fault stays in force. Default 5_000. */
  hold?: number;
  /** One-way latency of a `latency` step on every link of its node (it replaces any latency in force, as `cluster.links.latency` does). Default 300. */
  latencyMs?: number;
  /** Nodes a fault may involve. Default `'validators'`. */
  targets?: NodeSelection;
  /** Stop after this many faults. Default: no limit (until `stop()`). */
  maxFaults?: number;
  /** Label of the random stream and the schedule. Default `'link-faults'`. */
  name?: string;
}

const allowed = {
  actions: "a non-empty list of 'partition' | 'block-peer' | 'latency'",
  minDelay: 'an integer number of ms, 0..3_600_000',
  maxDelay: 'an integer number of ms, 0..3_600_000, at least minDelay',
  hold: 'an integer number of ms, 0..600_000',
  latencyMs: 'an integer number of ms, 1..60_000',
  targets: "'validators' | 'executors' | 'all' | a list of at least two node names",
  maxFaults: 'a positive integer',
  name: 'a non-empty string',
  '*': 'actions, minDelay, maxDelay, hold, latencyMs, targets, maxFaults, name',
} as const;

const ms = (max: number) => z.number().int().min(0).max(max);
const schema = z
  .strictObject({
    actions: z
      .array(z.enum(['partition', 'block-peer', 'latency']))
      .min(1)
      .default(['partition', 'block-peer']),
    minDelay: ms(3_600_000).default(10_000),
    maxDelay: ms(3_600_000).default(20_000),
    hold: ms(600_000).default(5_000),
    latencyMs: z.number().int().min(1).max(60_000).default(300),
    targets: nodeSelectionSchema.default('validators'),
    maxFaults: z.number().int().positive().optional(),
    name: z.string().min(1).default('link-faults'),
  })
  .refine((o) => o.maxDelay >= o.minDelay, { path: ['maxDelay'] });

type ResolvedOptions = z.output<typeof schema>;

/** A link fault that ran (or failed), with recording times (ms since the recording started). */
export type ExecutedLinkFault = ExecutedStep<LinkFaultStep>;

/** Running link chaos. Dispose it (or `stop()`) to end it; a fault in force is lifted first. */
export interface StartedLinkFaults extends StartedScheduledChaos<ExecutedLinkFault> {
  /** Resolves once `maxFaults` faults ran (at once if there is no limit and it was stopped). */
  readonly done: Promise<void>;
}

/** A link chaos definition; `start(cluster)` runs it in the background. */
export interface LinkFaults {
  readonly name: string;
  readonly options: Readonly<ResolvedOptions>;
  /** Starts the faults; throws `CapabilityError` at once on a cluster without links. */
  start(cluster: StartedCluster, opts?: { clock?: Clock }): Promise<StartedLinkFaults>;
}

/**
 * Link faults between random nodes at random intervals, all drawn from the cluster's seed.
 *
 * @example
 * await using chaos = await linkFaults({ actions: ['partition'], minDelay: 5_000, maxDelay: 8_000, hold: 4_000 }).start(cluster);
 */
export function linkFaults(options: LinkFaultsOptions = {}): LinkFaults {
  const resolved = parseOptions(schema, options, 'link fault options', allowed);
  return {
    name: resolved.name,
    options: Object.freeze({ ...resolved }),
    start: async (cluster, opts) => {
      // Without links, the cluster's link layer refuses with the CapabilityError that says how to get them.
      if (!cluster.links.enabled) await cluster.links.heal();
      return startLinkFaults(cluster, resolved, opts?.clock ?? systemClock);
    },
  };
}

function startLinkFaults(cluster: StartedCluster, options: ResolvedOptions, clock: Clock): StartedLinkFaults {
  const { name } = options;
  const targets = selectNodes(cluster, options.targets, 'link fault options', 'targets').map((n) => n.name);
  const planOptions: LinkFaultPlanOptions = {
    actions: options.actions,
    targets,
    minDelayMs: options.minDelay,
    maxDelayMs: options.maxDelay,
    holdMs: options.hold,
    latencyMs: options.latencyMs,
  };
  const plan = new LinkFaultPlan(planOptions, cluster.rng.fork(`chaos/${name}`));
  const executed: ExecutedLinkFault[] = [];
  const abort = new AbortController();

  const apply = (step: LinkFaultStep): Promise<LinkFault> => {
    if (step.action === 'partition') return cluster.links.partition(step.groups);
    if (step.action === 'block-peer') return cluster.links.blockPeer(...step.pair);
    return cluster.links.latency({
      tiers: [{ name: 'slow', nodes: [step.node], latencyMs: step.latencyMs }],
    });
  };

  const run = runScheduled({
    clock,
    now: () => cluster.recording.now(),
    next: () => plan.next(),
    maxSteps: options.maxFaults,
    executed,
    record: (step, at): ExecutedLinkFault => ({ step, startedAt: at, endedAt: 0 }),
    run: async ({ step }) => {
      cluster.recording.mark('chaos', `${name}: ${describeLinkStep(step)}`);
      const fault = await apply(step);
      try {
        await clock.sleep(step.holdMs, abort.signal).catch(() => undefined);
      } finally {
        await fault.lift();
      }
    },
  });
  return startedChaos({
    name,
    cluster,
    run,
    executed,
    describe: (e) => describeLinkStep(e.step),
    preview: (durationMs) =>
      LinkFaultPlan.preview(planOptions, cluster.rng.fork(`chaos/${name}`), durationMs).map(describeLinkStep),
    failure: (failed, replay) =>
      new LinkFaultError(
        `chaos step ${describeLinkStep(failed.step)} of ${name}`,
        LinkFaultError.is(failed.error) ? failed.error.links : [],
        `failed (${replay}): ${(failed.error as Error).message}`,
        { cause: failed.error },
      ),
    // A fault in force is lifted now rather than at the end of its hold.
    beforeStop: () => abort.abort(),
  });
}
