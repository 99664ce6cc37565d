import { describe, expect, test } from 'vitest';
import { historyOf, txRecord } from '../../test/fixtures/mempool-history.ts';
import { checkConvergeMempools, convergeMempoolsFailure } from './to-converge-mempools.ts';

const nodes = ['val-0', 'val-1', 'val-2'];
// Each validator got its own tx at t=1.0s.
const txs = nodes.map((node, i) => txRecord(`d${i}`, { node, nonce: i, workload: 'divergence' }));
const ids = txs.map((t) => t.id);
const window = { from: 1000, to: 6000 };

describe('checkConvergeMempools on recorded histories', () => {
  test('mempools that came to hold every tx have converged', () => {
    const rec = historyOf({
      nodes,
      txs,
      samples: [
        ...nodes.map((node, i) => ({ node, at: 1050, ids: [ids[i]!] })),
        ...nodes.map((node) => ({ node, at: 1300, ids })),
      ],
      endedAt: 2000,
    });
    expect(checkConvergeMempools(rec, ids, rec.now(), 'of workload divergence')).toMatchObject({
      kind: 'converged',
      at: 1300,
      pending: 9,
    });
  });

  test('a sample asked before the last tx was sent does not count, however late its answer', () => {
    // val-2's newest answer came at t=1.4s to a request sent at t=0.95s, before the txs.
    const rec = historyOf({
      nodes,
      txs,
      samples: [
        ...nodes.map((node) => ({ node, at: 1300, ids })),
        { node: 'val-2', askedAt: 950, at: 1400, ids: [] },
      ],
      endedAt: 2000,
    });
    expect(checkConvergeMempools(rec, ids)).toMatchObject({ kind: 'converged', at: 1300 });
  });

  test('txs in a block on some nodes and pending on the rest count as held', () => {
    const rec = historyOf({
      nodes,
      txs,
      samples: [
        { node: 'val-0', at: 1300, ids: [] },
        { node: 'val-1', at: 1300, ids },
        { node: 'val-2', at: 1300, ids },
      ],
      blocks: [{ height: 1, seenAt: { 'val-0': 1200 }, txIds: ids }],
      endedAt: 2000,
    });
    expect(checkConvergeMempools(rec, ids).kind).toBe('converged');
  });

  test('txs only their own validator holds are named with the nodes that lack them', () => {
    const rec = historyOf({
      nodes,
      txs,
      samples: nodes.flatMap((node, i) => [1050, 3000, 5900].map((at) => ({ node, at, ids: [ids[i]!] }))),
      endedAt: 6000,
    });
    const v = checkConvergeMempools(rec, ids, rec.now(), 'of workload divergence');
    expect(convergeMempoolsFailure(v, window, rec.seed)).toMatchInlineSnapshot(`
      "expected the mempools of val-0, val-1 and val-2 to converge within 5.0s (between t=1.0s and t=6.0s): every one of 3 txs (of workload divergence) pending or included on every node; at t=5.9s 20907de4… (sent to val-0 at t=1.0s) was held by val-0 but in neither the mempool nor the chain of val-1 and val-2; val-0 lacks 2, val-1 lacks 2, val-2 lacks 2 (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('a tx refused on submission is dropped', () => {
    const refused = [
      txs[0]!,
      txs[1]!,
      { ...txs[2]!, outcome: 'rejected' as const, reason: 'insufficient_funds' },
    ];
    const rec = historyOf({
      nodes,
      txs: refused,
      samples: nodes.map((node) => ({ node, at: 1300, ids: ids.slice(0, 2) })),
      endedAt: 2000,
    });
    const v = checkConvergeMempools(rec, ids, rec.now(), 'of workload divergence');
    expect(convergeMempoolsFailure(v, window, rec.seed)).toMatchInlineSnapshot(`
      "expected the mempools of val-0, val-1 and val-2 to converge within 5.0s (between t=1.0s and t=6.0s): every one of 3 txs (of workload divergence) pending or included on every node; 1 was dropped on submission, e.g. 9966e4e3…: val-2 answered insufficient_funds at t=1.0s (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('without pending-id samples the verdict says how to get them', () => {
    const rec = historyOf({ nodes, txs, samples: nodes.map((node) => ({ node, at: 1300 })), endedAt: 2000 });
    const v = checkConvergeMempools(rec, ids, rec.now(), 'of workload divergence');
    expect(v.kind).toBe('no-samples');
    expect(convergeMempoolsFailure(v, window, rec.seed)).toContain(
      'mempools are sampled by the divergence/propagation workloads while they run',
    );
  });
});
