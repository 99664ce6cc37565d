import { describe, expect, test } from 'vitest';
import { historyOf, txRecord } from '../../test/fixtures/mempool-history.ts';
import { checkIncludeExactlyOnce, exactlyOnceFailure } from './to-include-exactly-once.ts';

const nodes = ['val-0', 'val-1', 'val-2'];
const a = txRecord('a', { nonce: 0, workload: 'propagation' });
const b = txRecord('b', { nonce: 1, workload: 'propagation' });
const ids = [a.id, b.id];
const everywhere = { 'val-0': 2000, 'val-1': 2050, 'val-2': 2100 };
const window = { from: 0, to: 8000 };

describe('checkIncludeExactlyOnce on recorded histories', () => {
  test('txs pending everywhere at once and then in one block pass', () => {
    const rec = historyOf({
      nodes,
      txs: [a, b],
      samples: nodes.map((node, i) => ({ node, at: 1100 + 100 * i, ids })),
      blocks: [{ height: 1, seenAt: everywhere, txIds: ids }],
      endedAt: 8000,
    });
    expect(checkIncludeExactlyOnce(rec, ids, {}, rec.now(), 'of workload propagation')).toMatchObject({
      kind: 'ok',
      total: 2,
      slowest: { node: 'val-2', ms: 300 },
    });
  });

  test('a tx that reached a node only inside a late block is slow', () => {
    const rec = historyOf({
      nodes,
      txs: [a, b],
      samples: [
        { node: 'val-0', at: 1100, ids },
        { node: 'val-1', at: 1200, ids },
        { node: 'val-2', at: 1300, ids: [] },
        { node: 'val-2', at: 3500, ids: [] },
      ],
      blocks: [{ height: 1, seenAt: { 'val-0': 2000, 'val-1': 2050, 'val-2': 5000 }, txIds: ids }],
      endedAt: 8000,
    });
    const v = checkIncludeExactlyOnce(
      rec,
      ids,
      { propagateWithin: 2000 },
      rec.now(),
      'of workload propagation',
    );
    expect(exactlyOnceFailure(v, window, rec.seed)).toMatchInlineSnapshot(`
      "expected every one of 2 txs (of workload propagation) to reach every node within 2.0s of its submission; f3c489db… (nonce 0 of b7f9dfe6…) sent to val-0 at t=1.0s reached val-2 only at t=5.0s (4.0s later, in block 1, never through its mempool); 2 (tx, node) pairs were late (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('a sample asked before the deadline and answered after it proves nothing late', () => {
    // val-2's answer came 2.4 s after it was asked (a busy node or test process): it may show
    // the mempool as it was before the txs arrived. Asked after the deadline, it is proof.
    const history = (askedAt: number) =>
      historyOf({
        nodes,
        txs: [a, b],
        samples: [
          { node: 'val-0', at: 1100, ids },
          { node: 'val-1', at: 1200, ids },
          { node: 'val-2', askedAt, at: 3400, ids: [] },
          { node: 'val-2', at: 3600, ids },
        ],
        blocks: [{ height: 1, seenAt: { 'val-0': 4000, 'val-1': 4050, 'val-2': 4100 }, txIds: ids }],
        endedAt: 8000,
      });
    const check = (askedAt: number) =>
      checkIncludeExactlyOnce(history(askedAt), ids, { propagateWithin: 2000 }).kind;
    expect(check(1000)).toBe('ok');
    expect(check(3100)).toBe('slow');
  });

  test('the node that accepted a tx had it from its submission, whatever its samples missed', () => {
    // val-0 answered 202 at t=1.0s; its only sample after the deadline was taken while it
    // was building the block that took both txs off its mempool.
    const rec = historyOf({
      nodes,
      txs: [a, b],
      samples: [
        { node: 'val-0', at: 3500, ids: [] },
        { node: 'val-1', at: 1200, ids },
        { node: 'val-2', at: 1300, ids },
      ],
      blocks: [{ height: 1, seenAt: { 'val-0': 4000, 'val-1': 4050, 'val-2': 4100 }, txIds: ids }],
      endedAt: 8000,
    });
    expect(
      checkIncludeExactlyOnce(rec, ids, { propagateWithin: 2000 }, rec.now(), 'of workload propagation'),
    ).toMatchObject({ kind: 'ok' });
  });

  test('a tx twice on a chain is named with its heights', () => {
    const rec = historyOf({
      nodes,
      txs: [a, b],
      blocks: [
        { height: 1, seenAt: everywhere, txIds: ids },
        { height: 2, seenAt: { 'val-0': 2500, 'val-1': 2500, 'val-2': 2500 }, txIds: [a.id] },
      ],
      endedAt: 8000,
    });
    const v = checkIncludeExactlyOnce(rec, ids, {}, rec.now(), 'of workload propagation');
    expect(exactlyOnceFailure(v, window, rec.seed)).toMatchInlineSnapshot(`
      "expected every one of 2 txs (of workload propagation) to reach every node and sit on every node's chain exactly once between t=0.0s and t=8.0s; f3c489db… is on val-0's chain 2 times, at heights 1 and 2 (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('a tx missing from one node’s chain is named with where it was accepted', () => {
    const rec = historyOf({
      nodes,
      txs: [a, b],
      blocks: [{ height: 1, seenAt: { 'val-0': 2000, 'val-1': 2050 }, txIds: ids }],
      endedAt: 8000,
    });
    const v = checkIncludeExactlyOnce(
      rec,
      ids,
      { propagateWithin: false },
      rec.now(),
      'of workload propagation',
    );
    expect(exactlyOnceFailure(v, window, rec.seed)).toMatchInlineSnapshot(`
      "expected every one of 2 txs (of workload propagation) to reach every node and sit on every node's chain exactly once between t=0.0s and t=8.0s; 2 of 2 are not on val-2's chain, e.g. f3c489db… (nonce 0 of b7f9dfe6…) (accepted by val-0 at t=1.0s) (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('a tx no node took is dropped', () => {
    const refused = { ...b, outcome: 'rejected' as const, reason: 'bad_nonce', node: 'val-1' };
    const rec = historyOf({
      nodes,
      txs: [a, refused],
      blocks: [{ height: 1, seenAt: everywhere, txIds: [a.id] }],
      endedAt: 8000,
    });
    const v = checkIncludeExactlyOnce(rec, ids, {}, rec.now(), 'of workload propagation');
    expect(exactlyOnceFailure(v, window, rec.seed)).toMatchInlineSnapshot(`
      "expected every one of 2 txs (of workload propagation) to reach every node and sit on every node's chain exactly once between t=0.0s and t=8.0s; 1 was dropped before any node took it: 1cd9f883… (nonce 1 of b7f9dfe6…): val-1 refused it at t=1.0s: bad_nonce (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
    // A failed delivery is fine when another node took the tx: it shows up on the chains.
    const failedHere = historyOf({
      nodes,
      txs: [a, { ...b, outcome: 'failed', reason: 'timed out' }],
      blocks: [{ height: 1, seenAt: everywhere, txIds: ids }],
      endedAt: 8000,
    });
    expect(checkIncludeExactlyOnce(failedHere, ids).kind).toBe('ok');
    // A `duplicate` answer only means the node had it already.
    const dup = historyOf({
      nodes,
      txs: [a, { ...b, outcome: 'rejected', reason: 'duplicate' }],
      blocks: [{ height: 1, seenAt: everywhere, txIds: ids }],
      endedAt: 8000,
    });
    expect(checkIncludeExactlyOnce(dup, ids).kind).toBe('ok');
  });

  test('different state at the common final height is named per node', () => {
    const rec = historyOf({
      nodes,
      txs: [a, b],
      blocks: [
        {
          height: 1,
          seenAt: everywhere,
          txIds: ids,
          forkOn: { 'val-2': { hash: 'f'.repeat(64), stateRoot: 'e'.repeat(64) } },
        },
      ],
      samples: nodes.map((node) => ({ node, at: 3000, finalizedHeight: 1 })),
      endedAt: 8000,
    });
    const v = checkIncludeExactlyOnce(rec, ids, {}, rec.now(), 'of workload propagation');
    expect(exactlyOnceFailure(v, window, rec.seed)).toMatchInlineSnapshot(`
      "expected every node to hold the same state at the common final height 1; val-0 has state root e1959e6b…, val-1 has state root e1959e6b…, val-2 has state root eeeeeeee… (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });
});
