/**
 * `toRejectWith(attacker)` for txs that arrived by gossip (a `byzantinePeer`): no API answered
 * them, so the observer asked every node they went to what became of each
 * (`Recording.gossipTxs`). Every node must refuse each tx it read with the tx's reason, hold
 * none pending or in a block, and have refused at least one tx of every kind it was sent (a
 * node that stopped reading a penalised peer answers `unknown` for the rest, which is fine).
 */

import type { GossipTxRecord, Recording } from '../observe/recording.ts';
import { at, nodeList, plural, replayHint, short } from './format.ts';

export type GossipRejectVerdict =
  | {
      kind: 'rejected';
      total: number;
      source: string;
      nodes: string[];
      /** Refusals by reason, over every node. */
      reasons: Record<string, number>;
      /** Answers `unknown`: txs a node never read (it had stopped reading the peer). */
      unread: number;
    }
  | { kind: 'empty'; total: 0; source: string }
  | {
      kind: 'accepted';
      total: number;
      source: string;
      tx: GossipTxRecord;
      node: string;
      status: 'pending' | 'included';
      at: number;
      count: number;
    }
  | {
      kind: 'wrong-reason';
      total: number;
      source: string;
      tx: GossipTxRecord;
      node: string;
      reason: string | undefined;
      at: number;
      count: number;
    }
  | {
      kind: 'unchecked';
      total: number;
      source: string;
      node: string;
      /** The forge kind the node refused no tx of. */
      txKind: string;
      sent: number;
      answers: Record<string, number>;
    };

/**
 * Judges the gossiped txs of workload `workload` as recorded. Pure.
 *
 * @example
 * const v = checkGossipRejections(recording, 'byzantine-peer');
 */
export function checkGossipRejections(rec: Recording, workload: string): GossipRejectVerdict {
  const txs = rec.gossipTxsOf(workload);
  const source = `gossiped by workload ${workload}`;
  const total = txs.length;
  if (total === 0) return { kind: 'empty', total: 0, source };
  const reasons: Record<string, number> = {};
  let unread = 0;
  let accepted: Extract<GossipRejectVerdict, { kind: 'accepted' }> | undefined;
  let wrong: Extract<GossipRejectVerdict, { kind: 'wrong-reason' }> | undefined;
  let acceptedCount = 0;
  let wrongCount = 0;
  // node → forge kind → answers
  const byKind = new Map<string, Map<string, Record<string, number>>>();
  for (const tx of txs) {
    for (const node of tx.targets) {
      const s = tx.statuses[node];
      const answer = s?.status ?? 'unknown';
      const kinds = byKind.get(node) ?? new Map<string, Record<string, number>>();
      byKind.set(node, kinds);
      const answers = kinds.get(tx.kind) ?? {};
      kinds.set(tx.kind, answers);
      const label = answer === 'rejected' ? `rejected ${s?.reason ?? '(no reason)'}` : answer;
      answers[label] = (answers[label] ?? 0) + 1;
      if (s === undefined || answer === 'unknown') {
        unread++;
      } else if (answer === 'pending' || answer === 'included') {
        acceptedCount++;
        accepted ??= { kind: 'accepted', total, source, tx, node, status: answer, at: s.at, count: 0 };
      } else if (s.reason === undefined || !tx.expected.includes(s.reason)) {
        wrongCount++;
        wrong ??= { kind: 'wrong-reason', total, source, tx, node, reason: s.reason, at: s.at, count: 0 };
      } else {
        reasons[s.reason] = (reasons[s.reason] ?? 0) + 1;
      }
    }
  }
  if (accepted) return { ...accepted, count: acceptedCount };
  if (wrong) return { ...wrong, count: wrongCount };
  for (const [node, kinds] of byKind) {
    for (const [txKind, answers] of kinds) {
      const refused = Object.keys(answers).some((a) => a.startsWith('rejected '));
      if (!refused) {
        const sent = Object.values(answers).reduce((a, b) => a + b, 0);
        return { kind: 'unchecked', total, source, node, txKind, sent, answers };
      }
    }
  }
  return { kind: 'rejected', total, source, nodes: [...byKind.keys()], reasons, unread };
}

function txText(tx: GossipTxRecord): string {
  return `${short(tx.id)} (${tx.kind}, published at ${at(tx.sentAt)})`;
}

/** Why the check failed, naming the node and the tx. */
export function gossipRejectFailure(v: GossipRejectVerdict, seed: number): string {
  const want = `expected every invalid tx (${v.source}) to be rejected with its reason by every node it reached`;
  let line: string;
  switch (v.kind) {
    case 'rejected':
      return gossipRejectNegated(v, seed);
    case 'empty':
      line = `${want}; it gossiped none (is 'invalid-txs' in its mix, and did it run?)`;
      break;
    case 'accepted': {
      const more =
        v.count > 1
          ? `; ${plural(v.count - 1, 'more (tx, node) answer was', 'more (tx, node) answers were')} pending or included`
          : '';
      line = `${want}; ${v.node} accepted ${txText(v.tx)}: it was ${v.status === 'pending' ? 'pending in its mempool' : 'in a block'} at ${at(v.at)}, expected ${v.tx.expected.join(' or ')}${more}`;
      break;
    }
    case 'wrong-reason': {
      const more =
        v.count > 1 ? `; ${plural(v.count - 1, 'more refusal', 'more refusals')} had the wrong reason` : '';
      line = `${want}; ${v.node} refused ${txText(v.tx)} with ${v.reason ?? 'no reason'} at ${at(v.at)}, expected ${v.tx.expected.join(' or ')}${more}`;
      break;
    }
    case 'unchecked': {
      const answers = Object.entries(v.answers)
        .map(([a, n]) => `${a} ${n}`)
        .join(', ');
      line = `${want}; ${v.node} refused none of the ${plural(v.sent, `${v.txKind} tx`)} it was sent (answers: ${answers}), so nothing shows it checks them`;
      break;
    }
  }
  return `${line} (seed ${seed})\n${replayHint(seed)}`;
}

/** The `.not` message. */
export function gossipRejectNegated(v: GossipRejectVerdict, seed: number): string {
  if (v.kind !== 'rejected')
    return `expected some tx (${v.source}) not to be rejected with its reason, but none was checked (seed ${seed})`;
  const reasons = Object.entries(v.reasons)
    .map(([r, n]) => `${r} ${n}`)
    .join(', ');
  return `expected some of ${plural(v.total, 'tx')} (${v.source}) not to be rejected with its reason, but ${nodeList(v.nodes)} refused every one they read (${reasons}; ${v.unread} unread) (seed ${seed})`;
}
