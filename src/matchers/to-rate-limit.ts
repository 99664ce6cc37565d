/**
 * `toRateLimit`: every node an API flood reached defended itself — it answered part of the
 * flood "too many requests" or "overloaded" (what those are is the adapter's `answer`), rather
 * than serving every request it got. Judged on the flood's own record; a failure names the
 * node and quotes what it did with the flood.
 */

import {
  describeFloodOutcome,
  type FloodNodeOutcome,
  type FloodOutcome,
  floodOutcome,
} from '../observe/flood-summary.ts';
import type { FloodRecord, Recording } from '../observe/recording.ts';
import { between, nodeList, replayHint } from './format.ts';
import { type MatcherResult, type MatcherThis, pollUntilVerdict, settle, toSubject } from './shell.ts';
import type { TimeWindow } from './timeline.ts';

/** A flood as `toRateLimit` takes it: a started flood or its record. */
export type FloodSource = { readonly record: FloodRecord } | FloodRecord;

/** Every flooded node limited the flood. */
export interface RateLimited {
  kind: 'rate-limited';
  window: TimeWindow;
  outcome: FloodOutcome;
}

/** A flooded node served (or refused as bad) every request, limiting none. */
export interface Unlimited {
  kind: 'unlimited';
  window: TimeWindow;
  node: string;
  nodeOutcome: FloodNodeOutcome;
  outcome: FloodOutcome;
  /** Other nodes that limited nothing. */
  also: string[];
}

/** The flood sent nothing to judge. */
export interface NothingSent {
  kind: 'nothing-sent';
  window: TimeWindow;
  outcome: FloodOutcome;
}

export type RateLimitVerdict = RateLimited | Unlimited | NothingSent;

/**
 * Judges one flood's record. Pure.
 *
 * @example
 * const v = checkRateLimit(flood.record);
 * if (v.kind === 'unlimited') console.log(v.node);
 */
export function checkRateLimit(flood: FloodRecord): RateLimitVerdict {
  const outcome = floodOutcome(flood);
  const window = { from: outcome.from, to: outcome.to };
  if (outcome.sent === 0) return { kind: 'nothing-sent', window, outcome };
  const unlimited = outcome.byNode.filter((n) => n.sent > 0 && n.rateLimited + n.overloaded === 0);
  const [first, ...others] = unlimited;
  if (first === undefined) return { kind: 'rate-limited', window, outcome };
  return {
    kind: 'unlimited',
    window,
    node: first.node,
    nodeOutcome: first,
    outcome,
    also: others.map((n) => n.node),
  };
}

function n(x: number): string {
  return x.toLocaleString('en-US');
}

/** The failure message of a verdict that is not `rate-limited`. */
export function rateLimitFailure(verdict: RateLimitVerdict, seed: number): string {
  const span = between(verdict.window.from, verdict.window.to);
  if (verdict.kind === 'rate-limited') return rateLimitNegated(verdict, seed);
  if (verdict.kind === 'nothing-sent')
    return `expected ${verdict.outcome.name} to be rate-limited ${span}, but it sent nothing (seed ${seed})\n${replayHint(seed)}`;
  const o = verdict.nodeOutcome;
  const lines = [
    `expected node ${verdict.node} to rate-limit or shed ${verdict.outcome.name} ${span}; ` +
      `it answered every one of the ${n(o.sent)} requests it got (up to ${n(o.peakPerSecond)} in one second) ` +
      `without a 429 or 503: accepted ${n(o.accepted)}, refused ${n(o.refused)} (4xx), failed ${n(o.failed)} (seed ${seed})`,
  ];
  if (verdict.also.length > 0) lines.push(`also unlimited: ${nodeList(verdict.also)}`);
  lines.push(`flood: ${describeFloodOutcome(verdict.outcome)}`);
  lines.push(replayHint(seed));
  return lines.join('\n');
}

/** The `.not` message: every node limited the flood. */
export function rateLimitNegated(verdict: RateLimitVerdict, seed: number): string {
  const per = verdict.outcome.byNode
    .map((o) => `${o.node} ${n(o.rateLimited)} rate-limited, ${n(o.overloaded)} shed`)
    .join('; ');
  return (
    `expected ${verdict.outcome.name} not to be rate-limited ${between(verdict.window.from, verdict.window.to)}, ` +
    `but every node limited it (${per}) (seed ${seed})`
  );
}

function recordOf(rec: Recording, flood: FloodSource | undefined): FloodRecord | undefined {
  if (flood === undefined) return rec.floods.at(-1);
  return 'rows' in flood ? flood : flood.record;
}

/**
 * Asserts every node a flood reached answered part of it 429 (rate-limited) or 503 (shed).
 * Default flood: the latest one recorded.
 *
 * @example
 * await flood.done;
 * await expect(cluster).toRateLimit(flood);
 */
export async function toRateLimit(
  this: MatcherThis,
  received: unknown,
  flood?: FloodSource,
): Promise<MatcherResult> {
  const subject = toSubject('toRateLimit', received);
  const rec = subject.recording;
  const record = recordOf(rec, flood);
  const { verdict } = await pollUntilVerdict(subject, {
    until: rec.now(),
    everyMs: 100,
    check: (): RateLimitVerdict =>
      record === undefined
        ? {
            kind: 'nothing-sent',
            window: { from: 0, to: rec.now() },
            outcome: floodOutcome({
              name: 'an API flood',
              nodes: [],
              start: 0,
              end: rec.now(),
              qps: 'max',
              description: '',
              rows: [],
            }),
          }
        : checkRateLimit(record),
    settled: () => true,
  });
  return settle(this, subject, {
    matcher: 'toRateLimit',
    pass: verdict.kind === 'rate-limited',
    failure: () => rateLimitFailure(verdict, rec.seed),
    negated: () => rateLimitNegated(verdict, rec.seed),
    actual: verdict,
    expected: { kind: 'rate-limited' },
    window: verdict.window,
  });
}
