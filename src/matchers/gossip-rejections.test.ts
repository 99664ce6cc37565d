import { describe, expect, test } from 'vitest';
import { hexOf, historyOf } from '../../test/fixtures/mempool-history.ts';
import type { GossipTxStatus, Recording } from '../observe/recording.ts';
import { checkGossipRejections, gossipRejectFailure, gossipRejectNegated } from './gossip-rejections.ts';

const nodes = ['val-0', 'val-1'];
const kinds: [string, string][] = [
  ['bad_signature', 'bad_signature'],
  ['nonce_too_high', 'bad_nonce'],
];

/** Two rounds of every kind gossiped to both nodes; `answer` says what each node answered. */
function gossiped(
  answer: (node: string, kind: string, round: number) => Omit<GossipTxStatus, 'at'> | undefined,
): Recording {
  const rec = historyOf({ nodes, endedAt: 10_000 });
  for (const round of [0, 1]) {
    for (const [kind, reason] of kinds) {
      const id = hexOf(`gossip|${kind}|${round}`);
      rec.recordGossipTx({
        id,
        workload: 'byzantine-peer',
        kind,
        expected: [reason],
        sentAt: 1000 + round * 1000,
        targets: nodes,
      });
      for (const node of nodes) {
        const s = answer(node, kind, round);
        if (s) rec.setGossipTxStatus(id, node, { at: 5000, ...s });
      }
    }
  }
  return rec;
}

const reasonOf = (kind: string): string => kinds.find(([k]) => k === kind)![1];

describe('checkGossipRejections on recorded histories', () => {
  test('every tx a node read refused with its reason passes; txs it never read (unknown) are fine', () => {
    const rec = gossiped((node, kind, round) =>
      node === 'val-1' && round === 1
        ? { status: 'unknown' }
        : { status: 'rejected', reason: reasonOf(kind) },
    );
    const v = checkGossipRejections(rec, 'byzantine-peer');
    expect(v).toEqual({
      kind: 'rejected',
      total: 4,
      source: 'gossiped by workload byzantine-peer',
      nodes,
      reasons: { bad_signature: 3, bad_nonce: 3 },
      unread: 2,
    });
    expect(gossipRejectNegated(v, 913)).toMatchInlineSnapshot(
      `"expected some of 4 txs (gossiped by workload byzantine-peer) not to be rejected with its reason, but val-0 and val-1 refused every one they read (bad_signature 3, bad_nonce 3; 2 unread) (seed 913)"`,
    );
  });

  test('a node holding a gossiped invalid tx pending is named with the tx', () => {
    const rec = gossiped((node, kind) =>
      node === 'val-1' && kind === 'nonce_too_high'
        ? { status: 'pending' }
        : { status: 'rejected', reason: reasonOf(kind) },
    );
    const v = checkGossipRejections(rec, 'byzantine-peer');
    expect(v).toMatchObject({ kind: 'accepted', node: 'val-1', status: 'pending', count: 2 });
    expect(gossipRejectFailure(v, 913)).toMatchInlineSnapshot(`
      "expected every invalid tx (gossiped by workload byzantine-peer) to be rejected with its reason by every node it reached; val-1 accepted 780cd415… (nonce_too_high, published at t=1.0s): it was pending in its mempool at t=5.0s, expected bad_nonce; 1 more (tx, node) answer was pending or included (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('a refusal with another reason is named', () => {
    const rec = gossiped((node, kind) => ({
      status: 'rejected',
      reason: node === 'val-0' && kind === 'bad_signature' ? 'malformed' : reasonOf(kind),
    }));
    const v = checkGossipRejections(rec, 'byzantine-peer');
    expect(v).toMatchObject({ kind: 'wrong-reason', node: 'val-0', reason: 'malformed', count: 2 });
    expect(gossipRejectFailure(v, 913)).toContain('val-0 refused');
    expect(gossipRejectFailure(v, 913)).toContain(
      'with malformed at t=5.0s, expected bad_signature; 1 more refusal had the wrong reason',
    );
  });

  test('a node that refused no tx of a kind shows nothing checked it: unchecked, with its answers', () => {
    const rec = gossiped((node, kind) =>
      node === 'val-0' && kind === 'bad_signature'
        ? undefined
        : { status: 'rejected', reason: reasonOf(kind) },
    );
    const v = checkGossipRejections(rec, 'byzantine-peer');
    expect(v).toMatchObject({ kind: 'unchecked', node: 'val-0', txKind: 'bad_signature', sent: 2 });
    expect(gossipRejectFailure(v, 913)).toContain(
      'val-0 refused none of the 2 bad_signature txs it was sent (answers: unknown 2), so nothing shows it checks them',
    );
  });

  test('no gossiped tx at all is its own failure', () => {
    const v = checkGossipRejections(historyOf({ nodes, endedAt: 1000 }), 'byzantine-peer');
    expect(v.kind).toBe('empty');
    expect(gossipRejectFailure(v, 913)).toContain(
      "it gossiped none (is 'invalid-txs' in its mix, and did it run?)",
    );
  });
});
