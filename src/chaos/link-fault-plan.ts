/**
 * A seeded plan of link faults: partitions, blocked peer pairs and slow nodes, each lifted
 * after a while. Like the node-fault plan it lives on its own timeline and random stream, so
 * the same seed gives the same steps whatever the nodes do.
 */
import type { Rng } from '../support/rng.ts';

/** What a link fault does. */
export type LinkFaultAction = 'partition' | 'block-peer' | 'latency';

/** One planned link fault, lifted `holdMs` after it was applied. */
export type LinkFaultStep = {
  /** 1-based position in the plan. */
  index: number;
  /** Planned time, ms since the chaos started. */
  atMs: number;
  holdMs: number;
} & (
  | { action: 'partition'; groups: [string[], string[]] }
  | { action: 'block-peer'; pair: [string, string] }
  | { action: 'latency'; node: string; latencyMs: number }
);

export interface LinkFaultPlanOptions {
  /** Drawn from uniformly at each step. */
  actions: readonly LinkFaultAction[];
  /** Nodes a fault may involve (at least two). */
  targets: readonly string[];
  minDelayMs: number;
  maxDelayMs: number;
  /** How long each fault stays in force. */
  holdMs: number;
  /** One-way latency a `latency` step gives every link of its node. */
  latencyMs: number;
}

/** Readable form of a step: `t=12.3s partition(val-0,val-3 | val-1,val-2) for 4.0s`. */
export function describeLinkStep(step: LinkFaultStep): string {
  const at = `t=${(step.atMs / 1000).toFixed(1)}s`;
  const hold = ` for ${(step.holdMs / 1000).toFixed(1)}s`;
  switch (step.action) {
    case 'partition':
      return `${at} partition(${step.groups[0].join(',')} | ${step.groups[1].join(',')})${hold}`;
    case 'block-peer':
      return `${at} blockPeer(${step.pair[0]}, ${step.pair[1]})${hold}`;
    case 'latency':
      return `${at} latency(${step.node}: ${step.latencyMs} ms)${hold}`;
  }
}

/**
 * An endless, deterministic sequence of link faults. The gap after a fault is lifted is drawn
 * from [minDelayMs, maxDelayMs], so faults never overlap; a partition splits the targets
 * into a minority of 1..⌊n/2⌋ drawn nodes and the rest.
 */
export class LinkFaultPlan {
  readonly options: LinkFaultPlanOptions;
  readonly #rng: Rng;
  #atMs = 0;
  #index = 0;

  constructor(options: LinkFaultPlanOptions, rng: Rng) {
    if (options.targets.length < 2) throw new RangeError('a link fault plan needs at least two targets');
    if (options.actions.length === 0) throw new RangeError('a link fault plan needs at least one action');
    this.options = options;
    this.#rng = rng;
  }

  /** The next step; calling it again gives the step after. */
  next(): LinkFaultStep {
    const { actions, targets, minDelayMs, maxDelayMs, holdMs, latencyMs } = this.options;
    const atMs = this.#atMs + this.#rng.int(minDelayMs, maxDelayMs);
    this.#atMs = atMs + holdMs;
    const index = ++this.#index;
    const action = this.#rng.pick(actions);
    const shuffled = this.#rng.shuffle([...targets]);
    const base = { index, atMs, holdMs };
    if (action === 'partition') {
      const minority = this.#rng.int(1, Math.floor(targets.length / 2));
      const inOrder = (names: string[]): string[] => targets.filter((t) => names.includes(t));
      return {
        ...base,
        action,
        groups: [inOrder(shuffled.slice(0, minority)), inOrder(shuffled.slice(minority))],
      };
    }
    if (action === 'block-peer') return { ...base, action, pair: [shuffled[0]!, shuffled[1]!] };
    return { ...base, action, node: shuffled[0]!, latencyMs };
  }

  /** The steps planned within the first `durationMs` (for printing a schedule up front). */
  static preview(options: LinkFaultPlanOptions, rng: Rng, durationMs: number): LinkFaultStep[] {
    const plan = new LinkFaultPlan(options, rng);
    const steps: LinkFaultStep[] = [];
    for (let step = plan.next(); step.atMs <= durationMs; step = plan.next()) steps.push(step);
    return steps;
  }
}
