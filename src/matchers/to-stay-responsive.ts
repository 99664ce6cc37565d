/**
 * `toStayResponsive`: what an ordinary user saw stayed usable, judged on the control probe
 * (src/workloads/api-flood/control-probe.ts), never on a flood's own requests: per node, the
 * probes' p99 latency within `p99`, their error rate within `errorRate`, and the node's
 * process start time unchanged (no restart). A failure names the node and quotes the
 * outcome of every flood that overlapped the judged span.
 */

import { z } from 'zod';
import {
  describeFloodOutcome,
  describeMs,
  describePercentiles,
  floodOutcome,
  type ProbeNodeSummary,
  probeSummary,
} from '../observe/flood-summary.ts';
import type { ProbeObservation, ProbeRecord, Recording } from '../observe/recording.ts';
import { parseOptions } from '../support/validate.ts';
import { at, between, nodeList, percent, replayHint } from './format.ts';
import { type MatcherResult, type MatcherThis, pollUntilVerdict, settle, toSubject } from './shell.ts';
import type { TimeWindow } from './timeline.ts';

/** Options of `toStayResponsive`. */
export interface StayResponsiveOptions {
  /** Highest p99 latency (ms) of the control probe per node. Default 500. */
  p99?: number;
  /** Highest share of probes per node not answered `accepted` (0..1). Default 0.01. */
  errorRate?: number;
  /** Start of the judged span (recording ms). Default: the current test's start mark, else 0. */
  since?: number;
  /** Judge only these nodes. Default: every node a control probe probed. */
  nodes?: string[];
  /** Judge only the control probe of this name. Default: every control probe. */
  probe?: string;
}

/** Bounds after defaults. */
export interface ResponsivenessBounds {
  p99: number;
  errorRate: number;
}

interface Base {
  window: TimeWindow;
  bounds: ResponsivenessBounds;
  /** What each judged node's probes saw. */
  nodes: ProbeNodeSummary[];
}

/** Every judged node answered the probe fast enough, rarely failed and never restarted. */
export interface Responsive extends Base {
  kind: 'responsive';
}

/** No control probe recorded anything in the span. */
export interface NoProbe extends Base {
  kind: 'no-probe';
}

/** A node's process start time changed during the span. */
export interface Restarted {
  kind: 'restarted';
  node: string;
  /** Start times (epoch ms) before and after. */
  before: number;
  after: number;
  /** When the probe first saw the new start time (recording ms). */
  at: number;
}

/** A node's probes failed more often than allowed. */
export interface Erroring {
  kind: 'erroring';
  node: string;
  summary: ProbeNodeSummary;
}

/** A node's probes' p99 latency was above the bound. */
export interface Slow {
  kind: 'slow';
  node: string;
  summary: ProbeNodeSummary;
  /** Its slowest probes over the bound, slowest first (at most 3): when, what, how long. */
  slowest: ProbeObservation[];
  /**
   * The slowest probe to any other node sent within 1 s of its slowest one, if any: slow too
   * means the machine or the test process stalled, not this node alone.
   */
  meanwhile: ProbeObservation | undefined;
}

export type ResponsivenessViolation = Restarted | Erroring | Slow;

/** The verdict: `responsive`, `no-probe`, or the worst violation with every other one in `also`. */
export type ResponsivenessVerdict =
  | Responsive
  | NoProbe
  | (ResponsivenessViolation & Base & { also: ResponsivenessViolation[] });

const optionsSchema = z.strictObject({
  p99: z.number().positive().optional(),
  errorRate: z.number().min(0).max(1).optional(),
  since: z.number().min(0).optional(),
  nodes: z.array(z.string()).min(1).optional(),
  probe: z.string().min(1).optional(),
});

const allowed = {
  p99: 'ms > 0',
  errorRate: 'a fraction 0..1 (0.01 = 1%)',
  since: 'recording ms ≥ 0',
  nodes: 'a non-empty array of node names',
  probe: "a control probe's name",
  '*': 'one of p99, errorRate, since, nodes, probe',
};

/** Validates `toStayResponsive` options (throws one `ConfigError` naming every bad option). */
export function parseStayResponsiveOptions(opts: unknown): StayResponsiveOptions {
  return parseOptions(
    optionsSchema,
    opts ?? {},
    'toStayResponsive options',
    allowed,
  ) as StayResponsiveOptions;
}

/** One probe record made of every probe of `name` (or all), so several probes judge as one. */
function probesOf(rec: Recording, name: string | undefined): ProbeRecord {
  const chosen = rec.probes.filter((p) => name === undefined || p.name === name);
  return {
    name: name ?? 'control-probe',
    nodes: [...new Set(chosen.flatMap((p) => p.nodes))],
    start: Math.min(...chosen.map((p) => p.start)),
    rate: Math.max(0, ...chosen.map((p) => p.rate)),
    observations: chosen.flatMap((p) => p.observations),
    starts: chosen.flatMap((p) => p.starts).sort((a, b) => a.at - b.at),
  };
}

/**
 * Judges the control probes' observations within `window` of a recording. Pure.
 *
 * @example
 * const v = checkStayResponsive(recording, { p99: 250 }, { from: 0, to: recording.now() });
 * if (v.kind === 'slow') console.log(v.node, v.summary.latency?.p99);
 */
export function checkStayResponsive(
  rec: Recording,
  opts: StayResponsiveOptions,
  window: TimeWindow,
): ResponsivenessVerdict {
  const bounds: ResponsivenessBounds = { p99: opts.p99 ?? 500, errorRate: opts.errorRate ?? 0.01 };
  const probe = probesOf(rec, opts.probe);
  const judged = probe.nodes.filter((n) => opts.nodes === undefined || opts.nodes.includes(n));
  const nodes = judged.map((n) => probeSummary(probe, n, window)).filter((s) => s.probes > 0);
  const base: Base = { window, bounds, nodes };
  if (nodes.length === 0) return { kind: 'no-probe', ...base };

  const violations: ResponsivenessViolation[] = [];
  for (const s of nodes) {
    // A start time read before the span counts as "before": a restart inside it still shows.
    const starts = probe.starts.filter((x) => x.node === s.node && x.at <= window.to);
    const first = starts[0];
    const changed = starts.find((x) => first !== undefined && x.startedAt !== first.startedAt);
    if (first !== undefined && changed !== undefined && changed.at >= window.from)
      violations.push({
        kind: 'restarted',
        node: s.node,
        before: first.startedAt,
        after: changed.startedAt,
        at: changed.at,
      });
    if (s.errorRate > bounds.errorRate) violations.push({ kind: 'erroring', node: s.node, summary: s });
    if (s.latency !== undefined && s.latency.p99 > bounds.p99)
      violations.push({
        kind: 'slow',
        node: s.node,
        summary: s,
        ...slowProbes(probe, s.node, bounds.p99, window),
      });
  }
  if (violations.length === 0) return { kind: 'responsive', ...base };
  const severity = { restarted: 0, erroring: 1, slow: 2 } as const;
  const ordered = [...violations].sort((a, b) => severity[a.kind] - severity[b.kind]);
  const [first, ...also] = ordered as [ResponsivenessViolation, ...ResponsivenessViolation[]];
  return { ...first, ...base, also };
}

/** How near in time (ms) another node's probe counts as "meanwhile". */
const MEANWHILE_MS = 1000;

function slowProbes(
  probe: ProbeRecord,
  node: string,
  bound: number,
  window: TimeWindow,
): Pick<Slow, 'slowest' | 'meanwhile'> {
  const inWindow = probe.observations.filter((o) => o.at >= window.from && o.at <= window.to);
  const slowest = inWindow
    .filter((o) => o.node === node && o.ms > bound)
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 3);
  const worst = slowest[0];
  const meanwhile =
    worst === undefined
      ? undefined
      : inWindow
          .filter((o) => o.node !== node && Math.abs(o.at - worst.at) <= MEANWHILE_MS)
          .reduce<ProbeObservation | undefined>(
            (a, o) => (a === undefined || o.ms > a.ms ? o : a),
            undefined,
          );
  return { slowest, meanwhile };
}

function describeSlowest(v: Slow, bound: number): string {
  if (v.slowest.length === 0) return '';
  const probes = v.slowest.map((o) => `${describeMs(o.ms)} at ${at(o.at)} (${o.request})`).join(', ');
  const worst = v.slowest[0]!;
  const other = v.meanwhile;
  const meanwhile =
    other === undefined
      ? `; no other node was probed within ${MEANWHILE_MS / 1000} s of it`
      : `; within ${MEANWHILE_MS / 1000} s of ${at(worst.at)} the other nodes' probes took up to ${describeMs(other.ms)} (${other.node})` +
        (other.ms > bound ? ', so the stall was not this node alone' : '');
  return `; slowest: ${probes}${meanwhile}`;
}

function errorsOf(s: ProbeNodeSummary): string {
  return Object.entries(s.byError)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ×${v}`)
    .join(', ');
}

/** One line per violation, naming the node, the bound and what the probe saw. */
export function describeResponsivenessViolation(
  v: ResponsivenessViolation,
  bounds: ResponsivenessBounds,
  window: TimeWindow,
): string {
  switch (v.kind) {
    case 'restarted':
      return (
        `expected node ${v.node} not to restart ${between(window.from, window.to)}; ` +
        `its process start time changed from ${new Date(v.before).toISOString()} to ${new Date(v.after).toISOString()} (seen at t=${(v.at / 1000).toFixed(1)}s)`
      );
    case 'erroring':
      return (
        `expected node ${v.node} to answer at most ${percent(bounds.errorRate)} of control probes with an error ` +
        `${between(window.from, window.to)}; ${v.summary.errors} of ${v.summary.probes} failed ` +
        `(${percent(v.summary.errorRate)}: ${errorsOf(v.summary)})`
      );
    case 'slow':
      return (
        `expected node ${v.node} to answer control probes with p99 ≤ ${bounds.p99} ms ` +
        `${between(window.from, window.to)}; its p99 was ${v.summary.latency!.p99} ms over ${v.summary.probes} probes ` +
        `(${describePercentiles(v.summary.latency)})${describeSlowest(v, bounds.p99)}`
      );
  }
}

/** The floods that overlapped `window`, one outcome line each. */
function floodLines(rec: Recording, window: TimeWindow): string[] {
  return rec.floods
    .filter((f) => f.start < window.to && (f.end ?? Number.POSITIVE_INFINITY) > window.from)
    .map((f) => `during ${describeFloodOutcome(floodOutcome(f, window))}`);
}

/** The failure message of a verdict that is not `responsive`. */
export function responsivenessFailure(verdict: ResponsivenessVerdict, seed: number, rec?: Recording): string {
  if (verdict.kind === 'responsive') return responsivenessNegated(verdict, seed);
  if (verdict.kind === 'no-probe')
    return (
      `expected the control probe to show responsive nodes ${between(verdict.window.from, verdict.window.to)}, ` +
      `but no control probe recorded anything then (seed ${seed}); start one beside the load, ` +
      'e.g. `await using probe = await controlProbe().start(cluster)`'
    );
  const lines = [
    `${describeResponsivenessViolation(verdict, verdict.bounds, verdict.window)} (seed ${seed})`,
  ];
  const others = verdict.also.filter(
    (v, i, all) => all.findIndex((x) => x.node === v.node) === i && v.node !== verdict.node,
  );
  for (const v of others.slice(0, 3))
    lines.push(`also: ${describeResponsivenessViolation(v, verdict.bounds, verdict.window)}`);
  if (rec) lines.push(...floodLines(rec, verdict.window));
  lines.push(replayHint(seed));
  return lines.join('\n');
}

/** The `.not` message: every node stayed responsive. */
export function responsivenessNegated(verdict: ResponsivenessVerdict, seed: number): string {
  const seen = verdict.nodes
    .map((s) => `${s.node} p99 ${s.latency?.p99 ?? '?'} ms, ${percent(s.errorRate)} errors`)
    .join('; ');
  return (
    `expected ${nodeList(verdict.nodes.map((s) => s.node)) || 'the cluster'} not to stay responsive ` +
    `${between(verdict.window.from, verdict.window.to)}, but the control probe saw ${seen} (seed ${seed})`
  );
}

/**
 * Asserts the control probe saw responsive nodes since the test started (or `since`).
 *
 * @example
 * await expect(cluster).toStayResponsive({ p99: 250, errorRate: 0.01 });
 */
export async function toStayResponsive(
  this: MatcherThis,
  received: unknown,
  options?: StayResponsiveOptions,
): Promise<MatcherResult> {
  const subject = toSubject('toStayResponsive', received);
  const opts = parseStayResponsiveOptions(options);
  const rec = subject.recording;
  const from = opts.since ?? rec.lastMark('test-start')?.at ?? 0;
  const { verdict } = await pollUntilVerdict(subject, {
    until: rec.now(),
    everyMs: 100,
    check: (now) => checkStayResponsive(rec, opts, { from, to: now }),
    settled: () => true,
  });
  return settle(this, subject, {
    matcher: 'toStayResponsive',
    pass: verdict.kind === 'responsive',
    failure: () => responsivenessFailure(verdict, rec.seed, rec),
    negated: () => responsivenessNegated(verdict, rec.seed),
    actual: verdict,
    expected: { kind: 'responsive', bounds: verdict.bounds },
    window: verdict.window,
  });
}
