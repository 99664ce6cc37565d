/**
 * `toIncludeOneOfEach(races, { within })`: of each pair of conflicting txs (a double spend:
 * both spend the same nonce or outputs), exactly one sits on every node's best chain, and
 * every node holds the same one. A chain holding both is a broken ledger and fails at once;
 * a pair with no winner yet, or nodes that disagree, may settle while the matcher waits.
 */

import { z } from 'zod';
import type { Recording, TxRecord } from '../observe/recording.ts';
import { parseOptions } from '../support/validate.ts';
import { at, between, plural, replayHint, seconds, short } from './format.ts';
import { chainPlaces } from './mempool-views.ts';
import {
  blocksWithin,
  type MatcherResult,
  type MatcherThis,
  pollEveryMs,
  pollUntilVerdict,
  settle,
  toSubject,
} from './shell.ts';
import type { TimeWindow } from './timeline.ts';

/** Options of `toIncludeOneOfEach`. */
export interface IncludeOneOfEachOptions {
  /** How long to wait for every pair to settle (ms). Default `max(5000, (k + 10) · slotMs / f)`. */
  within?: number;
}

/** Pairs of conflicting tx ids: a double-spend workload (`pairs()`), or the pairs themselves. */
export type RaceSource =
  | { readonly name?: string; pairs(): readonly (readonly [string, string])[] }
  | readonly (readonly [string, string])[];

interface Base {
  /** Pairs judged. */
  pairs: number;
  source: string;
}

/** Where one tx of a pair sits on one node's chain. */
export interface Place {
  node: string;
  id: string;
  height: number;
}

export type OneOfEachVerdict =
  | (Base & { kind: 'one-each'; nodes: string[] })
  | (Base & { kind: 'empty' })
  | (Base & { kind: 'both'; pair: [string, string]; node: string; heights: number[] })
  | (Base & {
      kind: 'none';
      pair: [string, string];
      node: string;
      records: [TxRecord | undefined, TxRecord | undefined];
      /** Pairs without a winner on some node. */
      count: number;
    })
  | (Base & { kind: 'split'; pair: [string, string]; winners: Place[] });

const optionsSchema = z.strictObject({ within: z.int().min(0).optional() });

/** Validates `toIncludeOneOfEach` options. */
export function parseOneOfEachOptions(opts: unknown): IncludeOneOfEachOptions {
  return parseOptions(optionsSchema, opts ?? {}, 'toIncludeOneOfEach options', {
    within: 'an integer ≥ 0 (ms to wait)',
    '*': 'within is the only option',
  }) as IncludeOneOfEachOptions;
}

/** The pairs and a label for messages. */
export function resolveRaces(source: RaceSource): { pairs: [string, string][]; label: string } {
  if (Array.isArray(source)) {
    const pairs = (source as readonly (readonly unknown[])[]).map((p) => [p?.[0], p?.[1]]);
    if (pairs.some(([a, b]) => typeof a !== 'string' || typeof b !== 'string'))
      throw new TypeError(
        'toIncludeOneOfEach: expected a double-spend workload or an array of [txId, txId] pairs',
      );
    return { pairs: pairs as [string, string][], label: 'given' };
  }
  const w = source as { name?: string; pairs?: unknown };
  if (typeof w?.pairs !== 'function')
    throw new TypeError(
      'toIncludeOneOfEach: expected a double-spend workload or an array of [txId, txId] pairs',
    );
  const pairs = (source as { pairs(): readonly (readonly [string, string])[] }).pairs();
  return { pairs: pairs.map(([a, b]) => [a, b]), label: `of workload ${w.name ?? '(unnamed)'}` };
}

/**
 * Judges the pairs on every node's best chain at `atTime`. Pure.
 *
 * @example
 * const v = checkOneOfEach(recording, races.pairs());
 */
export function checkOneOfEach(
  rec: Recording,
  pairs: readonly (readonly [string, string])[],
  atTime = rec.now(),
  source = 'given',
): OneOfEachVerdict {
  const base: Base = { pairs: pairs.length, source };
  if (pairs.length === 0) return { kind: 'empty', ...base };
  const ids = new Set(pairs.flat());
  const nodes = rec.activeNodes(atTime).map((n) => n.name);
  const winners = new Map<number, Place[]>();
  let none: Extract<OneOfEachVerdict, { kind: 'none' }> | undefined;
  for (const node of nodes) {
    const places = chainPlaces(rec, node, ids, atTime);
    for (const [i, [a, b]] of pairs.entries()) {
      const ha = places.get(a) ?? [];
      const hb = a === b ? [] : (places.get(b) ?? []);
      if (ha.length + hb.length > 1)
        return { kind: 'both', ...base, pair: [a, b], node, heights: [...ha, ...hb].sort((x, y) => x - y) };
      if (ha.length + hb.length === 0) {
        if (none === undefined)
          none = {
            kind: 'none',
            ...base,
            pair: [a, b],
            node,
            records: [rec.txs.get(a), rec.txs.get(b)],
            count: 0,
          };
        none.count++;
        continue;
      }
      const place = ha.length > 0 ? { node, id: a, height: ha[0]! } : { node, id: b, height: hb[0]! };
      winners.set(i, [...(winners.get(i) ?? []), place]);
    }
  }
  if (none !== undefined) return none;
  for (const [i, places] of winners) {
    if (new Set(places.map((p) => p.id)).size > 1) {
      const [a, b] = pairs[i]!;
      return { kind: 'split', ...base, pair: [a, b], winners: places };
    }
  }
  return { kind: 'one-each', ...base, nodes };
}

function sent(r: TxRecord | undefined, id: string): string {
  if (r === undefined) return `${short(id)} (never submitted)`;
  const answer =
    r.outcome === 'accepted'
      ? 'accepted'
      : r.outcome === 'rejected'
        ? `refused with ${r.reason}`
        : 'no answer';
  return `${short(id)} (sent to ${r.node} at ${at(r.submittedAt)}: ${answer})`;
}

/** Why the pairs did not settle, with the witness. */
export function oneOfEachFailure(v: OneOfEachVerdict, window: TimeWindow, seed: number): string {
  const want = `expected exactly one tx of each of ${plural(v.pairs, 'double-spend pair')} (${v.source}) on every node's chain, the same one everywhere, within ${seconds(window.to - window.from)} (${between(window.from, window.to)})`;
  let line: string;
  switch (v.kind) {
    case 'one-each':
      return oneOfEachNegated(v, window, seed);
    case 'empty':
      line = `${want}; there were no pairs to check (did the workload send any?)`;
      break;
    case 'both':
      line = `${want}; ${v.node}'s chain holds both ${short(v.pair[0])} and ${short(v.pair[1])} (heights ${v.heights.join(' and ')}), which spend the same`;
      break;
    case 'none': {
      const more = v.count > 1 ? `; ${v.count - 1} more (pair, node) had none` : '';
      line = `${want}; neither ${sent(v.records[0], v.pair[0])} nor ${sent(v.records[1], v.pair[1])} is on ${v.node}'s chain${more}`;
      break;
    }
    case 'split':
      line = `${want}; the nodes disagree on which of ${short(v.pair[0])} and ${short(v.pair[1])} won: ${v.winners.map((w) => `${w.node} holds ${short(w.id)} at height ${w.height}`).join(', ')}`;
      break;
  }
  return `${line} (seed ${seed})\n${replayHint(seed)}`;
}

/** The `.not` message: every pair settled on one tx. */
export function oneOfEachNegated(v: OneOfEachVerdict, window: TimeWindow, seed: number): string {
  return `expected some of ${plural(v.pairs, 'double-spend pair')} (${v.source}) not to settle on exactly one tx on every node ${between(window.from, window.to)}, but every pair did (seed ${seed})`;
}

/**
 * Waits until every pair has exactly one tx on every node's chain, the same everywhere.
 *
 * @example
 * const races = await background(doubleSpends({ pairs: 50 }));
 * await races.done;
 * await expect(cluster).toIncludeOneOfEach(races, { within: 20_000 });
 */
export async function toIncludeOneOfEach(
  this: MatcherThis,
  received: unknown,
  races: RaceSource,
  options?: IncludeOneOfEachOptions,
): Promise<MatcherResult> {
  const subject = toSubject('toIncludeOneOfEach', received);
  const opts = parseOneOfEachOptions(options);
  const { pairs, label } = resolveRaces(races);
  const rec = subject.recording;
  const within = opts.within ?? blocksWithin(rec.facts, 5000);
  const { verdict, window } = await pollUntilVerdict(subject, {
    until: rec.now() + within,
    everyMs: pollEveryMs(rec.facts),
    check: (now) => checkOneOfEach(rec, pairs, now, label),
    // A chain holding both never heals, and an empty source stays empty.
    settled: (v) => v.kind === 'one-each' || v.kind === 'both' || v.kind === 'empty',
  });
  return settle(this, subject, {
    matcher: 'toIncludeOneOfEach',
    pass: verdict.kind === 'one-each',
    failure: () => oneOfEachFailure(verdict, window, rec.seed),
    negated: () => oneOfEachNegated(verdict, window, rec.seed),
    actual: verdict,
    expected: { kind: 'one-each', pairs: verdict.pairs },
    window,
  });
}
