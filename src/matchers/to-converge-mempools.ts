/**
 * `toConvergeMempools(workload, { within })` (scenario 5): after a workload gave different
 * txs (or orders) to different nodes, within the window every one of its txs is held by
 * every node — pending in its mempool or on its chain — so the mempools became equal or the
 * txs were all included, and none was dropped on the way. Judged from the workload's
 * pending-id samples; other load may keep running and is not judged.
 */

import { z } from 'zod';
import { requireFacet } from '../adapter/facets.ts';
import type { Recording, Sample, TxRecord } from '../observe/recording.ts';
import { parseOptions } from '../support/validate.ts';
import { at, between, nodeList, plural, replayHint, seconds, short } from './format.ts';
import type { TxSet as TxIdSource } from './mempool-views.ts';
import { chainPlaces, txIdsOf } from './mempool-views.ts';
import { type MatcherResult, type MatcherThis, pollUntilVerdict, settle, toSubject } from './shell.ts';
import type { TimeWindow } from './timeline.ts';

/** Options of `toConvergeMempools`. */
export interface ConvergeMempoolsOptions {
  /** How long the mempools may take to converge (ms). Default `max(5000, 10 · slotMs / f)`. */
  within?: number;
}

interface Base {
  total: number;
  source: string;
  nodes: string[];
}

export type MempoolConvergenceVerdict =
  | (Base & { kind: 'converged'; at: number; pending: number; included: number })
  | (Base & { kind: 'empty' })
  | (Base & { kind: 'no-samples' })
  | (Base & { kind: 'dropped'; id: string; record: TxRecord | undefined; count: number })
  | (Base & {
      kind: 'diverged';
      at: number;
      id: string;
      record: TxRecord | undefined;
      holders: string[];
      missing: string[];
      count: number;
      /** Missing (tx, node) pairs per node, for the message. */
      perNode: Record<string, number>;
    });

const optionsSchema = z.strictObject({ within: z.int().min(0).optional() });

/**
 * The newest pending-id sample of each node asked at or after `after` and answered at or before
 * `atTime` (one asked earlier may show the mempool from before the last tx was sent).
 */
function latestIdSamples(
  rec: Recording,
  nodes: readonly string[],
  after: number,
  atTime: number,
): Map<string, Sample> {
  const out = new Map<string, Sample>();
  for (const s of rec.samples) {
    if (!s.ok || !s.mempool?.ids || (s.askedAt ?? s.at) < after || s.at > atTime || !nodes.includes(s.node))
      continue;
    const known = out.get(s.node);
    if (!known || s.at >= known.at) out.set(s.node, s);
  }
  return out;
}

/**
 * Judges, at `atTime`, whether every tx of `ids` is held by every node. Pure.
 *
 * @example
 * const v = checkConvergeMempools(recording, divergenceWorkload.ids());
 */
export function checkConvergeMempools(
  rec: Recording,
  ids: readonly string[],
  atTime = rec.now(),
  source = 'given',
): MempoolConvergenceVerdict {
  const wanted = new Set(ids);
  const nodes = rec.activeNodes(atTime).map((n) => n.name);
  const base: Base = { total: wanted.size, source, nodes };
  if (wanted.size === 0) return { kind: 'empty', ...base };
  const records = [...wanted].map((id) => rec.txs.get(id));
  const dropped = [...wanted].filter((id) => {
    const r = rec.txs.get(id);
    return (
      r !== undefined && (r.outcome === 'failed' || (r.outcome === 'rejected' && r.reason !== 'duplicate'))
    );
  });
  if (dropped.length > 0)
    return {
      kind: 'dropped',
      ...base,
      id: dropped[0]!,
      record: rec.txs.get(dropped[0]!),
      count: dropped.length,
    };
  // Samples count once every tx was handed out: before that, divergence is the point.
  const lastSent = Math.max(...records.map((r) => r?.submittedAt ?? 0));
  const samples = latestIdSamples(rec, nodes, lastSent, atTime);
  if (samples.size < nodes.length) return { kind: 'no-samples', ...base };
  const held = new Map<string, Set<string>>();
  let pending = 0;
  let included = 0;
  for (const node of nodes) {
    const onChain = chainPlaces(rec, node, wanted, atTime);
    const pool = new Set(samples.get(node)!.mempool!.ids!.filter((id) => wanted.has(id)));
    pending += pool.size;
    included += onChain.size;
    held.set(node, new Set([...pool, ...onChain.keys()]));
  }
  const perNode: Record<string, number> = {};
  let first: { id: string; holders: string[]; missing: string[] } | undefined;
  let count = 0;
  for (const id of wanted) {
    const missing = nodes.filter((n) => !held.get(n)!.has(id));
    if (missing.length === 0) continue;
    count += missing.length;
    for (const n of missing) perNode[n] = (perNode[n] ?? 0) + 1;
    first ??= { id, holders: nodes.filter((n) => held.get(n)!.has(id)), missing };
  }
  const when = Math.max(...[...samples.values()].map((s) => s.at));
  if (first)
    return { kind: 'diverged', ...base, at: when, ...first, record: rec.txs.get(first.id), count, perNode };
  return { kind: 'converged', ...base, at: when, pending, included };
}

/** Why the mempools did not converge, with a witness tx and the nodes lacking it. */
export function convergeMempoolsFailure(
  v: MempoolConvergenceVerdict,
  window: TimeWindow,
  seed: number,
): string {
  const want = `expected the mempools of ${nodeList(v.nodes)} to converge within ${seconds(window.to - window.from)} (${between(window.from, window.to)}): every one of ${plural(v.total, 'tx')} (${v.source}) pending or included on every node`;
  let line: string;
  switch (v.kind) {
    case 'converged':
      return convergeMempoolsNegated(v, window, seed);
    case 'empty':
      line = `${want}; there were no txs to check`;
      break;
    case 'no-samples':
      line = `${want}; some nodes have no pending-id samples after the txs were sent (mempools are sampled by the divergence/propagation workloads while they run: judge before stopping them)`;
      break;
    case 'dropped': {
      const r = v.record;
      line = `${want}; ${v.count} ${v.count === 1 ? 'was' : 'were'} dropped on submission, e.g. ${short(v.id)}: ${r?.node ?? '?'} answered ${r?.reason ?? r?.outcome ?? '?'} at ${at(r?.submittedAt ?? 0)}`;
      break;
    }
    case 'diverged': {
      const r = v.record;
      const sent = r ? ` (sent to ${r.node} at ${at(r.submittedAt)})` : '';
      const holders = v.holders.length > 0 ? `held by ${nodeList(v.holders)}` : 'held by no node (dropped)';
      const lacking = v.nodes
        .filter((n) => v.perNode[n] !== undefined)
        .map((n) => `${n} lacks ${v.perNode[n]}`)
        .join(', ');
      line = `${want}; at ${at(v.at)} ${short(v.id)}${sent} was ${holders} but in neither the mempool nor the chain of ${nodeList(v.missing)}; ${lacking}`;
      break;
    }
  }
  return `${line} (seed ${seed})\n${replayHint(seed)}`;
}

/** The `.not` message. */
export function convergeMempoolsNegated(
  v: MempoolConvergenceVerdict,
  window: TimeWindow,
  seed: number,
): string {
  const detail =
    v.kind === 'converged'
      ? ` at ${at(v.at)} (${v.pending} pending, ${v.included} included tx placements)`
      : '';
  return `expected the mempools of ${nodeList(v.nodes)} not to converge ${between(window.from, window.to)}, but every one of ${plural(v.total, 'tx')} (${v.source}) was held by every node${detail} (seed ${seed})`;
}

/**
 * Waits until every tx of the workload is held by every node; fails after `within`.
 *
 * @example
 * const d = await background(divergence({ batches: 100 }));
 * await d.done;
 * await expect(cluster).toConvergeMempools(d, { within: 5000 });
 */
export async function toConvergeMempools(
  this: MatcherThis,
  received: unknown,
  txs: TxIdSource,
  options?: ConvergeMempoolsOptions,
): Promise<MatcherResult> {
  const subject = toSubject('toConvergeMempools', received);
  requireFacet(subject.recording, 'toConvergeMempools', 'mempool');
  const opts = parseOptions(optionsSchema, options ?? {}, 'toConvergeMempools options', {
    within: 'an integer ≥ 0 (ms to wait)',
    '*': 'one of within',
  }) as ConvergeMempoolsOptions;
  const resolved = txIdsOf(txs, 'toConvergeMempools', 'divergence(…)');
  const rec = subject.recording;
  const blockMs = rec.facts.production.expectedIntervalMs;
  const within = opts.within ?? Math.max(5000, 10 * blockMs);
  const { verdict, window } = await pollUntilVerdict(subject, {
    until: rec.now() + within,
    everyMs: 100,
    check: (now) => checkConvergeMempools(rec, resolved.ids, now, resolved.label),
    settled: (v) => v.kind === 'converged' || v.kind === 'dropped' || v.kind === 'empty',
  });
  return settle(this, subject, {
    matcher: 'toConvergeMempools',
    pass: verdict.kind === 'converged',
    failure: () => convergeMempoolsFailure(verdict, window, rec.seed),
    negated: () => convergeMempoolsNegated(verdict, window, rec.seed),
    actual: verdict,
    expected: { kind: 'converged', total: verdict.total },
    window,
  });
}
