import { describe, expect, test } from 'vitest';
import { historyOf, txRecord } from '../../test/fixtures/mempool-history.ts';
import { checkNeverInclude, neverIncludeFailure } from './to-never-include.ts';

const nodes = ['val-0', 'val-1'];
const bad = txRecord('bad', { outcome: 'rejected', reason: 'fee_too_low', workload: 'invalid-txs' });
const good = txRecord('good');
const window = { from: 0, to: 6000 };

describe('checkNeverInclude on recorded histories', () => {
  test('txs in no block pass; an included one is named with block, node and time', () => {
    const rec = historyOf({
      nodes,
      txs: [bad, good],
      blocks: [
        { height: 1, seenAt: { 'val-0': 1500, 'val-1': 1600 }, txIds: [good.id] },
        { height: 2, seenAt: { 'val-0': 2500, 'val-1': 2400 }, txIds: [] },
      ],
      endedAt: 6000,
    });
    expect(checkNeverInclude(rec, [bad.id])).toMatchObject({ kind: 'never', total: 1, blocks: 2 });
    const v = checkNeverInclude(
      rec,
      [bad.id, good.id],
      [],
      rec.now(),
      'of workload invalid-txs',
      new Map([[good.id, 'fee_too_low']]),
    );
    expect(neverIncludeFailure(v, window, rec.seed)).toMatchInlineSnapshot(`
      "expected none of 2 txs (of workload invalid-txs) ever to be in a block (watched 2 blocks between t=0.0s and t=6.0s); 45de4937… (fee_too_low) is in block 1 (9c9bbbb6…) on val-0, seen at t=1.5s (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('a block on a losing fork counts too: never means never', () => {
    const rec = historyOf({
      nodes,
      blocks: [
        {
          height: 1,
          seenAt: { 'val-0': 1500, 'val-1': 1500 },
          txIds: [bad.id],
          forkOn: { 'val-1': { hash: 'a'.repeat(64), stateRoot: 'b'.repeat(64) } },
        },
      ],
      endedAt: 6000,
    });
    expect(checkNeverInclude(rec, [bad.id])).toMatchObject({ kind: 'included', node: 'val-0', height: 1 });
  });

  test('a resent duplicate may sit on a chain once, not twice', () => {
    const once = historyOf({
      nodes,
      blocks: [{ height: 1, seenAt: { 'val-0': 1500, 'val-1': 1500 }, txIds: [good.id] }],
      endedAt: 6000,
    });
    expect(checkNeverInclude(once, [], [good.id]).kind).toBe('never');
    const twice = historyOf({
      nodes,
      blocks: [
        { height: 1, seenAt: { 'val-0': 1500, 'val-1': 1500 }, txIds: [good.id] },
        { height: 2, seenAt: { 'val-0': 1900, 'val-1': 1900 }, txIds: [good.id] },
      ],
      endedAt: 6000,
    });
    expect(
      neverIncludeFailure(
        checkNeverInclude(twice, [], [good.id], twice.now(), 'of workload invalid-txs'),
        window,
        913,
      ),
    ).toMatchInlineSnapshot(`
      "expected none of 1 tx (of workload invalid-txs) ever to be in a block (watched 2 blocks between t=0.0s and t=6.0s); the resent duplicate 45de4937… is on val-0's chain 2 times, at heights 1 and 2 (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });
});
