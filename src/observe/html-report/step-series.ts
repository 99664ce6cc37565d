/**
 * Step functions on one shared time axis, the shape uPlot draws: a node's height is known
 * at the times it was observed and holds until the next observation. Series of several
 * nodes observed at different times are put on the union of their times, or on an even grid
 * when that union would exceed the point budget (a 30-minute run of 6 nodes has ~20k).
 */

/** From `at` on, the value is `value`; `null` means unknown (the node did not answer). */
export interface Step {
  at: number;
  value: number | null;
}

/** One labelled step function. */
export interface StepInput {
  label: string;
  /** Oldest first (equal times: the later entry wins). */
  steps: readonly Step[];
  /** After this time the series is unknown (the node left for good). */
  until?: number | undefined;
}

/** Series aligned on one axis: `values[i]` belongs to `x[i]`. */
export interface AlignedSeries {
  x: number[];
  series: { label: string; values: (number | null)[] }[];
}

/** Options of {@link alignSteps}. */
export interface AlignOptions {
  from: number;
  to: number;
  /** Most points on the axis; above it an even grid is used. Default 4000. */
  maxPoints?: number;
}

/** The union of the step times inside [from, to] plus both ends, or an even grid of `maxPoints`. */
export function sharedAxis(inputs: readonly StepInput[], opts: AlignOptions): number[] {
  const max = Math.max(2, opts.maxPoints ?? 4000);
  const times = new Set<number>([opts.from, opts.to]);
  for (const input of inputs)
    for (const s of input.steps) if (s.at >= opts.from && s.at <= opts.to) times.add(s.at);
  if (times.size <= max) return [...times].sort((a, b) => a - b);
  const step = (opts.to - opts.from) / (max - 1);
  return Array.from({ length: max }, (_, i) => (i === max - 1 ? opts.to : opts.from + i * step));
}

/** Value of the step function at each `x` (ascending): the last step at or before it. */
export function sampleSteps(steps: readonly Step[], x: readonly number[], until?: number): (number | null)[] {
  const out: (number | null)[] = [];
  let i = 0;
  let current: number | null = null;
  for (const t of x) {
    while (i < steps.length && steps[i]!.at <= t) current = steps[i++]!.value;
    out.push(until !== undefined && t > until ? null : current);
  }
  return out;
}

/**
 * Puts every input on one axis.
 *
 * @example
 * alignSteps([{ label: 'val-0', steps: [{ at: 0, value: 1 }, { at: 500, value: 2 }] }], { from: 0, to: 1000 });
 * // { x: [0, 500, 1000], series: [{ label: 'val-0', values: [1, 2, 2] }] }
 */
export function alignSteps(inputs: readonly StepInput[], opts: AlignOptions): AlignedSeries {
  const x = sharedAxis(inputs, opts);
  return {
    x,
    series: inputs.map((input) => ({
      label: input.label,
      values: sampleSteps(
        [...input.steps].sort((a, b) => a.at - b.at),
        x,
        input.until,
      ),
    })),
  };
}
