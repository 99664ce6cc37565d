/**
 * Node-control chaos: restart, kill or pause random nodes on a seeded schedule.
 *
 * The definition (`NodeFaults`) is immutable and shareable; `start(cluster)` returns the
 * running `StartedNodeFaults`. Every fault goes through the cluster's node control, which
 * records it as a fault window on the recording, so `toStayLive` judges the periods around
 * it and a failure message can print the schedule as readable steps.
 */
import { z } from 'zod';
import { type NodeSelection, nodeSelectionSchema, selectNodes } from '../cluster/node-selection.ts';
import type { StartedCluster } from '../cluster/types.ts';
import type { NodeControl } from '../deployers/deployer.ts';
import { type Clock, systemClock } from '../support/clock.ts';
import { NodeControlError } from '../support/errors.ts';
import { parseOptions } from '../support/validate.ts';
import {
  describeStep,
  FaultPlan,
  type FaultPlanOptions,
  type FaultStep,
  type NodeFaultAction,
} from './fault-plan.ts';
import {
  type ExecutedStep,
  runScheduled,
  type StartedScheduledChaos,
  startedChaos,
} from './scheduled-run.ts';

/** Which nodes a fault may hit. */
export type FaultTargets = NodeSelection;

/** Options of `nodeFaults` (and `restarts`, `kills`, `pauses`). Times in milliseconds. */
export interface NodeFaultsOptions {
  /** What each fault does. Default `'restart'`. */
  action?: NodeFaultAction;
  /** Shortest wait between two faults. Default 10_000. */
  minDelay?: number;
  /** Longest wait between two faults. Default 20_000. */
  maxDelay?: number;
  /** A node is not hit again until this long after its previous fault. Default 15_000. */
  targetCooldown?: number;
  /** Nodes that may be hit. Default `'validators'`. */
  targets?: FaultTargets;
  /** How long a killed node stays down or a paused node stays frozen. Default 1_000 (kill), 2_000 (pause), 0 (restart). */
  downtime?: number;
  /** Stop after this many faults. Default: no limit (until `stop()`). */
  maxFaults?: number;
  /** Label of the random stream and the schedule. Default the action's plural (`restarts`). */
  name?: string;
}

const allowed = {
  action: "'restart' | 'kill' | 'pause'",
  minDelay: 'an integer number of ms, 0..3_600_000',
  maxDelay: 'an integer number of ms, 0..3_600_000, at least minDelay',
  targetCooldown: 'an integer number of ms, 0..3_600_000',
  targets: "'validators' | 'executors' | 'all' | a non-empty list of node names",
  downtime: 'an integer number of ms, 0..600_000',
  maxFaults: 'a positive integer',
  name: 'a non-empty string',
  '*': 'action, minDelay, maxDelay, targetCooldown, targets, downtime, maxFaults, name',
} as const;

const ms = (max: number) => z.number().int().min(0).max(max);
const schema = z
  .strictObject({
    action: z.enum(['restart', 'kill', 'pause']).default('restart'),
    minDelay: ms(3_600_000).default(10_000),
    maxDelay: ms(3_600_000).default(20_000),
    targetCooldown: ms(3_600_000).default(15_000),
    targets: nodeSelectionSchema.default('validators'),
    downtime: ms(600_000).optional(),
    maxFaults: z.number().int().positive().optional(),
    name: z.string().min(1).optional(),
  })
  .refine((o) => o.maxDelay >= o.minDelay, { path: ['maxDelay'] });

type ResolvedOptions = z.output<typeof schema>;

const defaultDowntime: Record<NodeFaultAction, number> = { restart: 0, kill: 1_000, pause: 2_000 };
const neededControls: Record<NodeFaultAction, NodeControl[]> = {
  restart: ['restart'],
  kill: ['kill', 'start'],
  pause: ['pause', 'resume'],
};

/** A fault that ran (or failed), with recording times (ms since the recording started). */
export type ExecutedFault = ExecutedStep<FaultStep>;

/** Running chaos. Dispose it (or `stop()`) to end it; a fault under way finishes first. */
export interface StartedNodeFaults extends StartedScheduledChaos<ExecutedFault> {
  /**
   * The steps run so far as one readable line with the seed, e.g.
   * `restarts (seed 913): t=12.3s restart(val-2), t=27.0s restart(val-0)`.
   */
  summary(): string;
  /** Resolves once `maxFaults` faults ran (at once if there is no limit and it was stopped). */
  readonly done: Promise<void>;
}

/** A chaos definition; `start(cluster)` runs it in the background. */
export interface NodeFaults {
  readonly name: string;
  readonly options: Readonly<ResolvedOptions>;
  /** Starts the faults in the background; throws `CapabilityError` at once if the deployer cannot do them. */
  start(cluster: StartedCluster, opts?: { clock?: Clock }): Promise<StartedNodeFaults>;
}

/**
 * Faults on random nodes at random intervals, all drawn from the cluster's seed.
 *
 * @example
 * await using chaos = await restarts({ minDelay: 2_000, maxDelay: 4_000, targetCooldown: 3_000 }).start(cluster);
 */
export function nodeFaults(options: NodeFaultsOptions = {}): NodeFaults {
  const resolved = parseOptions(schema, options, 'node fault options', allowed);
  const name = resolved.name ?? `${resolved.action}s`;
  return {
    name,
    options: Object.freeze({ ...resolved }),
    start: async (cluster, opts) => startNodeFaults(cluster, name, resolved, opts?.clock ?? systemClock),
  };
}

/** Restarts random nodes (default: validators) every `minDelay`..`maxDelay` ms. */
export const restarts = (options: Omit<NodeFaultsOptions, 'action'> = {}): NodeFaults =>
  nodeFaults({ ...options, action: 'restart' });
/** Kills (SIGKILL) random nodes and starts them again after `downtime`. */
export const kills = (options: Omit<NodeFaultsOptions, 'action'> = {}): NodeFaults =>
  nodeFaults({ ...options, action: 'kill' });
/** Freezes random nodes for `downtime`. */
export const pauses = (options: Omit<NodeFaultsOptions, 'action'> = {}): NodeFaults =>
  nodeFaults({ ...options, action: 'pause' });

function startNodeFaults(
  cluster: StartedCluster,
  name: string,
  options: ResolvedOptions,
  clock: Clock,
): StartedNodeFaults {
  cluster.requireCapabilities(...neededControls[options.action]);
  const planOptions: FaultPlanOptions = {
    action: options.action,
    targets: selectNodes(cluster, options.targets, 'node fault options', 'targets').map((n) => n.name),
    minDelayMs: options.minDelay,
    maxDelayMs: options.maxDelay,
    targetCooldownMs: options.targetCooldown,
    downMs: options.downtime ?? defaultDowntime[options.action],
  };
  const rng = cluster.rng.fork(`chaos/${name}`);
  const plan = new FaultPlan(planOptions, rng);
  const executed: ExecutedFault[] = [];

  const apply = async (step: FaultStep): Promise<void> => {
    const node = cluster.node(step.target);
    if (step.action === 'restart') return node.restart();
    if (step.action === 'kill') {
      await node.kill();
      await clock.sleep(step.downMs);
      return node.start();
    }
    await node.pause();
    await clock.sleep(step.downMs);
    return node.resume();
  };

  const run = runScheduled({
    clock,
    now: () => cluster.recording.now(),
    next: () => plan.next(),
    maxSteps: options.maxFaults,
    executed,
    record: (step, at): ExecutedFault => ({ step, startedAt: at, endedAt: 0 }),
    run: async ({ step }) => {
      // The planned step (not the node control's own window) goes on the timeline too, so a
      // report shows what the seed scheduled next to what happened.
      cluster.recording.mark('chaos', `${name}: ${describeStep(step)}`);
      await apply(step);
    },
  });
  return startedChaos({
    name,
    cluster,
    run,
    executed,
    describe: (e) => describeStep(e.step),
    preview: (durationMs) =>
      FaultPlan.preview(planOptions, cluster.rng.fork(`chaos/${name}`), durationMs).map(describeStep),
    failure: (failed, replay) =>
      new NodeControlError(
        failed.step.target,
        failed.step.action,
        `chaos step ${describeStep(failed.step)} of ${name} failed (${replay})`,
        { cause: failed.error },
      ),
  });
}
