/**
 * `toKeepBlockIntervals({ tolerance, maxGap })`: the chain keeps the slot schedule's pace,
 * read from the blocks' own slot times on the recorded block feed:
 * - the mean block interval over the judged window (window length / blocks made in it) is
 *   `slotMs / f` within `tolerance` (widened to what chance allows for a short window);
 * - no gap between consecutive blocks (or from the last block to the window's end) is
 *   longer than `maxGap`, unless it overlaps a validator's fault window (plus a grace).
 *
 * Fault windows excuse gaps but not the mean: a chain that lost stake makes blocks more
 * slowly, and measuring that is this matcher's job (`toStayLive` judges liveness per node).
 */

import { z } from 'zod';
import { blockCountSpread, quietSpanMs } from '../adapter/facets.ts';
import type { BlockProduction } from '../adapter/types.ts';
import type { BlockObservation, Recording } from '../observe/recording.ts';
import { parseOptions } from '../support/validate.ts';
import { at, between, replayHint, seconds } from './format.ts';
import { type MatcherResult, type MatcherThis, pollUntilVerdict, settle, toSubject } from './shell.ts';
import { merge, overlaps, type TimeWindow } from './timeline.ts';

/** Options of `toKeepBlockIntervals`. */
export interface BlockIntervalOptions {
  /** Allowed relative deviation of the mean interval from `slotMs / f`. Default 0.25 (±25%). */
  tolerance?: number;
  /**
   * Longest gap between two blocks outside validators' fault windows (ms). Default: the
   * slots until a healthy schedule has a 1e-7 chance of no block, plus 1 s (5.8 s for
   * 200 ms slots, f = 0.5).
   */
  maxGap?: number;
  /** Keep watching for this many ms from now, failing at the first gap. Default: judge what was recorded. */
  for?: number;
  /** Start of the judged span (recording ms). Default: the current test's start mark, else 0. */
  since?: number;
  /** Time after a validator's fault ends during which a gap is still excused. Default `maxGap`. */
  graceMs?: number;
}

/** Bounds after defaults. */
export interface IntervalBounds {
  /** ms per block the slot schedule predicts (`slotMs / f`). */
  expectedMs: number;
  tolerance: number;
  /** Allowed mean interval, after widening for chance. */
  minMeanMs: number;
  maxMeanMs: number;
  maxGapMs: number;
  graceMs: number;
}

interface Base {
  window: TimeWindow;
  bounds: IntervalBounds;
  /** Node whose best chain was read (the one with the highest tip). */
  node: string;
  /** Blocks whose slot falls in the window. */
  blocks: number;
  /** Window length / blocks (Infinity without blocks). */
  meanMs: number;
}

/** The chain kept its pace. */
export interface Kept extends Base {
  kind: 'kept';
}

/** The mean interval is outside the allowed range. */
export interface OffSchedule extends Base {
  kind: 'off-schedule';
}

/** No block for longer than `maxGap`, outside validators' fault windows. */
export interface Gap extends Base {
  kind: 'gap';
  /** Recording times of the block before the gap (or the window start) and after it (or the window end). */
  from: number;
  to: number;
  /** Height of the block before the gap (−1 when the gap starts at the window's start). */
  heightBefore: number;
  /** True when the gap lasted to the end of the window. */
  ongoing: boolean;
}

export type BlockIntervalVerdict = Kept | ((OffSchedule | Gap) & { also: (OffSchedule | Gap)[] });

const optionsSchema = z
  .object({
    tolerance: z.number().min(0).max(10).optional(),
    maxGap: z.number().positive().optional(),
    for: z.number().int().positive().optional(),
    since: z.number().min(0).optional(),
    graceMs: z.number().min(0).optional(),
  })
  .strict();

const allowed = {
  tolerance: 'a fraction 0..10 (0.25 = ±25%)',
  maxGap: 'ms > 0',
  for: 'a positive integer (ms to keep watching)',
  since: 'recording ms ≥ 0',
  graceMs: 'ms ≥ 0',
  '*': 'one of tolerance, maxGap, for, since, graceMs',
};

/** Validates `toKeepBlockIntervals` options (one `ConfigError` naming every bad option). */
export function parseBlockIntervalOptions(opts: unknown): BlockIntervalOptions {
  return parseOptions(
    optionsSchema,
    opts ?? {},
    'toKeepBlockIntervals options',
    allowed,
  ) as BlockIntervalOptions;
}

/** z for a deviation that chance alone exceeds with probability ~3e-6 (as in `toStayLive`). */
const CHANCE_Z = 4.5;

/** Bounds for a window of `windowMs`: see `BlockIntervalOptions`. */
export function intervalBounds(
  production: BlockProduction,
  opts: BlockIntervalOptions,
  windowMs: number,
): IntervalBounds {
  const expectedMs = production.expectedIntervalMs;
  const tolerance = opts.tolerance ?? 0.25;
  const maxGapMs = opts.maxGap ?? quietSpanMs(production) + 1000;
  // Blocks in the window follow the production model's count distribution (binomial over
  // slots, Poisson for PoW); a short window may stray further than `tolerance` by chance,
  // so the range is the wider of the two.
  const expectedBlocks = windowMs / expectedMs;
  const spread = CHANCE_Z * blockCountSpread(production, windowMs);
  const fewest = expectedBlocks - spread;
  const most = expectedBlocks + spread;
  const chanceMax = fewest > 0 ? windowMs / fewest : Number.POSITIVE_INFINITY;
  const chanceMin = windowMs / most;
  return {
    expectedMs,
    tolerance,
    minMeanMs: Math.min(expectedMs * (1 - tolerance), chanceMin),
    maxMeanMs: Math.max(expectedMs * (1 + tolerance), chanceMax),
    maxGapMs,
    graceMs: opts.graceMs ?? maxGapMs,
  };
}

/** The best chain with the highest tip at `to` (ties: the first node), with its name. */
function referenceChain(rec: Recording, to: number): { node: string; chain: BlockObservation[] } | undefined {
  let best: { node: string; chain: BlockObservation[]; tip: number } | undefined;
  for (const n of rec.nodes()) {
    const chain = [...rec.bestChain(n.name, to).values()].sort((a, b) => a.height - b.height);
    const tip = chain.at(-1)?.height ?? -1;
    if (tip >= 0 && (!best || tip > best.tip)) best = { node: n.name, chain, tip };
  }
  return best;
}

/**
 * Judges block timing over `window`. Pure: same recording, same verdict.
 *
 * @example
 * const v = checkBlockIntervals(recording, { tolerance: 0.25 }, { from: 0, to: recording.now() });
 * if (v.kind === 'gap') console.log(`no block from t=${v.from} to t=${v.to}`);
 */
export function checkBlockIntervals(
  rec: Recording,
  opts: BlockIntervalOptions,
  window: TimeWindow,
): BlockIntervalVerdict {
  const length = Math.max(0, window.to - window.from);
  const bounds = intervalBounds(rec.facts.production, opts, length);
  const ref = referenceChain(rec, window.to);
  // Slot times are the chain's own clock: independent of how late the feed delivered a block.
  const timeOf = (b: BlockObservation): number => b.timestamp - rec.startedAt;
  const inWindow = (ref?.chain ?? []).filter(
    (b) => b.height > 0 && timeOf(b) >= window.from && timeOf(b) < window.to,
  );
  const blocks = inWindow.length;
  const base: Base = {
    window,
    bounds,
    node: ref?.node ?? '(no node)',
    blocks,
    meanMs: blocks === 0 ? Number.POSITIVE_INFINITY : length / blocks,
  };
  const violations: (OffSchedule | Gap)[] = [];

  // Gaps: window start → first block → … → last block → window end.
  const validators = rec
    .nodes()
    .filter((n) => n.role === 'validator')
    .map((n) => n.name);
  const excused = merge(
    rec.faults
      .filter((f) => f.excuses !== false && f.nodes.some((n) => validators.includes(n)))
      .map((f) => ({ from: f.start, to: (f.end ?? window.to) + bounds.graceMs })),
  );
  const before = (ref?.chain ?? []).filter((b) => timeOf(b) < window.from).at(-1);
  let last = { at: window.from, height: before?.height ?? -1 };
  const stretches: { from: number; to: number; height: number; ongoing: boolean }[] = [];
  for (const b of inWindow) {
    stretches.push({ from: last.at, to: timeOf(b), height: last.height, ongoing: false });
    last = { at: timeOf(b), height: b.height };
  }
  stretches.push({ from: last.at, to: window.to, height: last.height, ongoing: true });
  for (const s of stretches) {
    if (s.to - s.from <= bounds.maxGapMs || overlaps(s, excused)) continue;
    violations.push({
      kind: 'gap',
      ...base,
      from: s.from,
      to: s.to,
      heightBefore: s.height,
      ongoing: s.ongoing,
    });
  }

  // The mean needs a window long enough to hold a few blocks to say anything.
  if (length >= 4 * bounds.expectedMs && (base.meanMs < bounds.minMeanMs || base.meanMs > bounds.maxMeanMs)) {
    violations.push({ kind: 'off-schedule', ...base });
  }
  if (violations.length === 0) return { kind: 'kept', ...base };
  // The longest gap first: it is the likeliest root cause of a slow mean.
  violations.sort(
    (a, b) => (b.kind === 'gap' ? b.to - b.from : -1) - (a.kind === 'gap' ? a.to - a.from : -1),
  );
  const [first, ...also] = violations as [OffSchedule | Gap, ...(OffSchedule | Gap)[]];
  return { ...first, also };
}

function ms(x: number): string {
  return Number.isFinite(x) ? `${Math.round(x)} ms` : '∞';
}

/** One line per violation, naming the chain, the bound, what was observed and when. */
export function describeIntervalViolation(v: OffSchedule | Gap): string {
  const b = v.bounds;
  if (v.kind === 'gap') {
    const start =
      v.heightBefore >= 0
        ? `no block after height ${v.heightBefore} from ${at(v.from)}`
        : `no block from ${at(v.from)}`;
    return (
      `expected no gap over ${seconds(b.maxGapMs)} between blocks on ${v.node}'s chain ${between(v.window.from, v.window.to)} ` +
      `outside validators' fault windows; ${start}` +
      (v.ongoing ? ` (${seconds(v.to - v.from)} so far)` : ` to ${at(v.to)} (${seconds(v.to - v.from)})`)
    );
  }
  return (
    `expected a mean block interval of ${ms(b.expectedMs)} ± ${Math.round(b.tolerance * 100)}% ` +
    `(${Math.round(b.minMeanMs)}..${ms(b.maxMeanMs)}) on ${v.node}'s chain ${between(v.window.from, v.window.to)}; ` +
    `observed ${ms(v.meanMs)} (${v.blocks} ${v.blocks === 1 ? 'block' : 'blocks'} in ${seconds(v.window.to - v.window.from)})`
  );
}

/** The failure message of a verdict that is not `kept`. */
export function blockIntervalFailure(v: BlockIntervalVerdict, seed: number): string {
  if (v.kind === 'kept') return blockIntervalNegated(v, seed);
  const lines = [`${describeIntervalViolation(v)} (seed ${seed})`];
  for (const other of v.also.slice(0, 3)) lines.push(`also: ${describeIntervalViolation(other)}`);
  if (v.also.length > 3) lines.push(`… and ${v.also.length - 3} more`);
  lines.push(replayHint(seed));
  return lines.join('\n');
}

/** The `.not` message: the chain did keep its pace. */
export function blockIntervalNegated(v: BlockIntervalVerdict, seed: number): string {
  const b = v.bounds;
  return (
    `expected ${v.node}'s chain not to keep a mean block interval of ${ms(b.expectedMs)} ± ${Math.round(b.tolerance * 100)}% ` +
    `${between(v.window.from, v.window.to)}, but it did: ${ms(v.meanMs)} over ${v.blocks} blocks, no gap over ${seconds(b.maxGapMs)} (seed ${seed})`
  );
}

/**
 * Asserts block timing: mean interval `slotMs / f` ± `tolerance`, no gap over `maxGap`
 * outside validators' fault windows. With `{ for }` it watches for that long (failing at
 * the first gap); otherwise it judges what was recorded since the test started.
 *
 * @example
 * await expect(cluster).toKeepBlockIntervals({ tolerance: 0.25, for: 30_000 });
 */
export async function toKeepBlockIntervals(
  this: MatcherThis,
  received: unknown,
  options?: BlockIntervalOptions,
): Promise<MatcherResult> {
  const subject = toSubject('toKeepBlockIntervals', received);
  const opts = parseBlockIntervalOptions(options);
  const rec = subject.recording;
  const from = opts.since ?? rec.lastMark('test-start')?.at ?? 0;
  // With `for`, watch that long (only a gap is final before the end); else judge what was recorded.
  const { verdict } = await pollUntilVerdict(subject, {
    until: opts.for !== undefined ? rec.now() + opts.for : rec.now(),
    everyMs: 1000,
    check: (now) => checkBlockIntervals(rec, opts, { from, to: now }),
    settled: (v) => v.kind === 'gap',
  });
  return settle(this, subject, {
    matcher: 'toKeepBlockIntervals',
    pass: verdict.kind === 'kept',
    failure: () => blockIntervalFailure(verdict, rec.seed),
    negated: () => blockIntervalNegated(verdict, rec.seed),
    actual: verdict,
    expected: { kind: 'kept', bounds: verdict.bounds },
    window: { from, to: rec.now() },
  });
}
