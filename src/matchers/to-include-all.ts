/**
 * `toIncludeAll(txsOrWorkload, { within, atLeast = 1 })`: at least `atLeast` of the given
 * transactions sit on some node's best chain (each at most once) within the window.
 * Full inclusion is the default: a load test that loses a tx fails and names it.
 */

import { z } from 'zod';
import type { Recording, TxRecord } from '../observe/recording.ts';
import { parseOptions } from '../support/validate.ts';
import { at, between, percent, plural, replayHint, seconds, short } from './format.ts';
import { arrayIds } from './mempool-views.ts';
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

/** A workload (anything with `submitted()`), tx records, signed txs or tx ids. */
export type TxSource =
  | { readonly name?: string; submitted(): readonly TxRecord[] }
  | readonly (string | { readonly id: string })[];

/** Options of `toIncludeAll`. */
export interface IncludeAllOptions {
  /** How long to wait (ms). Default: `max(5000, (securityParam + 10) · slotMs / f)`. */
  within?: number;
  /** Fraction of the txs that must be included, 0..1. Default 1 (all). */
  atLeast?: number;
  /** Count a tx only once its block is final. Default false. */
  final?: boolean;
}

/** Why a tx is not (yet) counted as included. */
export interface MissingTx {
  id: string;
  record: TxRecord | undefined;
  why: 'never-submitted' | 'rejected' | 'failed' | 'not-in-a-block' | 'not-final';
}

interface Counts {
  /** The txs judged (after de-duplicating ids). */
  total: number;
  included: number;
  atLeast: number;
  /** Where the txs came from, e.g. `workload transactions`. */
  source: string;
}

export interface AllIncluded extends Counts {
  kind: 'included';
}

export interface Missing extends Counts {
  kind: 'missing';
  missing: MissingTx[];
}

/** A tx appears twice on one node's chain. */
export interface Duplicated extends Counts {
  kind: 'duplicated';
  txId: string;
  node: string;
  heights: number[];
}

/** There was nothing to judge (a workload that sent nothing, an empty list). */
export interface NothingSent extends Counts {
  kind: 'empty';
}

export type InclusionVerdict = AllIncluded | Missing | Duplicated | NothingSent;

const optionsSchema = z
  .object({
    within: z.number().int().min(0).optional(),
    atLeast: z.number().min(0).max(1).optional(),
    final: z.boolean().optional(),
  })
  .strict();

/** Validates `toIncludeAll` options. */
export function parseIncludeAllOptions(opts: unknown): IncludeAllOptions {
  return parseOptions(optionsSchema, opts ?? {}, 'toIncludeAll options', {
    within: 'an integer ≥ 0 (ms to wait)',
    atLeast: 'a fraction 0..1 (1 = every tx)',
    final: 'true or false',
    '*': 'one of within, atLeast, final',
  }) as IncludeAllOptions;
}

/** The tx ids of a source and a label for messages. */
export function resolveTxSource(source: TxSource): { ids: string[]; label: string } {
  const given = arrayIds(source);
  if (given) return given;
  const w = source as { name?: string; submitted(): readonly TxRecord[] };
  if (typeof w.submitted === 'function') {
    const ids = w.submitted().map((t) => t.id);
    return { ids: [...new Set(ids)], label: `of workload ${w.name ?? '(unnamed)'}` };
  }
  throw new TypeError(
    'toIncludeAll: expected a workload (with submitted()), an array of txs or an array of tx ids',
  );
}

/**
 * Counts which of `ids` are on a node's best chain at `atTime`. Pure.
 *
 * @example
 * const v = checkIncludeAll(recording, workload.submitted().map((t) => t.id), { atLeast: 1 });
 */
export function checkIncludeAll(
  rec: Recording,
  ids: readonly string[],
  opts: IncludeAllOptions = {},
  atTime = rec.now(),
  source = 'given',
): InclusionVerdict {
  const atLeast = opts.atLeast ?? 1;
  const wanted = new Set(ids);
  const counts: Counts = { total: wanted.size, included: 0, atLeast, source };
  if (wanted.size === 0) return { kind: 'empty', ...counts };
  // Where each wanted tx sits on each node's chain as known at `atTime`.
  const found = new Map<string, { node: string; height: number; final: boolean }[]>();
  for (const n of rec.activeNodes(atTime)) {
    const finalHeight = rec.finalHeightAt(n.name, atTime);
    for (const b of rec.bestChain(n.name, atTime).values()) {
      for (const id of b.txIds) {
        if (!wanted.has(id)) continue;
        const list = found.get(id) ?? [];
        list.push({ node: n.name, height: b.height, final: b.height <= finalHeight });
        found.set(id, list);
      }
    }
  }
  for (const [id, places] of found) {
    const byNode = new Map<string, number[]>();
    for (const p of places) byNode.set(p.node, [...(byNode.get(p.node) ?? []), p.height]);
    for (const [node, heights] of byNode) {
      if (heights.length > 1)
        return {
          kind: 'duplicated',
          ...counts,
          included: found.size,
          txId: id,
          node,
          heights: heights.sort((a, b) => a - b),
        };
    }
  }
  const missing: MissingTx[] = [];
  let included = 0;
  for (const id of wanted) {
    const places = found.get(id);
    const record = rec.txs.get(id);
    if (places && (!opts.final || places.some((p) => p.final))) {
      included++;
      continue;
    }
    const why: MissingTx['why'] = places
      ? 'not-final'
      : !record
        ? 'never-submitted'
        : record.outcome === 'rejected'
          ? 'rejected'
          : record.outcome === 'failed'
            ? 'failed'
            : 'not-in-a-block';
    missing.push({ id, record, why });
  }
  counts.included = included;
  if (included >= Math.ceil(atLeast * wanted.size - 1e-9)) return { kind: 'included', ...counts };
  return { kind: 'missing', ...counts, missing };
}

function describeMissing(m: MissingTx): string {
  const r = m.record;
  const who = r ? ` (nonce ${r.nonce} of ${short(r.from)})` : '';
  switch (m.why) {
    case 'never-submitted':
      return `${short(m.id)} was never submitted (not in the recording)`;
    case 'rejected':
      return `${short(m.id)}${who} was rejected by ${r!.node} at ${at(r!.submittedAt)}: ${r!.reason ?? 'no reason given'}`;
    case 'failed':
      return `${short(m.id)}${who} could not be sent to ${r!.node} at ${at(r!.submittedAt)}: ${r!.reason ?? 'no answer'}`;
    case 'not-in-a-block':
      return `${short(m.id)}${who} sent to ${r!.node} at ${at(r!.submittedAt)}, accepted, never seen in a block`;
    case 'not-final':
      return `${short(m.id)}${who} is in a block that is not final yet`;
  }
}

/** Why too few txs were included, with up to three witnesses. */
export function inclusionFailure(v: InclusionVerdict, window: TimeWindow, seed: number): string {
  const want = `at least ${percent(v.atLeast)} of ${plural(v.total, 'tx')} (${v.source})`;
  const span = `within ${seconds(window.to - window.from)} (${between(window.from, window.to)})`;
  let line: string;
  switch (v.kind) {
    case 'included':
      return inclusionNegated(v, window, seed);
    case 'empty':
      line = `expected ${want} to be included ${span}; there were no txs to check (was the workload started, did it send anything?)`;
      break;
    case 'duplicated':
      line = `expected every tx to be included at most once; ${short(v.txId)} is on ${v.node}'s chain at heights ${v.heights.join(' and ')}`;
      break;
    case 'missing': {
      const shown = v.missing.slice(0, 3).map(describeMissing).join('; ');
      const more = v.missing.length > 3 ? `; … ${v.missing.length - 3} more` : '';
      line = `expected ${want} to be included ${span}; ${v.included} were (${percent(v.included / v.total)}), ${v.missing.length} missing: ${shown}${more}`;
      break;
    }
  }
  return `${line} (seed ${seed})\n${replayHint(seed)}`;
}

/** The `.not` message: enough txs were included. */
export function inclusionNegated(v: InclusionVerdict, window: TimeWindow, seed: number): string {
  return (
    `expected fewer than ${percent(v.atLeast)} of ${plural(v.total, 'tx')} (${v.source}) to be included ${between(window.from, window.to)}, ` +
    `but ${v.included} were (${percent(v.total === 0 ? 0 : v.included / v.total)}) (seed ${seed})`
  );
}

/**
 * Waits until the txs are included (at least `atLeast` of them), or fails after `within`.
 *
 * @example
 * const load = await transactions({ rate: 10, users: 5 }).start(cluster);
 * await sleep(10_000);
 * await load.stop();
 * await expect(cluster).toIncludeAll(load, { within: 10_000 });
 */
export async function toIncludeAll(
  this: MatcherThis,
  received: unknown,
  txs: TxSource,
  options?: IncludeAllOptions,
): Promise<MatcherResult> {
  const subject = toSubject('toIncludeAll', received);
  const opts = parseIncludeAllOptions(options);
  const { ids, label } = resolveTxSource(txs);
  const rec = subject.recording;
  const within = opts.within ?? blocksWithin(rec.facts, 5000);
  const { verdict, window } = await pollUntilVerdict(subject, {
    until: rec.now() + within,
    everyMs: pollEveryMs(rec.facts),
    check: (now) => checkIncludeAll(rec, ids, opts, now, label),
    // A duplicate never goes away, and nothing will show up for an empty source.
    settled: (v) => v.kind !== 'missing',
  });
  return settle(this, subject, {
    matcher: 'toIncludeAll',
    pass: verdict.kind === 'included',
    failure: () => inclusionFailure(verdict, window, rec.seed),
    negated: () => inclusionNegated(verdict, window, rec.seed),
    actual: verdict,
    expected: { kind: 'included', atLeast: verdict.atLeast, total: verdict.total },
    window,
  });
}
