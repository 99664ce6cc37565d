/**
 * Views of the recording the mempool matchers share: which txs each node held pending
 * (from samples that carry `mempool.ids`, taken by the mempool workloads), when each tx
 * first reached each node, and where a tx sits on a node's best chain.
 */

import type { Recording, Sample } from '../observe/recording.ts';

/** Samples of a node that list pending ids, oldest first. */
export function idSamples(rec: Recording, node: string, from = 0, to = rec.now()): Sample[] {
  return rec.samples.filter(
    (s) => s.node === node && s.ok && s.mempool?.ids !== undefined && s.at >= from && s.at <= to,
  );
}

/** True when the recording has pending-id samples at all (a mempool workload ran). */
export function hasIdSamples(rec: Recording): boolean {
  return rec.samples.some((s) => s.mempool?.ids !== undefined);
}

/** How a tx first reached a node. */
export interface FirstSeen {
  at: number;
  via: 'mempool' | 'block';
  height?: number;
}

/**
 * For each of `ids`, when it first reached `node` (pending in a sample, or in any block the
 * node announced or served), up to `to`.
 */
export function firstSeen(
  rec: Recording,
  node: string,
  ids: ReadonlySet<string>,
  to = rec.now(),
): Map<string, FirstSeen> {
  const out = new Map<string, FirstSeen>();
  const note = (id: string, s: FirstSeen): void => {
    const known = out.get(id);
    if (!known || s.at < known.at) out.set(id, s);
  };
  for (const s of rec.samples) {
    if (s.node !== node || !s.ok || s.at > to || !s.mempool?.ids) continue;
    for (const id of s.mempool.ids) if (ids.has(id)) note(id, { at: s.at, via: 'mempool' });
  }
  for (const b of rec.blocks) {
    if (b.node !== node || b.at > to) continue;
    for (const id of b.txIds) if (ids.has(id)) note(id, { at: b.at, via: 'block', height: b.height });
  }
  return out;
}

/** Heights at which each of `ids` sits on `node`'s best chain as known at `at`. */
export function chainPlaces(
  rec: Recording,
  node: string,
  ids: ReadonlySet<string>,
  at = rec.now(),
): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const b of rec.bestChain(node, at).values()) {
    for (const id of b.txIds) {
      if (!ids.has(id)) continue;
      const list = out.get(id);
      if (list) list.push(b.height);
      else out.set(id, [b.height]);
    }
  }
  for (const list of out.values()) list.sort((a, b) => a - b);
  return out;
}

/** Tx ids of an array of txs or tx ids (de-duplicated, in order), or undefined for anything else. */
/** One tx a test holds: its id, or anything carrying it (a prepared tx, a tx record). */
export type TxRef = string | { readonly id?: string | undefined };

/** A workload whose txs a matcher judges: `ids()` when it plans them, else what it `submitted()`. */
export interface TxWorkload {
  readonly name?: string;
  ids?(): readonly string[];
  submitted(): readonly { readonly id: string }[];
}

/** The txs a tx matcher judges: a workload, or a list of txs or ids. */
export type TxSet = TxWorkload | readonly TxRef[];

export function arrayIds(source: unknown): { ids: string[]; label: string } | undefined {
  if (!Array.isArray(source)) return undefined;
  const ids = (source as readonly TxRef[]).map((x) => {
    const id = typeof x === 'string' ? x : x?.id;
    if (typeof id !== 'string')
      throw new TypeError(
        'expected txs with ids: a tx prepared by a wallet that signs at submission has its id only in the node’s answer (SubmitResult.id)',
      );
    return id;
  });
  return { ids: [...new Set(ids)], label: 'given' };
}

/**
 * The tx ids a matcher judges: a workload's (see `workloadIds`) or an array's; anything else
 * is a `TypeError` naming the matcher and the workload it expects.
 */
export function txIdsOf(
  source: unknown,
  matcher: string,
  workload: string,
): { ids: string[]; label: string } {
  const resolved = workloadIds(source) ?? arrayIds(source);
  if (resolved) return resolved;
  throw new TypeError(`${matcher}: expected a workload (${workload}), an array of txs or of tx ids`);
}

/** Tx ids of a workload-like source: `ids()` when it has it (all planned txs), else `submitted()`. */
export function workloadIds(source: unknown): { ids: string[]; label: string } | undefined {
  if (typeof source !== 'object' || source === null) return undefined;
  const w = source as {
    name?: string;
    ids?: () => readonly string[];
    submitted?: () => readonly { id: string }[];
  };
  const label = `of workload ${w.name ?? '(unnamed)'}`;
  if (typeof w.ids === 'function') return { ids: [...new Set(w.ids())], label };
  if (typeof w.submitted === 'function') return { ids: [...new Set(w.submitted().map((t) => t.id))], label };
  return undefined;
}
