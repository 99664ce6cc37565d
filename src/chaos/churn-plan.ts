/**
 * A seeded plan of membership changes: joins and leaves, each on its own random cadence,
 * merged on one timeline (ms since the churn started). Like the fault plan it draws only
 * from its own stream, so the same seed gives the same times and kinds whatever the nodes
 * do; which node leaves is drawn when the step runs, among the nodes present then.
 */
import type { Rng } from '../support/rng.ts';

/** One planned membership change. */
export interface ChurnStep {
  /** 1-based position in the plan. */
  index: number;
  /** Planned time, ms since the churn started. */
  atMs: number;
  kind: 'join' | 'leave';
}

export interface ChurnPlanOptions {
  /** Mean ms between joins (each wait uniform in ½..1½ of it); 0 = no joins. */
  joinEveryMs: number;
  /** Mean ms between leaves; 0 = no leaves. */
  leaveEveryMs: number;
}

/** `t=12.3s join` */
export function describeChurnStep(step: ChurnStep): string {
  return `t=${(step.atMs / 1000).toFixed(1)}s ${step.kind}`;
}

export class ChurnPlan {
  readonly #rng: Rng;
  readonly #options: ChurnPlanOptions;
  #nextJoin: number;
  #nextLeave: number;
  #index = 0;

  constructor(options: ChurnPlanOptions, rng: Rng) {
    if (options.joinEveryMs <= 0 && options.leaveEveryMs <= 0)
      throw new RangeError('a churn plan needs joins or leaves');
    this.#options = options;
    this.#rng = rng;
    this.#nextJoin = this.#draw(0, options.joinEveryMs);
    this.#nextLeave = this.#draw(0, options.leaveEveryMs);
  }

  #draw(from: number, every: number): number {
    if (every <= 0) return Number.POSITIVE_INFINITY;
    return from + this.#rng.int(Math.round(every / 2), Math.round((every * 3) / 2));
  }

  /** The next step; a join and a leave due at the same ms run join first. */
  next(): ChurnStep {
    this.#index += 1;
    if (this.#nextJoin <= this.#nextLeave) {
      const atMs = this.#nextJoin;
      this.#nextJoin = this.#draw(atMs, this.#options.joinEveryMs);
      return { index: this.#index, atMs, kind: 'join' };
    }
    const atMs = this.#nextLeave;
    this.#nextLeave = this.#draw(atMs, this.#options.leaveEveryMs);
    return { index: this.#index, atMs, kind: 'leave' };
  }

  /** The steps planned within the first `durationMs`. */
  static preview(options: ChurnPlanOptions, rng: Rng, durationMs: number): ChurnStep[] {
    const plan = new ChurnPlan(options, rng);
    const steps: ChurnStep[] = [];
    for (let s = plan.next(); s.atMs <= durationMs; s = plan.next()) steps.push(s);
    return steps;
  }
}
