/**
 * `toRespectDrift()`: every node kept its rule for blocks from the future — a block whose
 * slot starts more than the drift bound ahead of the node's own clock is refused (or held,
 * within the bound, until its slot starts), never adopted at once. Judged from the nodes'
 * own counters (facet `clock-skew`: `ClockReading.acceptedBeyondDrift`, held and refused
 * blocks) as the observer sampled them, with each node's clock offset from the recording's
 * `clock-skew` fault windows, so a failure says how far off the node's clock was.
 */

import { z } from 'zod';
import { requireFacet } from '../adapter/facets.ts';
import type { Recording } from '../observe/recording.ts';
import { parseOptions } from '../support/validate.ts';
import { at, between, nodeList, plural, replayHint } from './format.ts';
import { type MatcherResult, type MatcherThis, refresh, settle, toSubject } from './shell.ts';
import type { TimeWindow } from './timeline.ts';

/** Options of `toRespectDrift`. */
export interface RespectDriftOptions {
  /** Judge only these nodes. Default: every node the recording knows. */
  nodes?: string[];
}

/** What one node's counters showed over the recording (increases summed across restarts). */
export interface NodeDrift {
  node: string;
  /** Blocks from the future it held until their slot started. */
  held: number;
  /** Blocks it refused as beyond its drift bound. */
  refused: number;
  /** Samples that carried its clock. */
  samples: number;
}

/** Every node refused or held what came from beyond its drift bound. */
export interface DriftRespected {
  kind: 'respected';
  nodes: NodeDrift[];
  window: TimeWindow;
}

/** A node adopted blocks from beyond its drift bound. */
export interface DriftIgnored {
  kind: 'ignored';
  node: string;
  /** Such blocks by `at` (since the recording started). */
  accepted: number;
  /** First sample that showed one. */
  at: number;
  maxDriftMs: number | undefined;
  /** The node's clock offset then, per the recording's `clock-skew` windows (ms). */
  offsetMs: number;
  /** Other nodes that did it too. */
  alsoOn: string[];
  window: TimeWindow;
}

/** A node's clock was never read (it never answered, or its chain reports no counters). */
export interface DriftUnobserved {
  kind: 'unobserved';
  node: string;
  reason: string;
  window: TimeWindow;
}

export type RespectDriftVerdict = DriftRespected | DriftIgnored | DriftUnobserved;

const optionsSchema = z.strictObject({ nodes: z.array(z.string()).min(1).optional() });

/** Validates `toRespectDrift` options. */
export function parseRespectDriftOptions(opts: unknown): RespectDriftOptions {
  return parseOptions(optionsSchema, opts ?? {}, 'toRespectDrift options', {
    nodes: 'a non-empty array of node names',
    '*': 'nodes is the only option',
  }) as RespectDriftOptions;
}

/**
 * Judges each node's future-block counters over the whole recording. Counters run since the
 * node's process started, so a drop (a restart) starts a new run and increases are summed.
 * Pure.
 *
 * @example
 * const v = checkRespectDrift(cluster.recording);
 * if (v.kind === 'ignored') console.log(v.node, v.accepted);
 */
export function checkRespectDrift(rec: Recording, opts: RespectDriftOptions = {}): RespectDriftVerdict {
  const window = { from: 0, to: rec.now() };
  const names = opts.nodes ?? rec.nodes().map((n) => n.name);
  const results: NodeDrift[] = [];
  const ignored: Omit<DriftIgnored, 'alsoOn'>[] = [];
  for (const node of names) {
    const clocks = rec.samplesOf(node).flatMap((s) => (s.clock ? [{ at: s.at, clock: s.clock }] : []));
    if (clocks.length === 0) {
      const failed = rec.samplesOf(node).findLast((s) => !s.ok);
      const reason = failed
        ? `its clock was never read (last error: ${failed.error ?? 'no answer'})`
        : 'its clock was never read (samples read clocks on clusters started with the `clockSkew` option)';
      return { kind: 'unobserved', node, reason, window };
    }
    const sum = { held: 0, refused: 0, accepted: 0 };
    let prev = { held: 0, refused: 0, accepted: 0 };
    let firstBeyond: { at: number; maxDriftMs: number | undefined } | undefined;
    for (const { at: t, clock } of clocks) {
      const now = {
        held: clock.heldFutureBlocks ?? 0,
        refused: clock.refusedFutureBlocks ?? 0,
        accepted: clock.acceptedBeyondDrift ?? 0,
      };
      // A counter that went down: the process restarted and counts from zero again.
      for (const k of ['held', 'refused', 'accepted'] as const) {
        sum[k] += now[k] >= prev[k] ? now[k] - prev[k] : now[k];
      }
      prev = now;
      if (sum.accepted > 0 && firstBeyond === undefined)
        firstBeyond = { at: t, maxDriftMs: clock.maxDriftMs };
    }
    if (firstBeyond !== undefined)
      ignored.push({
        kind: 'ignored',
        node,
        accepted: sum.accepted,
        at: firstBeyond.at,
        maxDriftMs: firstBeyond.maxDriftMs,
        offsetMs: rec.clockOffsetAt(node, firstBeyond.at),
        window,
      });
    results.push({ node, held: sum.held, refused: sum.refused, samples: clocks.length });
  }
  if (ignored.length > 0) {
    const first = ignored.reduce((a, b) => (b.at < a.at ? b : a));
    return { ...first, alsoOn: ignored.filter((i) => i !== first).map((i) => i.node) };
  }
  return { kind: 'respected', nodes: results, window };
}

function signedMs(ms: number): string {
  return `${ms < 0 ? '-' : '+'}${Math.abs(ms)} ms`;
}

/** The failure message: the node, the rule with its bound, the count and when, the seed. */
export function respectDriftFailure(v: RespectDriftVerdict, seed: number): string {
  let line: string;
  switch (v.kind) {
    case 'respected':
      return respectDriftNegated(v, seed);
    case 'ignored': {
      const bound = v.maxDriftMs === undefined ? 'its drift bound' : `its drift bound of ${v.maxDriftMs} ms`;
      const also = v.alsoOn.length > 0 ? `; ${nodeList(v.alsoOn)} did too` : '';
      line =
        `expected ${v.node} to hold or refuse blocks from the future per the drift rule ${between(v.window.from, v.window.to)} ` +
        `(a block whose slot starts more than ${bound} ahead of its clock is refused); ` +
        `it adopted ${plural(v.accepted, 'such block')} at once, the first seen at ${at(v.at)} ` +
        `(its clock ${signedMs(v.offsetMs)})${also}`;
      break;
    }
    case 'unobserved':
      line = `cannot judge the drift rule on ${v.node} ${between(v.window.from, v.window.to)}: ${v.reason}`;
      break;
  }
  return `${line} (seed ${seed})\n${replayHint(seed)}`;
}

/** The `.not` message: every node kept the rule. */
export function respectDriftNegated(v: RespectDriftVerdict, seed: number): string {
  const counts =
    v.kind === 'respected'
      ? v.nodes.map((n) => `${n.node} held ${n.held}, refused ${n.refused}`).join('; ')
      : '';
  return `expected a node to adopt a block from beyond its drift bound ${between(v.window.from, v.window.to)}, but every node kept the drift rule (${counts}) (seed ${seed})`;
}

/**
 * Asserts no node adopted a block from beyond its drift bound, over the whole recording.
 * Needs facet `clock-skew`.
 *
 * @example
 * await expect(cluster).toRespectDrift();
 */
export async function toRespectDrift(
  this: MatcherThis,
  received: unknown,
  options?: RespectDriftOptions,
): Promise<MatcherResult> {
  const subject = toSubject('toRespectDrift', received);
  const opts = parseRespectDriftOptions(options);
  const rec = subject.recording;
  requireFacet(rec, 'toRespectDrift', 'clock-skew');
  await refresh(subject);
  const verdict = checkRespectDrift(rec, opts);
  return settle(this, subject, {
    matcher: 'toRespectDrift',
    pass: verdict.kind === 'respected',
    failure: () => respectDriftFailure(verdict, rec.seed),
    negated: () => respectDriftNegated(verdict, rec.seed),
    actual: verdict,
    expected: { kind: 'respected', maxDriftMs: rec.facts.slots?.maxDriftMs },
    window: verdict.window,
  });
}
