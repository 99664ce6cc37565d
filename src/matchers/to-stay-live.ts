/**
 * `toStayLive`: every node's final height keeps advancing at the pace the slot schedule
 * predicts, judged over windows while the run goes on (not only at the end):
 * - no node goes longer than `maxStallMs` without a new final block outside its own fault
 *   windows (a node that stops answering meanwhile is reported as crashed);
 * - in each complete window every node finalizes about `window / (slotMs / f)` blocks,
 *   within `tolerance` (and within what chance allows for a short window);
 * - no node's final height falls more than `maxLag` blocks behind the leader.
 */

import { z } from 'zod';
import { blockCountSpread, blockRate, finalityDepth, quietSpanMs } from '../adapter/facets.ts';
import type { ChainFacts } from '../adapter/types.ts';
import type { FinalPoint, Recording } from '../observe/recording.ts';
import { nodeTimeline } from '../observe/report.ts';
import { parseOptions } from '../support/validate.ts';
import { at, between, nodeList, plural, replayHint, seconds } from './format.ts';
import { type MatcherResult, type MatcherThis, pollUntilVerdict, settle, toSubject } from './shell.ts';
import { excusedIntervals, heightAt, inside, overlaps, subtract, type TimeWindow } from './timeline.ts';

/** Options of `toStayLive`. Every bound has a default derived from the chain's facts. */
export interface StayLiveOptions {
  /**
   * Keep judging for this many ms from now, failing at the first violated window.
   * Default: judge what was already recorded (from `since` to now).
   */
  for?: number;
  /** Start of the judged span (recording ms). Default: the current test's start mark, else 0. */
  since?: number;
  /** Allowed relative deviation of final blocks per window from the slot schedule. Default 0.5. */
  tolerance?: number;
  /**
   * Longest time a node may go without a new final block outside its fault windows.
   * Default: slots until a healthy schedule has a 1e-7 chance of no block, plus 2 s
   * (6.8 s for 200 ms slots, f = 0.5).
   */
  maxStallMs?: number;
  /** Most final blocks a node may trail the leader by. Default `max(5, securityParam)`. */
  maxLag?: number;
  /** Length of a pace window. Default: the time 30 blocks take (`30 · slotMs / f`). */
  windowMs?: number;
  /** Catch-up time after a node's fault ends before it is judged again. Default `maxStallMs`. */
  graceMs?: number;
  /** Judge only these nodes. Default: every node in the cluster during the span. */
  nodes?: string[];
}

/** Bounds after defaults. */
export interface LivenessBounds {
  tolerance: number;
  maxStallMs: number;
  maxLag: number;
  windowMs: number;
  graceMs: number;
  /** ms per block the slot schedule predicts (`slotMs / f`). */
  blockMs: number;
}

/** A node's progress over the judged span. */
export interface NodeProgress {
  node: string;
  from: number;
  to: number;
  /** Final height at `from` (−1 when unknown) and at `to`. */
  fromHeight: number;
  toHeight: number;
}

interface Base {
  window: TimeWindow;
  bounds: LivenessBounds;
  progress: NodeProgress[];
}

/** Every judged node kept finalizing at pace. */
export interface Live extends Base {
  kind: 'live';
}

/** A node's final height stood still longer than allowed outside its fault windows. */
export interface Stalled {
  kind: 'stalled';
  node: string;
  height: number;
  since: number;
  until: number;
  /** True when the stall lasted to the end of what was judged. */
  ongoing: boolean;
  /** When the stall became a violation (`since + maxStallMs`). */
  at: number;
}

/** A node stopped answering outside any declared fault and stalled. */
export interface Crashed {
  kind: 'crashed';
  node: string;
  height: number;
  since: number;
  error: string;
  at: number;
}

/** A node finalized too few (or too many) blocks in one pace window. */
export interface OffPace {
  kind: 'off-pace';
  node: string;
  from: number;
  to: number;
  blocks: number;
  expected: number;
  min: number;
  max: number;
  at: number;
}

/** A node trailed the leader by more than `maxLag` final blocks. */
export interface Lagging {
  kind: 'lagging';
  node: string;
  height: number;
  leader: string;
  leaderHeight: number;
  at: number;
}

export type LivenessViolation = Stalled | Crashed | OffPace | Lagging;

/** The verdict: `live`, or the earliest violation with every other one in `also`. */
export type LivenessVerdict = Live | (LivenessViolation & Base & { also: LivenessViolation[] });

const optionsSchema = z
  .object({
    for: z.number().int().positive().optional(),
    since: z.number().min(0).optional(),
    tolerance: z.number().min(0).max(10).optional(),
    maxStallMs: z.number().positive().optional(),
    maxLag: z.number().int().min(0).optional(),
    windowMs: z.number().positive().optional(),
    graceMs: z.number().min(0).optional(),
    nodes: z.array(z.string()).min(1).optional(),
  })
  .strict();

const allowed = {
  for: 'a positive integer (ms to keep judging)',
  since: 'recording ms ≥ 0',
  tolerance: 'a fraction 0..10 (0.5 = ±50%)',
  maxStallMs: 'ms > 0',
  maxLag: 'an integer ≥ 0 (blocks)',
  windowMs: 'ms > 0',
  graceMs: 'ms ≥ 0',
  nodes: 'a non-empty array of node names',
  '*': 'one of for, since, tolerance, maxStallMs, maxLag, windowMs, graceMs, nodes',
};

/** Validates `toStayLive` options (throws one `ConfigError` naming every bad option). */
export function parseStayLiveOptions(opts: unknown): StayLiveOptions {
  return parseOptions(optionsSchema, opts ?? {}, 'toStayLive options', allowed) as StayLiveOptions;
}

/** Defaults from the adapter's block-production model and finality rule: see `StayLiveOptions`. */
export function livenessBounds(facts: ChainFacts, opts: StayLiveOptions = {}): LivenessBounds {
  const blockMs = facts.production.expectedIntervalMs;
  const maxStallMs = opts.maxStallMs ?? quietSpanMs(facts.production) + 2000;
  return {
    tolerance: opts.tolerance ?? 0.5,
    maxStallMs,
    maxLag: opts.maxLag ?? Math.max(5, finalityDepth(facts)),
    windowMs: opts.windowMs ?? 30 * blockMs,
    graceMs: opts.graceMs ?? maxStallMs,
    blockMs,
  };
}

/** z for a one-sided bound that chance alone exceeds with probability ~3e-6. */
const CHANCE_Z = 4.5;

/**
 * Judges liveness over `window` of a recording. Pure: same recording, same verdict.
 *
 * @example
 * const verdict = checkStayLive(recording, { maxStallMs: 5000 }, { from: 0, to: recording.now() });
 * if (verdict.kind === 'stalled') console.log(verdict.node, verdict.height);
 */
export function checkStayLive(rec: Recording, opts: StayLiveOptions, window: TimeWindow): LivenessVerdict {
  const bounds = livenessBounds(rec.facts, opts);
  const { facts } = rec;
  const k = finalityDepth(facts);
  const judged = rec
    .nodes()
    .filter((n) => (opts.nodes ? opts.nodes.includes(n.name) : true))
    .filter((n) => n.since <= window.to && (n.leftAt === undefined || n.leftAt > window.from));
  const validators = rec.nodes().filter((n) => n.role === 'validator');
  const series = new Map<string, FinalPoint[]>(judged.map((n) => [n.name, rec.finalSeries(n.name)]));
  const excused = new Map(
    judged.map((n) => [n.name, excusedIntervals(rec, n.name, bounds.graceMs, window.to)]),
  );
  const violations: LivenessViolation[] = [];
  const progress: NodeProgress[] = [];

  // Nodes first seen more than a second after the first one joined mid-run (churn).
  const firstSeen = Math.min(...rec.nodes().map((n) => n.since));
  const lateJoiner = (since: number): boolean => since > firstSeen + 1000;
  for (const n of judged) {
    const s = series.get(n.name)!;
    // A node that joined mid-run gets the grace to find peers and sync first.
    const from = Math.max(window.from, lateJoiner(n.since) ? n.since + bounds.graceMs : n.since);
    const to = Math.min(window.to, n.leftAt ?? Number.POSITIVE_INFINITY);
    progress.push({ node: n.name, from, to, fromHeight: heightAt(s, from), toHeight: heightAt(s, to) });
    if (to <= from) continue;
    const holes = excused.get(n.name)!;

    // Stalls: stretches without a new final block, minus excused time.
    const stretches: { from: number; to: number; height: number }[] = [];
    let last = { at: from, height: heightAt(s, from) };
    for (const p of s) {
      if (p.at <= from) continue;
      if (p.at > to) break;
      stretches.push({ from: last.at, to: p.at, height: last.height });
      last = { at: p.at, height: p.height };
    }
    stretches.push({ from: last.at, to, height: last.height });
    for (const st of stretches) {
      // Finality cannot start before the chain is k blocks deep.
      const bound = bounds.maxStallMs + (st.height <= 0 ? (k + 1) * bounds.blockMs * 2 : 0);
      for (const piece of subtract(st, holes)) {
        if (piece.to - piece.from <= bound) continue;
        const crash = crashedIn(rec, n.name, piece);
        if (crash) {
          violations.push({
            kind: 'crashed',
            node: n.name,
            height: st.height,
            since: crash.since,
            error: crash.error,
            at: piece.from + bound,
          });
        } else {
          violations.push({
            kind: 'stalled',
            node: n.name,
            height: st.height,
            since: piece.from,
            until: piece.to,
            ongoing: piece.to >= to,
            at: piece.from + bound,
          });
        }
        break;
      }
    }

    // Pace: complete windows of windowMs once finality runs, skipping excused ones.
    const started = s.find((p) => p.height > 0);
    const paceFrom = Math.max(from, started?.at ?? Number.POSITIVE_INFINITY);
    for (const w of paceWindows(paceFrom, to, bounds.windowMs)) {
      if (overlaps(w, holes)) continue;
      // Validators absent for part of the window (joined late, left for good) do not produce through it.
      const down = validators.filter(
        (v) =>
          (lateJoiner(v.since) && v.since > w.from) ||
          (v.leftAt !== undefined && v.leftAt < w.to) ||
          overlaps(w, excused.get(v.name) ?? excusedIntervals(rec, v.name, bounds.graceMs, window.to)),
      ).length;
      const share = validators.length === 0 ? 1 : (validators.length - down) / validators.length;
      const span = w.to - w.from;
      const expected = span * blockRate(facts.production, share);
      const spread = CHANCE_Z * blockCountSpread(facts.production, span, share);
      const min = Math.floor(Math.min(expected * (1 - bounds.tolerance), expected - spread));
      // Faults can only slow the chain: the upper bound is the full-producer schedule (an
      // excused validator may well be producing again during its catch-up grace).
      const expectedFull = span * blockRate(facts.production);
      const max =
        Math.ceil(
          Math.max(expectedFull * (1 + bounds.tolerance), expectedFull + CHANCE_Z * Math.sqrt(expectedFull)),
        ) + bounds.maxLag;
      const blocks = heightAt(s, w.to) - Math.max(0, heightAt(s, w.from));
      if ((min > 0 && blocks < min) || blocks > max) {
        violations.push({
          kind: 'off-pace',
          node: n.name,
          from: w.from,
          to: w.to,
          blocks,
          expected: blocks > max ? expectedFull : expected,
          min: Math.max(0, min),
          max,
          at: w.to,
        });
      }
    }
  }

  // Lag: at every sample time, each unexcused node against the unexcused leader.
  const times = [
    ...new Set(rec.samples.filter((x) => x.at > window.from && x.at <= window.to).map((x) => x.at)),
  ].sort((a, b) => a - b);
  const lagged = new Set<string>();
  for (const t of times) {
    let leader: { node: string; height: number } | undefined;
    const heights: { node: string; height: number }[] = [];
    for (const n of judged) {
      if (n.since > t || (n.leftAt !== undefined && n.leftAt <= t)) continue;
      if (lateJoiner(n.since) && t < n.since + bounds.graceMs) continue;
      if (inside(t, excused.get(n.name)!)) continue;
      const h = heightAt(series.get(n.name)!, t);
      if (h < 0) continue;
      heights.push({ node: n.name, height: h });
      if (!leader || h > leader.height) leader = { node: n.name, height: h };
    }
    if (!leader) continue;
    for (const x of heights) {
      if (lagged.has(x.node) || leader.height - x.height <= bounds.maxLag) continue;
      lagged.add(x.node);
      violations.push({
        kind: 'lagging',
        node: x.node,
        height: x.height,
        leader: leader.node,
        leaderHeight: leader.height,
        at: t,
      });
    }
  }

  const base: Base = { window, bounds, progress };
  if (violations.length === 0) return { kind: 'live', ...base };
  // Per node, the root cause first (a stalled node also lags); then nodes by time.
  const severity = { crashed: 0, stalled: 1, 'off-pace': 2, lagging: 3 } as const;
  const worst = new Map<string, LivenessViolation>();
  for (const v of violations) {
    const w = worst.get(v.node);
    if (!w || severity[v.kind] < severity[w.kind] || (severity[v.kind] === severity[w.kind] && v.at < w.at))
      worst.set(v.node, v);
  }
  const firstAt = new Map<string, number>();
  for (const v of violations) firstAt.set(v.node, Math.min(firstAt.get(v.node) ?? v.at, v.at));
  const ordered = [...worst.values()].sort((a, b) => firstAt.get(a.node)! - firstAt.get(b.node)!);
  const [first, ...others] = ordered as [LivenessViolation, ...LivenessViolation[]];
  const also = [...others, ...violations.filter((v) => !ordered.includes(v))].sort((a, b) => a.at - b.at);
  return { ...first, ...base, also };
}

/** Tumbling windows of `size` from `from`; a remainder is folded into the last window. */
function paceWindows(from: number, to: number, size: number): TimeWindow[] {
  if (!(to > from)) return [];
  const count = Math.floor((to - from) / size);
  if (count === 0) return [];
  const out: TimeWindow[] = [];
  for (let i = 0; i < count; i++) out.push({ from: from + i * size, to: from + (i + 1) * size });
  out[out.length - 1]!.to = to;
  return out;
}

/** When the node stopped answering (two failed samples in a row) during `piece`: since when, and why. */
function crashedIn(
  rec: Recording,
  node: string,
  piece: TimeWindow,
): { since: number; error: string } | undefined {
  const samples = rec.samplesOf(node).filter((x) => x.at >= piece.from && x.at <= piece.to);
  for (let i = 0; i + 1 < samples.length; i++) {
    const a = samples[i]!;
    if (!a.ok && !samples[i + 1]!.ok) return { since: a.at, error: a.error ?? 'no answer' };
  }
  return undefined;
}

/** One line per violation, naming the node, the bound, what was observed and when. */
export function describeViolation(v: LivenessViolation, bounds: LivenessBounds, window: TimeWindow): string {
  switch (v.kind) {
    case 'stalled':
      return (
        `expected node ${v.node} to finalize a block ${between(window.from, window.to)} ` +
        `(at least every ${seconds(bounds.maxStallMs)}); final height stayed ${v.height} from ${at(v.since)}` +
        (v.ongoing
          ? ` (${seconds(v.until - v.since)} so far)`
          : ` to ${at(v.until)} (${seconds(v.until - v.since)})`)
      );
    case 'crashed':
      return (
        `expected node ${v.node} to finalize a block ${between(window.from, window.to)}; ` +
        `it stopped answering at ${at(v.since)} outside any declared fault (${v.error}), final height stayed ${v.height}`
      );
    case 'off-pace': {
      const range = v.min > 0 ? `${v.min}..${v.max}` : `at most ${v.max}`;
      return (
        `expected node ${v.node} to finalize ${range} blocks ${between(v.from, v.to)} ` +
        `(block schedule: ${v.expected.toFixed(1)}, one per ${bounds.blockMs} ms, tolerance ${bounds.tolerance * 100}%); ` +
        `it finalized ${v.blocks}`
      );
    }
    case 'lagging':
      return (
        `expected node ${v.node} to stay within ${plural(bounds.maxLag, 'final block')} of the leader ` +
        `${between(window.from, window.to)}; at ${at(v.at)} its final height was ${v.height} ` +
        `while ${v.leader} had ${v.leaderHeight} (${v.leaderHeight - v.height} behind)`
      );
  }
}

/** The failure message of a non-live verdict. */
export function livenessFailure(verdict: LivenessVerdict, seed: number, rec?: Recording): string {
  if (verdict.kind === 'live') return livenessNegated(verdict, seed);
  const lines = [`${describeViolation(verdict, verdict.bounds, verdict.window)} (seed ${seed})`];
  if (rec) lines.push(`timeline ${nodeTimeline(rec, verdict.node, verdict.window.from, verdict.window.to)}`);
  // Other nodes' root causes first; a node's follow-on symptoms only count.
  const otherNodes = verdict.also.filter(
    (v, i, all) => v.node !== verdict.node && all.findIndex((x) => x.node === v.node) === i,
  );
  for (const v of otherNodes.slice(0, 3))
    lines.push(`also: ${describeViolation(v, verdict.bounds, verdict.window)}`);
  if (otherNodes.length > 3) lines.push(`… and ${plural(otherNodes.length - 3, 'more node')}`);
  lines.push(replayHint(seed));
  return lines.join('\n');
}

/** The `.not` message: the cluster did stay live. */
export function livenessNegated(verdict: LivenessVerdict, seed: number): string {
  const h = (x: number): string => (x < 0 ? '?' : String(x));
  const heights = verdict.progress.map((p) => `${p.node} ${h(p.fromHeight)}→${h(p.toHeight)}`).join(', ');
  return (
    `expected ${nodeList(verdict.progress.map((p) => p.node)) || 'the cluster'} not to stay live ` +
    `${between(verdict.window.from, verdict.window.to)}, but every node finalized at pace (final heights ${heights}) (seed ${seed})`
  );
}

/**
 * Asserts the cluster stays live. With `{ for }` it watches for that long and fails at the
 * first violated window; otherwise it judges what was recorded since the test started.
 *
 * @example
 * await expect(cluster).toStayLive({ for: 30_000 });
 * await expect(cluster).toStayLive({ maxStallMs: 5_000 }); // judge the test so far
 */
export async function toStayLive(
  this: MatcherThis,
  received: unknown,
  options?: StayLiveOptions,
): Promise<MatcherResult> {
  const subject = toSubject('toStayLive', received);
  const opts = parseStayLiveOptions(options);
  const rec = subject.recording;
  const from = opts.since ?? rec.lastMark('test-start')?.at ?? 0;
  // With `for` it watches that long and fails at the first violation; else it judges what was recorded.
  const watching = opts.for !== undefined && subject.observer !== undefined;
  const { verdict } = await pollUntilVerdict(subject, {
    until: watching ? rec.now() + opts.for! : rec.now(),
    everyMs: Math.min(1000, Math.max(100, livenessBounds(rec.facts, opts).blockMs)),
    check: (now) =>
      checkStayLive(rec, opts, {
        from,
        to: opts.for !== undefined && !watching ? Math.min(now, from + opts.for) : now,
      }),
    // Without `.not` a violation fails at once; with it, one is all we needed.
    settled: (v) => v.kind !== 'live',
  });
  // A watch that failed early still names the window it promised to watch.
  const final: LivenessVerdict =
    opts.for !== undefined
      ? { ...verdict, window: { from, to: Math.max(verdict.window.to, from + opts.for) } }
      : verdict;
  return settle(this, subject, {
    matcher: 'toStayLive',
    pass: final.kind === 'live',
    failure: () => livenessFailure(final, rec.seed, rec),
    negated: () => livenessNegated(final, rec.seed),
    actual: final,
    expected: { kind: 'live', bounds: final.bounds },
    window: final.window,
  });
}
