/**
 * `toNeverInclude(txs, { for })` (scenario 7): none of the txs appears in any block any
 * node announced or served, on any branch, during the whole recording and for `for` ms
 * more. Given a fuzzing workload, the included txs it resent as duplicates must stay on
 * each chain exactly once.
 */

import { z } from 'zod';
import type { Recording } from '../observe/recording.ts';
import { parseOptions } from '../support/validate.ts';
import { at, between, plural, replayHint, seconds, short } from './format.ts';
import type { TxSet as TxIdSource } from './mempool-views.ts';
import { chainPlaces } from './mempool-views.ts';
import { type MatcherResult, type MatcherThis, pollUntilVerdict, settle, toSubject } from './shell.ts';
import type { TimeWindow } from './timeline.ts';

/** Options of `toNeverInclude`. */
export interface NeverIncludeOptions {
  /** Keep watching this long (ms) after the call. Default `max(2000, 5 · slotMs / f)`. */
  for?: number;
}

export type NeverIncludeVerdict =
  | { kind: 'never'; total: number; source: string; blocks: number }
  | { kind: 'empty'; total: 0; source: string; blocks: number }
  | {
      kind: 'included';
      total: number;
      source: string;
      blocks: number;
      id: string;
      label: string | undefined;
      node: string;
      height: number;
      hash: string;
      at: number;
      count: number;
    }
  | {
      kind: 'duplicated';
      total: number;
      source: string;
      blocks: number;
      id: string;
      node: string;
      heights: number[];
    };

const optionsSchema = z.strictObject({ for: z.int().min(0).optional() });

/**
 * Judges `never` (ids that must be in no block) and `once` (ids that must be on each chain at
 * most once) at `atTime`. `labels` names ids in messages (e.g. the fuzz kind). Pure.
 *
 * @example
 * const v = checkNeverInclude(recording, fuzz.ids(), fuzz.duplicateOf());
 */
export function checkNeverInclude(
  rec: Recording,
  never: readonly string[],
  once: readonly string[] = [],
  atTime = rec.now(),
  source = 'given',
  labels: ReadonlyMap<string, string> = new Map(),
): NeverIncludeVerdict {
  const wanted = new Set(never);
  const blocks = rec.blocks.filter((b) => b.at <= atTime);
  const seenBlocks = new Set(blocks.map((b) => b.hash)).size;
  const total = wanted.size + once.length;
  if (total === 0) return { kind: 'empty', total: 0, source, blocks: seenBlocks };
  let first: Extract<NeverIncludeVerdict, { kind: 'included' }> | undefined;
  const hits = new Set<string>();
  for (const b of blocks) {
    for (const id of b.txIds) {
      if (!wanted.has(id)) continue;
      hits.add(id);
      first ??= {
        kind: 'included',
        total,
        source,
        blocks: seenBlocks,
        id,
        label: labels.get(id),
        node: b.node,
        height: b.height,
        hash: b.hash,
        at: b.at,
        count: 0,
      };
    }
  }
  if (first) return { ...first, count: hits.size };
  const onceSet = new Set(once);
  for (const n of rec.activeNodes(atTime)) {
    for (const [id, heights] of chainPlaces(rec, n.name, onceSet, atTime)) {
      if (heights.length > 1)
        return { kind: 'duplicated', total, source, blocks: seenBlocks, id, node: n.name, heights };
    }
  }
  return { kind: 'never', total, source, blocks: seenBlocks };
}

/** Why the check failed, naming the block and node. */
export function neverIncludeFailure(v: NeverIncludeVerdict, window: TimeWindow, seed: number): string {
  const want = `expected none of ${plural(v.total, 'tx')} (${v.source}) ever to be in a block (watched ${plural(v.blocks, 'block')} ${between(window.from, window.to)})`;
  let line: string;
  switch (v.kind) {
    case 'never':
      return neverIncludeNegated(v, window, seed);
    case 'empty':
      line = `${want}; there were no txs to check`;
      break;
    case 'included':
      line = `${want}; ${short(v.id)}${v.label ? ` (${v.label})` : ''} is in block ${v.height} (${short(v.hash)}) on ${v.node}, seen at ${at(v.at)}${v.count > 1 ? `; ${v.count} of them are in blocks` : ''}`;
      break;
    case 'duplicated':
      line = `${want}; the resent duplicate ${short(v.id)} is on ${v.node}'s chain ${v.heights.length} times, at heights ${v.heights.join(' and ')}`;
      break;
  }
  return `${line} (seed ${seed})\n${replayHint(seed)}`;
}

/** The `.not` message. */
export function neverIncludeNegated(v: NeverIncludeVerdict, window: TimeWindow, seed: number): string {
  return `expected some of ${plural(v.total, 'tx')} (${v.source}) to be in a block, but none was in any of ${plural(v.blocks, 'block')} seen ${between(window.from, window.to)} (${seconds(window.to - window.from)}) (seed ${seed})`;
}

interface NeverSource {
  never: string[];
  once: string[];
  label: string;
  labels: Map<string, string>;
}

function resolveSource(txs: unknown): NeverSource {
  const w = txs as {
    name?: string;
    ids?: () => string[];
    duplicateOf?: () => string[];
    attempts?: () => { id?: string; case: { kind: string } }[];
  };
  if (typeof w === 'object' && w !== null && !Array.isArray(w) && typeof w.ids === 'function') {
    const labels = new Map<string, string>();
    for (const a of w.attempts?.() ?? [])
      if (a.id !== undefined && !labels.has(a.id)) labels.set(a.id, a.case.kind);
    return {
      never: w.ids(),
      once: w.duplicateOf?.() ?? [],
      label: `of workload ${w.name ?? '(unnamed)'}`,
      labels,
    };
  }
  const list = Array.isArray(txs) ? txs : [txs];
  const ids = list.map((x: unknown) => (typeof x === 'string' ? x : (x as { id?: unknown } | null)?.id));
  if (ids.some((id) => typeof id !== 'string')) {
    throw new TypeError(
      'toNeverInclude: expected a fuzzing workload (invalidTxs(…)), a signed tx, a tx id or an array of them',
    );
  }
  return {
    never: ids as string[],
    once: [],
    label: Array.isArray(txs) ? 'given' : 'given tx',
    labels: new Map(),
  };
}

/**
 * Watches for `for` ms that none of the txs ever appears in a block (failing at once when one does).
 *
 * @example
 * await expect(cluster).toNeverInclude(fuzz, { for: 5000 });
 */
export async function toNeverInclude(
  this: MatcherThis,
  received: unknown,
  txs: TxIdSource,
  options?: NeverIncludeOptions,
): Promise<MatcherResult> {
  const subject = toSubject('toNeverInclude', received);
  const opts = parseOptions(optionsSchema, options ?? {}, 'toNeverInclude options', {
    for: 'an integer ≥ 0 (ms to keep watching)',
    '*': 'one of for',
  }) as NeverIncludeOptions;
  const src = resolveSource(txs);
  const rec = subject.recording;
  const blockMs = rec.facts.production.expectedIntervalMs;
  const watchMs = opts.for ?? Math.max(2000, 5 * blockMs);
  const { verdict } = await pollUntilVerdict(subject, {
    until: rec.now() + watchMs,
    everyMs: 250,
    check: (now) => checkNeverInclude(rec, src.never, src.once, now, src.label, src.labels),
    settled: (v) => v.kind !== 'never',
  });
  // An inclusion anywhere in the run counts, not only one seen while watching.
  const window = { from: 0, to: rec.now() };
  return settle(this, subject, {
    matcher: 'toNeverInclude',
    pass: verdict.kind === 'never',
    failure: () => neverIncludeFailure(verdict, window, rec.seed),
    negated: () => neverIncludeNegated(verdict, window, rec.seed),
    actual: verdict,
    expected: { kind: 'never', total: verdict.total },
    window,
  });
}
