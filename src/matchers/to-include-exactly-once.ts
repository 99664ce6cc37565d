/**
 * `toIncludeExactlyOnce(workload, { within, propagateWithin })` (scenario 4): every tx of
 * the workload reached every node quickly (pending or in a block, from the workload's
 * pending-id samples), sits on every node's best chain exactly once, nothing was dropped,
 * and all nodes hold the same state at their common final height.
 */

import { z } from 'zod';
import type { Recording, TxRecord } from '../observe/recording.ts';
import { parseOptions } from '../support/validate.ts';
import { at, between, plural, replayHint, seconds, short } from './format.ts';
import type { TxSet as TxIdSource } from './mempool-views.ts';
import { chainPlaces, type FirstSeen, firstSeen, hasIdSamples, idSamples, txIdsOf } from './mempool-views.ts';
import {
  blocksWithin,
  type MatcherResult,
  type MatcherThis,
  pollUntilVerdict,
  settle,
  toSubject,
} from './shell.ts';
import type { TimeWindow } from './timeline.ts';

/** Options of `toIncludeExactlyOnce`. */
export interface IncludeExactlyOnceOptions {
  /** How long to wait for every tx on every chain (ms). Default `max(10 000, (k + 10) · slotMs / f)`. */
  within?: number;
  /** Longest time from a tx's submission until every node holds it (ms); `false` skips the check. Default 2000. */
  propagateWithin?: number | false;
}

interface Base {
  /** Distinct txs judged. */
  total: number;
  source: string;
  nodes: string[];
}

export type ExactlyOnceVerdict =
  | (Base & { kind: 'ok'; slowest?: { id: string; node: string; ms: number } })
  | (Base & { kind: 'empty' })
  | (Base & { kind: 'dropped'; id: string; record: TxRecord | undefined; count: number })
  | (Base & { kind: 'duplicated'; id: string; node: string; heights: number[] })
  | (Base & {
      kind: 'slow';
      id: string;
      node: string;
      record: TxRecord;
      reached: FirstSeen | undefined;
      limitMs: number;
      count: number;
    })
  | (Base & { kind: 'missing'; id: string; node: string; record: TxRecord | undefined; count: number })
  | (Base & { kind: 'state-differs'; height: number; roots: { node: string; root: string }[] });

const optionsSchema = z.strictObject({
  within: z.int().min(0).optional(),
  propagateWithin: z.union([z.int().min(1), z.literal(false)]).optional(),
});

/** Validates `toIncludeExactlyOnce` options. */
export function parseExactlyOnceOptions(opts: unknown): IncludeExactlyOnceOptions {
  return parseOptions(optionsSchema, opts ?? {}, 'toIncludeExactlyOnce options', {
    within: 'an integer ≥ 0 (ms to wait)',
    propagateWithin: 'an integer ≥ 1 (ms) or false',
    '*': 'one of within, propagateWithin',
  }) as IncludeExactlyOnceOptions;
}

/**
 * Judges the txs `ids` at `atTime`. Pure.
 *
 * @example
 * const v = checkIncludeExactlyOnce(recording, workload.ids(), { propagateWithin: 2000 });
 */
export function checkIncludeExactlyOnce(
  rec: Recording,
  ids: readonly string[],
  opts: IncludeExactlyOnceOptions = {},
  atTime = rec.now(),
  source = 'given',
): ExactlyOnceVerdict {
  const wanted = new Set(ids);
  const nodes = rec.activeNodes(atTime).map((n) => n.name);
  const base: Base = { total: wanted.size, source, nodes };
  if (wanted.size === 0) return { kind: 'empty', ...base };

  // Dropped: no node took it (a `duplicate` answer means a node had it already) and no node
  // ever showed it. A failed or refused delivery is fine when another node took the tx.
  const seenAnywhere = new Set<string>();
  for (const b of rec.blocks)
    if (b.at <= atTime) for (const id of b.txIds) if (wanted.has(id)) seenAnywhere.add(id);
  for (const s of rec.samples) {
    if (s.at <= atTime && s.mempool?.ids)
      for (const id of s.mempool.ids) if (wanted.has(id)) seenAnywhere.add(id);
  }
  const dropped = [...wanted].filter((id) => {
    const r = rec.txs.get(id);
    if (seenAnywhere.has(id)) return false;
    return !r || r.outcome === 'failed' || (r.outcome === 'rejected' && r.reason !== 'duplicate');
  });
  const firstDropped = dropped[0];
  if (firstDropped !== undefined) {
    return {
      kind: 'dropped',
      ...base,
      id: firstDropped,
      record: rec.txs.get(firstDropped),
      count: dropped.length,
    };
  }

  const places = new Map(nodes.map((n) => [n, chainPlaces(rec, n, wanted, atTime)]));
  for (const node of nodes) {
    for (const [id, heights] of places.get(node)!) {
      if (heights.length > 1) return { kind: 'duplicated', ...base, id, node, heights };
    }
  }

  let slowest: { id: string; node: string; ms: number } | undefined;
  const limit = opts.propagateWithin ?? 2000;
  if (limit !== false && hasIdSamples(rec)) {
    let late: Extract<ExactlyOnceVerdict, { kind: 'slow' }> | undefined;
    let count = 0;
    for (const node of nodes) {
      const seen = firstSeen(rec, node, wanted, atTime);
      const sampled = idSamples(rec, node, 0, atTime);
      for (const id of wanted) {
        const r = rec.txs.get(id)!;
        // The node that accepted the submission had the tx from then on, by its own answer.
        if (r.node === node && r.outcome === 'accepted') continue;
        const reached = seen.get(id);
        const deadline = r.submittedAt + limit;
        // Late only when proven: a sample asked after the deadline, answered before the tx
        // first showed up on the node, did not list it. (A sample answered late, from a busy
        // node or a busy test process, may show the mempool as it was when it was asked.)
        const shownAt = reached?.at ?? Number.POSITIVE_INFINITY;
        const isLate = sampled.some((s) => (s.askedAt ?? s.at) > deadline && s.at < shownAt);
        if (reached && (!slowest || reached.at - r.submittedAt > slowest.ms)) {
          slowest = { id, node, ms: reached.at - r.submittedAt };
        }
        if (!isLate) continue;
        count++;
        if (
          !late ||
          (reached?.at ?? Number.POSITIVE_INFINITY) - r.submittedAt >
            (late.reached?.at ?? Number.POSITIVE_INFINITY) - late.record.submittedAt
        ) {
          late = { kind: 'slow', ...base, id, node, record: r, reached, limitMs: limit, count: 0 };
        }
      }
    }
    if (late) return { ...late, count };
  }

  for (const node of nodes) {
    const missing = [...wanted].filter((id) => !places.get(node)!.has(id));
    if (missing.length > 0) {
      return {
        kind: 'missing',
        ...base,
        id: missing[0]!,
        node,
        record: rec.txs.get(missing[0]!),
        count: missing.length,
      };
    }
  }

  const common = Math.min(...nodes.map((n) => rec.finalHeightAt(n, atTime)));
  if (common >= 0) {
    const roots = nodes
      .map((node) => ({ node, root: rec.bestChain(node, atTime).get(common)?.stateRoot }))
      .filter((x): x is { node: string; root: string } => x.root !== undefined);
    if (new Set(roots.map((r) => r.root)).size > 1)
      return { kind: 'state-differs', ...base, height: common, roots };
  }
  return slowest ? { kind: 'ok', ...base, slowest } : { kind: 'ok', ...base };
}

function txName(id: string, r: TxRecord | undefined): string {
  return r ? `${short(id)} (nonce ${r.nonce} of ${short(r.from)})` : short(id);
}

/** Why the check failed, with one witness and the seed. */
export function exactlyOnceFailure(v: ExactlyOnceVerdict, window: TimeWindow, seed: number): string {
  const want = `expected every one of ${plural(v.total, 'tx')} (${v.source}) to reach every node and sit on every node's chain exactly once ${between(window.from, window.to)}`;
  let line: string;
  switch (v.kind) {
    case 'ok':
      return exactlyOnceNegated(v, window, seed);
    case 'empty':
      line = `${want}; there were no txs to check (was the workload started?)`;
      break;
    case 'dropped': {
      const r = v.record;
      const why = !r
        ? 'it was never submitted (not in the recording)'
        : r.outcome === 'failed'
          ? `${r.node} did not answer at ${at(r.submittedAt)} (${r.reason ?? 'no answer'})`
          : `${r.node} refused it at ${at(r.submittedAt)}: ${r.reason ?? 'no reason given'}`;
      line = `${want}; ${v.count} ${v.count === 1 ? 'was' : 'were'} dropped before any node took ${v.count === 1 ? 'it' : 'them'}: ${txName(v.id, r)}: ${why}`;
      break;
    }
    case 'duplicated':
      line = `${want}; ${short(v.id)} is on ${v.node}'s chain ${v.heights.length} times, at heights ${v.heights.join(' and ')}`;
      break;
    case 'slow': {
      const r = v.record;
      const reached = v.reached
        ? `reached ${v.node} only at ${at(v.reached.at)} (${seconds(v.reached.at - r.submittedAt)} later, ${v.reached.via === 'block' ? `in block ${v.reached.height}, never through its mempool` : 'in its mempool'})`
        : `never reached ${v.node} (neither its mempool nor its chain)`;
      line = `expected every one of ${plural(v.total, 'tx')} (${v.source}) to reach every node within ${seconds(v.limitMs)} of its submission; ${txName(v.id, r)} sent to ${r.node} at ${at(r.submittedAt)} ${reached}; ${v.count} (tx, node) ${v.count === 1 ? 'pair was' : 'pairs were'} late`;
      break;
    }
    case 'missing':
      line = `${want}; ${v.count} of ${v.total} ${v.count === 1 ? 'is' : 'are'} not on ${v.node}'s chain, e.g. ${txName(v.id, v.record)}${v.record ? ` (accepted by ${v.record.node} at ${at(v.record.submittedAt)})` : ''}`;
      break;
    case 'state-differs':
      line = `expected every node to hold the same state at the common final height ${v.height}; ${v.roots.map((r) => `${r.node} has state root ${short(r.root)}`).join(', ')}`;
      break;
  }
  return `${line} (seed ${seed})\n${replayHint(seed)}`;
}

/** The `.not` message. */
export function exactlyOnceNegated(v: ExactlyOnceVerdict, window: TimeWindow, seed: number): string {
  const slow =
    v.kind === 'ok' && v.slowest
      ? `; the slowest reached ${v.slowest.node} after ${seconds(v.slowest.ms)}`
      : '';
  return `expected some of ${plural(v.total, 'tx')} (${v.source}) not to be included exactly once on every node ${between(window.from, window.to)}, but all were, on ${v.nodes.length} nodes with equal state${slow} (seed ${seed})`;
}

/** Verdicts that waiting cannot turn into a pass. */
function terminal(v: ExactlyOnceVerdict): boolean {
  // A dropped-looking tx may still show up (a refused delivery, another node took it).
  return v.kind === 'duplicated' || v.kind === 'slow' || v.kind === 'empty';
}

/**
 * Waits until every tx of the workload is on every node's chain exactly once with equal
 * state, failing early on a drop, a duplicate or a tx that propagated too slowly.
 *
 * @example
 * const p = await background(propagation({ batch: 200, nodes: 3, jitter: 500 }));
 * await p.done;
 * await expect(cluster).toIncludeExactlyOnce(p, { within: 20_000 });
 */
export async function toIncludeExactlyOnce(
  this: MatcherThis,
  received: unknown,
  txs: TxIdSource,
  options?: IncludeExactlyOnceOptions,
): Promise<MatcherResult> {
  const subject = toSubject('toIncludeExactlyOnce', received);
  const opts = parseExactlyOnceOptions(options);
  const resolved = txIdsOf(txs, 'toIncludeExactlyOnce', 'propagation(…)');
  const rec = subject.recording;
  const within = opts.within ?? blocksWithin(rec.facts, 10_000);
  const { verdict, window } = await pollUntilVerdict(subject, {
    until: rec.now() + within,
    everyMs: 250,
    check: (now) => checkIncludeExactlyOnce(rec, resolved.ids, opts, now, resolved.label),
    settled: (v) => v.kind === 'ok' || terminal(v),
  });
  return settle(this, subject, {
    matcher: 'toIncludeExactlyOnce',
    pass: verdict.kind === 'ok',
    failure: () => exactlyOnceFailure(verdict, window, rec.seed),
    negated: () => exactlyOnceNegated(verdict, window, rec.seed),
    actual: verdict,
    expected: { kind: 'ok', total: verdict.total },
    window,
  });
}
