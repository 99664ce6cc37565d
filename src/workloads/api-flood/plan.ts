/**
 * An API flood as plain data (what the flood's worker thread gets) and its seeded schedule:
 * which kind of request goes to which node when. Pure: the same plan and seed give the same
 * schedule, and it is unit-tested without a network.
 */
import type { ApiRequest, ApiRequestKind } from '../../adapter/types.ts';
import { Rng } from '../../support/rng.ts';
import { paced } from '../runner.ts';

/** Weights of the request kinds in a flood's mix (0 leaves a kind out). */
export type FloodMix = Record<ApiRequestKind, number>;

/** Everything the flood's sender needs, as structured-clonable data. */
export interface FloodPlan {
  /** Nodes flooded, in order (requests go round robin). */
  targets: { node: string; url: string }[];
  /** Requests of each kind, built by the adapter's API surface; `submit` holds the signed txs, sent in order. */
  catalog: Record<ApiRequestKind, ApiRequest[]>;
  /** Requests per second over all targets, or `max`: as many as `connections` per target keep busy. */
  qps: number | 'max';
  durationMs: number;
  mix: FloodMix;
  /** Extra requests at once, every `everyMs` (beyond the in-flight bound), spread over the targets. */
  burst: { size: number; everyMs: number } | undefined;
  /** Connections per target for everything but slow bodies. */
  connections: number;
  /** Slow bodies in flight per target at most. */
  slowConnections: number;
  /** How long a slow body takes to arrive. */
  slowBodyMs: number;
  /** Per-request timeout (headers and body of the answer). */
  timeoutMs: number;
  /** Local address the flood connects from (a client of its own, for per-client limits). */
  from: string | undefined;
  /** Seed of the kind and target draws. */
  seed: number;
}

/** One planned request: when (ms after the start), what kind, to which target (index). */
export interface PlannedRequest {
  at: number;
  kind: ApiRequestKind;
  target: number;
  /** Part of a burst: sent even when the target has as many requests in flight as it allows. */
  burst: boolean;
}

/**
 * A seeded draw of request kinds by weight.
 *
 * @example
 * const next = kindPicker({ read: 3, submit: 1, malformed: 0, oversized: 0, unknownRoute: 0, slowBody: 0 }, rng);
 * next(); // 'read' three times as often as 'submit'
 */
export function kindPicker(
  mix: FloodMix,
  rng: Rng,
  leaveOut: readonly ApiRequestKind[] = [],
): () => ApiRequestKind {
  const kinds = (Object.keys(mix) as ApiRequestKind[]).filter((k) => mix[k] > 0 && !leaveOut.includes(k));
  if (kinds.length === 0) throw new RangeError('kindPicker needs a kind with a weight above 0');
  const total = kinds.reduce((sum, k) => sum + mix[k], 0);
  let acc = 0;
  const cumulative = kinds.map((k) => {
    acc += mix[k] / total;
    return acc;
  });
  return () => {
    const x = rng.next();
    const i = cumulative.findIndex((c) => x < c);
    return kinds[i < 0 ? kinds.length - 1 : i]!;
  };
}

/** Burst times: every `everyMs` from `everyMs` on, before `durationMs`. */
function* burstTimes(plan: FloodPlan): Generator<number> {
  if (plan.burst === undefined) return;
  for (let at = plan.burst.everyMs; at < plan.durationMs; at += plan.burst.everyMs) yield at;
}

/**
 * The flood's schedule in time order: at a number `qps`, requests at even spacing with a
 * kind drawn from the mix and targets in turn; bursts of `burst.size` requests (slow bodies
 * left out) merged in at their times. With `qps: 'max'` only the bursts are scheduled (the
 * sender keeps its connections busy by itself).
 *
 * @example
 * for (const r of floodSchedule(plan)) console.log(r.at, r.kind, r.target);
 */
export function* floodSchedule(plan: FloodPlan): Generator<PlannedRequest> {
  const rng = new Rng(plan.seed, 'api-flood');
  const kinds = kindPicker(plan.mix, rng.fork('kinds'));
  // Bursts are fast requests: a slow body at once is just one more slow body.
  const burstKinds =
    plan.mix.slowBody === total(plan.mix)
      ? undefined
      : kindPicker(plan.mix, rng.fork('burst-kinds'), ['slowBody']);
  const targets = plan.targets.length;
  let next = 0;
  const steady =
    plan.qps === 'max' ? [][Symbol.iterator]() : paced(plan.qps, { durationMs: plan.durationMs });
  const bursts = burstTimes(plan);
  let s = steady.next();
  let b = bursts.next();
  while (!s.done || !b.done) {
    if (!b.done && (s.done || b.value <= s.value)) {
      if (burstKinds !== undefined)
        for (let i = 0; i < plan.burst!.size; i++)
          yield { at: b.value, kind: burstKinds(), target: next++ % targets, burst: true };
      b = bursts.next();
    } else if (!s.done) {
      yield { at: s.value, kind: kinds(), target: next++ % targets, burst: false };
      s = steady.next();
    }
  }
}

function total(mix: FloodMix): number {
  return Object.values(mix).reduce((a, b) => a + b, 0);
}
