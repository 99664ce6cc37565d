/**
 * `toBoundMempool(ramp?, opts)` (scenario 6): under rising pressure every node's mempool
 * stays within its capacity, evictions happen and take the lowest fee tier first, blocks
 * fill while the mempools are saturated, throughput degrades gracefully from step to step
 * (the txs each block carries: how many blocks a few seconds' step gets is the slot
 * lottery's chance, which would pass for a collapse now and then), and the chain never
 * stalls. Judged from the mempool samples (`/mempool`, with pending ids and the `/metrics` tx
 * counters while the ramp runs) and the recorded blocks.
 */

import { z } from 'zod';
import { quietSpanMs, requireFacet } from '../adapter/facets.ts';
import type { BlockObservation, Recording, Sample } from '../observe/recording.ts';
import { CapabilityError } from '../support/errors.ts';
import { parseOptions } from '../support/validate.ts';
import { at, between, percent, replayHint, seconds, short } from './format.ts';
import { type MatcherResult, type MatcherThis, refresh, settle, toSubject } from './shell.ts';
import type { TimeWindow } from './timeline.ts';

/** Options of `toBoundMempool`. */
export interface BoundMempoolOptions {
  /** Most pending txs allowed. Default: the capacity each node reports. */
  capacity?: number;
  /** Longest time without a new block (ms). Default: slots to a 1e-7 chance of no block, + 2 s. */
  maxStallMs?: number;
  /** Median fill of blocks made while every mempool held a block's worth, 0..1. Default 0.8. */
  fill?: number;
  /** Txs per block of a step may fall to this fraction of the best earlier step's, 0..1. Default 0.5. */
  degrade?: number;
  /** `required`: some tx must be evicted. Default `required` with a ramp, else `allowed`. */
  evictions?: 'required' | 'allowed';
  /** Most txs per block. Default: the most seen in one block in the window. */
  blockTxs?: number;
  /** Start of the judged window (recording ms). Default: the ramp's first step, else the test's start. */
  since?: number;
}

/** What `toBoundMempool` needs of a ramp (what `ramp(…)` returns). */
export interface RampLike {
  name: string;
  feeTiers: readonly bigint[];
  steps(): { rate: number; from: number; to?: number }[];
  done?: Promise<void>;
}

export interface MempoolStats {
  maxSize: number;
  capacity: number;
  /** Evictions over the window, from `/mempool`. */
  evicted: number;
  /** The same from the nodes' metrics, when sampled. */
  evictedByMetrics?: number;
  /** Txs the viewer node's metrics counted into its best chain over the window, when sampled. */
  includedByMetrics?: number;
  saturatedBlocks: number;
  medianFill: number | undefined;
  /** Per ramp step (blocks by slot time): its blocks, their txs per block and per second. */
  throughput: StepThroughput[];
}

/** What the chain carried during one ramp step. */
export interface StepThroughput {
  /** The step's offered rate (tx/s). */
  rate: number;
  /** Blocks of the winning chain whose slot fell in the step. */
  blocks: number;
  /** Txs per block of those (0 without blocks): judged against `degrade`. */
  perBlock: number;
  /** Txs per second of the step: shown, not judged (the block count is chance). */
  perSecond: number;
}

export type BoundMempoolVerdict =
  | { kind: 'bounded'; stats: MempoolStats }
  | { kind: 'over-capacity'; node: string; at: number; size: number; capacity: number; stats: MempoolStats }
  | { kind: 'stalled'; from: number; to: number; ms: number; limitMs: number; stats: MempoolStats }
  | { kind: 'no-evictions'; stats: MempoolStats }
  | {
      kind: 'eviction-order';
      node: string;
      from: number;
      to: number;
      evicted: { id: string; fee: bigint; tier: number };
      survivor: { id: string; fee: bigint; tier: number };
      evictedCount: number;
      survivorCount: number;
      stats: MempoolStats;
    }
  | {
      kind: 'blocks-not-full';
      medianFill: number;
      fill: number;
      blockTxs: number;
      saturated: number;
      stats: MempoolStats;
    }
  | {
      kind: 'throughput-collapse';
      step: StepThroughput;
      best: StepThroughput;
      degrade: number;
      stats: MempoolStats;
    };

const optionsSchema = z.strictObject({
  capacity: z.int().min(1).optional(),
  maxStallMs: z.int().min(1).optional(),
  fill: z.number().min(0).max(1).optional(),
  degrade: z.number().min(0).max(1).optional(),
  evictions: z.enum(['required', 'allowed']).optional(),
  blockTxs: z.int().min(1).optional(),
  since: z.number().min(0).optional(),
});

/** Validates `toBoundMempool` options. */
export function parseBoundMempoolOptions(opts: unknown): BoundMempoolOptions {
  return parseOptions(optionsSchema, opts ?? {}, 'toBoundMempool options', {
    capacity: 'an integer ≥ 1 (txs)',
    maxStallMs: 'an integer ≥ 1 (ms)',
    fill: 'a fraction 0..1',
    degrade: 'a fraction 0..1',
    evictions: `'required' or 'allowed'`,
    blockTxs: 'an integer ≥ 1',
    since: 'recording ms ≥ 0',
    '*': 'one of capacity, maxStallMs, fill, degrade, evictions, blockTxs, since',
  }) as BoundMempoolOptions;
}

/** Default stall bound: the quiet span a healthy chain shows with chance 1e-7, plus 2 s of slack. */
export function defaultStallMs(rec: Recording): number {
  return quietSpanMs(rec.facts.production) + 2000;
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Judges the window [from, to] of `rec`. `ramp` gives fee tiers and steps. Pure.
 *
 * @example
 * const v = checkBoundMempool(recording, { from: 0, to: recording.now() }, rampWorkload);
 */
export function checkBoundMempool(
  rec: Recording,
  window: TimeWindow,
  ramp?: RampLike,
  opts: BoundMempoolOptions = {},
): BoundMempoolVerdict {
  const { from, to } = window;
  const nodes = rec.activeNodes(to).map((n) => n.name);
  const samples = rec.samples.filter((s) => s.ok && s.mempool && s.at >= from && s.at <= to);
  // Counters since the node started: the eviction count is the rise over the window (from
  // the samples that carry one; the async shell refuses chains that count no evictions).
  const evictedBefore = new Map<string, number>();
  for (const s of rec.samples)
    if (s.ok && s.mempool?.evicted !== undefined && s.at < from) evictedBefore.set(s.node, s.mempool.evicted);
  let evicted = 0;
  for (const node of nodes) {
    const counts = samples.flatMap((s) =>
      s.node === node && s.mempool!.evicted !== undefined ? [s.mempool!.evicted] : [],
    );
    if (counts.length === 0) continue;
    const first = evictedBefore.get(node) ?? counts[0]!;
    evicted += Math.max(...counts) - first;
  }
  // The metrics' eviction counter, where the samples carry it (the ramp asks for it).
  let evictedByMetrics: number | undefined;
  for (const node of nodes) {
    const mine = samples.filter((s) => s.node === node && s.mempool!.counters !== undefined);
    if (mine.length < 2) continue;
    const c = mine.map((s) => s.mempool!.counters!.evicted);
    evictedByMetrics = (evictedByMetrics ?? 0) + Math.max(...c) - c[0]!;
  }
  // No bound given and none reported: nothing to exceed (the shell refuses that case).
  const capacityOf = (s: Sample): number => opts.capacity ?? s.mempool!.capacity ?? Number.POSITIVE_INFINITY;
  const maxSize = Math.max(0, ...samples.map((s) => s.mempool!.size));
  const capacity = Math.min(...samples.map(capacityOf), Number.POSITIVE_INFINITY);

  // The chain as the first validator (or node) saw it: blocks by arrival time.
  const viewer = rec.activeNodes(to).find((n) => n.role === 'validator')?.name ?? nodes[0];
  const chain: BlockObservation[] =
    viewer === undefined ? [] : [...rec.bestChain(viewer, to).values()].sort((a, b) => a.height - b.height);
  const inWindow = chain.filter((b) => b.at >= from && b.at <= to);
  const blockTxs = opts.blockTxs ?? Math.max(0, ...inWindow.map((b) => b.txIds.length));
  // Saturated: every node's latest sample before the block held at least a block's worth.
  const latestBefore = (node: string, t: number): Sample | undefined => {
    let best: Sample | undefined;
    for (const s of samples) if (s.node === node && s.at <= t && (!best || s.at > best.at)) best = s;
    return best;
  };
  const saturated =
    blockTxs === 0
      ? []
      : inWindow.filter((b) => nodes.every((n) => (latestBefore(n, b.at)?.mempool?.size ?? 0) >= blockTxs));
  const medianFill = median(saturated.map((b) => b.txIds.length / blockTxs));
  // A step shorter than a few block intervals says nothing about throughput.
  const blockMs = rec.facts.production.expectedIntervalMs;
  const throughput = (ramp?.steps() ?? [])
    .map((s) => ({ rate: s.rate, from: s.from, to: s.to ?? to }))
    .filter((s) => s.to - s.from >= 2.5 * blockMs)
    .map((s) => {
      // By slot time, not arrival: a late-arriving block belongs to the step its slot was in.
      const blocks = chain.filter(
        (b) => b.timestamp - rec.startedAt >= s.from && b.timestamp - rec.startedAt < s.to,
      );
      const txs = blocks.reduce((n, b) => n + b.txIds.length, 0);
      const round = (x: number): number => Math.round(x * 100) / 100;
      return {
        rate: s.rate,
        blocks: blocks.length,
        perBlock: blocks.length === 0 ? 0 : round(txs / blocks.length),
        perSecond: round(txs / ((s.to - s.from) / 1000)),
      };
    });
  const viewerCounts = samples
    .filter((s) => s.node === viewer && s.mempool!.counters !== undefined)
    .map((s) => s.mempool!.counters!.included);
  const stats: MempoolStats = {
    maxSize,
    capacity: Number.isFinite(capacity) ? capacity : 0,
    evicted,
    ...(evictedByMetrics === undefined ? {} : { evictedByMetrics }),
    ...(viewerCounts.length < 2 ? {} : { includedByMetrics: Math.max(...viewerCounts) - viewerCounts[0]! }),
    saturatedBlocks: saturated.length,
    medianFill,
    throughput,
  };

  for (const s of samples) {
    if (s.mempool!.size > capacityOf(s)) {
      return {
        kind: 'over-capacity',
        node: s.node,
        at: s.at,
        size: s.mempool!.size,
        capacity: capacityOf(s),
        stats,
      };
    }
  }

  const limitMs = opts.maxStallMs ?? defaultStallMs(rec);
  const arrivals = [
    from,
    ...rec.blocks.filter((b) => b.source !== 'backfill' && b.at >= from && b.at <= to).map((b) => b.at),
    to,
  ].sort((a, b) => a - b);
  for (let i = 1; i < arrivals.length; i++) {
    const gap = arrivals[i]! - arrivals[i - 1]!;
    if (gap > limitMs)
      return { kind: 'stalled', from: arrivals[i - 1]!, to: arrivals[i]!, ms: gap, limitMs, stats };
  }

  if (ramp) {
    const included = new Set(rec.blocks.flatMap((b) => b.txIds));
    const tier = (id: string): { id: string; fee: bigint; tier: number } | undefined => {
      const r = rec.txs.get(id);
      if (!r || r.workload !== ramp.name || r.fee === undefined) return undefined;
      const t = ramp.feeTiers.indexOf(r.fee);
      return t < 0 ? undefined : { id, fee: r.fee, tier: t };
    };
    for (const node of nodes) {
      const withIds = samples
        .filter((s) => s.node === node && s.mempool!.ids !== undefined)
        .sort((a, b) => a.at - b.at);
      for (let i = 1; i < withIds.length; i++) {
        const a = withIds[i - 1]!;
        const b = withIds[i]!;
        // The node's own counter says nothing was evicted in between: what left was included
        // (perhaps in a block not recorded yet) or dropped, not evicted.
        if (a.mempool!.evicted !== undefined && a.mempool!.evicted === b.mempool!.evicted) continue;
        const later = new Set(b.mempool!.ids!);
        const gone: { id: string; fee: bigint; tier: number }[] = [];
        const stayed: { id: string; fee: bigint; tier: number }[] = [];
        for (const id of a.mempool!.ids!) {
          const t = tier(id);
          if (!t) continue;
          if (later.has(id)) stayed.push(t);
          else if (!included.has(id)) gone.push(t);
        }
        if (gone.length === 0 || stayed.length === 0) continue;
        const worst = gone.reduce((x, y) => (y.tier > x.tier ? y : x));
        const cheapest = stayed.reduce((x, y) => (y.tier < x.tier ? y : x));
        if (worst.tier > cheapest.tier) {
          return {
            kind: 'eviction-order',
            node,
            from: a.at,
            to: b.at,
            evicted: worst,
            survivor: cheapest,
            evictedCount: gone.filter((g) => g.tier > cheapest.tier).length,
            survivorCount: stayed.filter((s) => s.tier < worst.tier).length,
            stats,
          };
        }
      }
    }
  }

  const anyEvicted = evicted > 0 || (evictedByMetrics ?? 0) > 0;
  if ((opts.evictions ?? (ramp ? 'required' : 'allowed')) === 'required' && !anyEvicted)
    return { kind: 'no-evictions', stats };

  const fill = opts.fill ?? 0.8;
  if (medianFill !== undefined && saturated.length >= 3 && medianFill < fill) {
    return { kind: 'blocks-not-full', medianFill, fill, blockTxs, saturated: saturated.length, stats };
  }

  const degrade = opts.degrade ?? 0.5;
  let best: StepThroughput | undefined;
  for (const step of throughput) {
    if (best && best.perBlock > 0 && step.perBlock < degrade * best.perBlock) {
      return { kind: 'throughput-collapse', step, best, degrade, stats };
    }
    if (!best || step.perBlock > best.perBlock) best = step;
  }
  return { kind: 'bounded', stats };
}

function statsLine(s: MempoolStats): string {
  const tp =
    s.throughput.length > 0
      ? `; per step ${s.throughput.map((t) => `${t.rate}/s→${t.perBlock} txs per block in ${t.blocks} (${t.perSecond}/s)`).join(', ')}`
      : '';
  const fill =
    s.medianFill === undefined
      ? 'no saturated blocks'
      : `median fill ${percent(s.medianFill)} of ${s.saturatedBlocks} saturated blocks`;
  const byMetrics = s.evictedByMetrics === undefined ? '' : ` (${s.evictedByMetrics} by /metrics)`;
  const included =
    s.includedByMetrics === undefined ? '' : `, ${s.includedByMetrics} txs included by /metrics`;
  return `observed: max mempool ${s.maxSize}/${s.capacity}, ${s.evicted} evicted${byMetrics}, ${fill}${included}${tp}`;
}

/** Why the check failed. */
export function boundMempoolFailure(v: BoundMempoolVerdict, window: TimeWindow, seed: number): string {
  const span = between(window.from, window.to);
  let line: string;
  switch (v.kind) {
    case 'bounded':
      return boundMempoolNegated(v, window, seed);
    case 'over-capacity':
      line = `expected every mempool to stay within its capacity ${span}; ${v.node} held ${v.size} txs at ${at(v.at)}, capacity ${v.capacity}`;
      break;
    case 'stalled':
      line = `expected a new block at least every ${seconds(v.limitMs)} under pressure ${span}; none arrived between ${at(v.from)} and ${at(v.to)} (${seconds(v.ms)})`;
      break;
    case 'no-evictions':
      line = `expected the pressure to evict some txs ${span}; no node evicted any (raise the ramp's rate or lower the cluster's mempool.maxCount)`;
      break;
    case 'eviction-order':
      line = `expected evictions to take the lowest fee tier first; on ${v.node} between ${at(v.from)} and ${at(v.to)} ${short(v.evicted.id)} (fee ${v.evicted.fee}, tier ${v.evicted.tier + 1}) was evicted while ${short(v.survivor.id)} (fee ${v.survivor.fee}, tier ${v.survivor.tier + 1}) stayed pending (${v.evictedCount} higher-tier evicted, ${v.survivorCount} lower-tier kept)`;
      break;
    case 'blocks-not-full':
      line = `expected blocks to fill while every mempool held at least ${v.blockTxs} txs ${span}; the median of ${v.saturated} such blocks was ${percent(v.medianFill)} full (at least ${percent(v.fill)} expected)`;
      break;
    case 'throughput-collapse':
      line = `expected throughput to degrade gracefully (blocks carrying no less than ${percent(v.degrade)} of the best earlier step's txs per block); at ${v.step.rate} tx/s the chain's ${v.step.blocks} blocks carried ${v.step.perBlock} txs each, at ${v.best.rate} tx/s ${v.best.perBlock}`;
      break;
  }
  return `${line}\n${statsLine(v.stats)} (seed ${seed})\n${replayHint(seed)}`;
}

/** The `.not` message. */
export function boundMempoolNegated(v: BoundMempoolVerdict, window: TimeWindow, seed: number): string {
  return `expected the mempool not to stay bounded ${between(window.from, window.to)}, but it did; ${statsLine(v.stats)} (seed ${seed})`;
}

function isRamp(x: unknown): x is RampLike {
  return (
    typeof x === 'object' &&
    x !== null &&
    Array.isArray((x as RampLike).feeTiers) &&
    typeof (x as RampLike).steps === 'function'
  );
}

/**
 * A chain whose mempool reports no count bound (and none was given) or no eviction counter
 * cannot be judged here: refused with a `CapabilityError` naming what is missing.
 */
function refuseUncounted(rec: Recording, opts: BoundMempoolOptions): void {
  const latest = rec.samples.findLast((s) => s.ok && s.mempool !== undefined)?.mempool;
  if (latest === undefined) return;
  const missing = [
    ...(opts.capacity === undefined && latest.capacity === undefined ? ['a count capacity'] : []),
    ...(latest.evicted === undefined ? ['an eviction counter'] : []),
  ];
  if (missing.length > 0)
    throw CapabilityError.facet(`mempool (${missing.join(' and ')})`, rec.facts.adapter, 'toBoundMempool');
}

/**
 * Judges the pressure window once the ramp is done (or now, without a ramp).
 *
 * @example
 * const r = await background(ramp({ from: 20, to: 200, step: 60, every: 4000 }));
 * await expect(cluster).toBoundMempool(r);
 */
export async function toBoundMempool(
  this: MatcherThis,
  received: unknown,
  rampOrOptions?: unknown,
  options?: BoundMempoolOptions,
): Promise<MatcherResult> {
  const subject = toSubject('toBoundMempool', received);
  requireFacet(subject.recording, 'toBoundMempool', 'mempool');
  const ramp = isRamp(rampOrOptions) ? rampOrOptions : undefined;
  const opts = parseBoundMempoolOptions(ramp ? options : (rampOrOptions ?? options));
  // Refused before waiting for the ramp when the samples already show it, else once sampled.
  refuseUncounted(subject.recording, opts);
  await ramp?.done;
  // The window ends before the refresh: every sample in it was read before the refresh asked
  // each node for its tip, so the blocks behind what the samples show are recorded by then.
  const to = subject.recording.now();
  await refresh(subject);
  const rec = subject.recording;
  refuseUncounted(rec, opts);
  const from = opts.since ?? ramp?.steps()[0]?.from ?? rec.lastMark('test-start')?.at ?? 0;
  const window = { from, to };
  const verdict = checkBoundMempool(rec, window, ramp, opts);
  return settle(this, subject, {
    matcher: 'toBoundMempool',
    pass: verdict.kind === 'bounded',
    failure: () => boundMempoolFailure(verdict, window, rec.seed),
    negated: () => boundMempoolNegated(verdict, window, rec.seed),
    actual: verdict,
    expected: { kind: 'bounded' },
    window,
  });
}
