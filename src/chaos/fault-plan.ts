/**
 * A seeded plan of node faults. The plan lives on its own timeline (ms since the chaos
 * started) and draws from its own random stream, so the same seed gives the same steps
 * whatever the nodes do: a late restart shifts when a step runs, never which step it is.
 */
import type { Rng } from '../support/rng.ts';

/** What a node fault does to its target. */
export type NodeFaultAction = 'restart' | 'kill' | 'pause';

/** One planned fault. */
export interface FaultStep {
  /** 1-based position in the plan. */
  index: number;
  /** Planned time, ms since the chaos started. */
  atMs: number;
  action: NodeFaultAction;
  target: string;
  /** How long the target stays down (kill) or frozen (pause); 0 for restart. */
  downMs: number;
}

export interface FaultPlanOptions {
  action: NodeFaultAction;
  targets: readonly string[];
  minDelayMs: number;
  maxDelayMs: number;
  /** A target is not hit again until this long after its previous planned fault. */
  targetCooldownMs: number;
  downMs: number;
}

/** Readable form of a step, as printed in schedules and failure messages: `t=12.3s kill(val-2) for 1.0s`. */
export function describeStep(step: FaultStep): string {
  const at = `t=${(step.atMs / 1000).toFixed(1)}s`;
  const down = step.downMs > 0 ? ` for ${(step.downMs / 1000).toFixed(1)}s` : '';
  return `${at} ${step.action}(${step.target})${down}`;
}

/**
 * An endless, deterministic sequence of fault steps. Each delay is drawn uniformly from
 * [minDelayMs, maxDelayMs]; the target is drawn among those out of cooldown at that time,
 * and when every target is cooling down the step waits for the first to come out of it.
 */
export class FaultPlan {
  readonly options: FaultPlanOptions;
  readonly #rng: Rng;
  readonly #lastHit = new Map<string, number>();
  #atMs = 0;
  #index = 0;

  constructor(options: FaultPlanOptions, rng: Rng) {
    if (options.targets.length === 0) throw new RangeError('a fault plan needs at least one target');
    this.options = options;
    this.#rng = rng;
  }

  /** The next step; calling it again gives the step after. */
  next(): FaultStep {
    const { minDelayMs, maxDelayMs, targetCooldownMs, targets, action, downMs } = this.options;
    let atMs = this.#atMs + this.#rng.int(minDelayMs, maxDelayMs);
    const readyAt = (t: string): number => {
      const last = this.#lastHit.get(t);
      return last === undefined ? 0 : last + targetCooldownMs;
    };
    let eligible = targets.filter((t) => readyAt(t) <= atMs);
    if (eligible.length === 0) {
      atMs = Math.min(...targets.map(readyAt));
      eligible = targets.filter((t) => readyAt(t) <= atMs);
    }
    const target = this.#rng.pick(eligible);
    this.#lastHit.set(target, atMs);
    this.#atMs = atMs;
    this.#index += 1;
    return { index: this.#index, atMs, action, target, downMs };
  }

  /** The steps planned within the first `durationMs` (for printing a schedule up front). */
  static preview(options: FaultPlanOptions, rng: Rng, durationMs: number): FaultStep[] {
    const plan = new FaultPlan(options, rng);
    const steps: FaultStep[] = [];
    for (let step = plan.next(); step.atMs <= durationMs; step = plan.next()) steps.push(step);
    return steps;
  }
}
