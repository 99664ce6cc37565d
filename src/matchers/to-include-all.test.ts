import { describe, expect, test } from 'vitest';
import { type SimulatedNode, simulateHistory } from '../../test/fixtures/simulated-history.ts';
import { Recording } from '../observe/recording.ts';
import { checkIncludeAll, inclusionFailure } from './to-include-all.ts';
import './vitest.ts';

const healthy: SimulatedNode[] = [{ name: 'val-0' }, { name: 'val-1' }, { name: 'exe-0', role: 'executor' }];
const workload = (rec: Recording) => ({ name: 'transactions', submitted: () => rec.txsOf('transactions') });

describe('checkIncludeAll on recorded histories', () => {
  test('every submitted tx on a best chain counts', () => {
    const rec = simulateHistory({ durationMs: 10_000, nodes: healthy, txsPerBlock: 2 });
    const ids = rec.txsOf().map((t) => t.id);
    expect(checkIncludeAll(rec, ids)).toMatchObject({ kind: 'included', total: 48, included: 48 });
  });

  test('txs accepted but never included are missing, with witnesses', () => {
    const rec = simulateHistory({
      durationMs: 10_000,
      nodes: healthy,
      txsPerBlock: 2,
      lostTxsAt: [2_000, 3_500, 4_000, 6_000],
    });
    const v = checkIncludeAll(
      rec,
      rec.txsOf().map((t) => t.id),
      {},
      rec.now(),
      'of workload transactions',
    );
    expect(v).toMatchObject({ kind: 'missing', total: 52, included: 48 });
    expect(inclusionFailure(v, { from: 0, to: 10_000 }, rec.seed)).toMatchInlineSnapshot(`
      "expected at least 100% of 52 txs (of workload transactions) to be included within 10.0s (between t=0.0s and t=10.0s); 48 were (92.3%), 4 missing: 3bf04c07… (nonce 1000 of 1c09098a…) sent to exe-0 at t=2.0s, accepted, never seen in a block; c8cf80d2… (nonce 1001 of 402bad15…) sent to exe-0 at t=3.5s, accepted, never seen in a block; 7f22d811… (nonce 1002 of dd9fe1a8…) sent to exe-0 at t=4.0s, accepted, never seen in a block; … 1 more (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
    expect(
      checkIncludeAll(
        rec,
        rec.txsOf().map((t) => t.id),
        { atLeast: 0.9 },
      ).kind,
    ).toBe('included');
  });

  test('txs that were never sent are named as such', () => {
    const rec = simulateHistory({ durationMs: 10_000, nodes: healthy });
    const v = checkIncludeAll(rec, ['aa'.repeat(32), 'bb'.repeat(32)]);
    expect(inclusionFailure(v, { from: 0, to: 10_000 }, rec.seed)).toMatchInlineSnapshot(`
      "expected at least 100% of 2 txs (given) to be included within 10.0s (between t=0.0s and t=10.0s); 0 were (0%), 2 missing: aaaaaaaa… was never submitted (not in the recording); bbbbbbbb… was never submitted (not in the recording) (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('a rejected tx is missing with its reason', () => {
    const dump = simulateHistory({ durationMs: 10_000, nodes: healthy }).toDump();
    dump.txs.push({
      id: 'cc'.repeat(32),
      from: 'dd'.repeat(32),
      to: 'ee'.repeat(32),
      amount: 1n,
      fee: 0n,
      nonce: 0,
      workload: 'transactions',
      node: 'val-1',
      submittedAt: 1200,
      outcome: 'rejected',
      reason: 'fee_too_low',
    });
    const rec = Recording.fromJSON(dump);
    expect(
      inclusionFailure(checkIncludeAll(rec, ['cc'.repeat(32)]), { from: 0, to: 10_000 }, rec.seed),
    ).toMatchInlineSnapshot(`
      "expected at least 100% of 1 tx (given) to be included within 10.0s (between t=0.0s and t=10.0s); 0 were (0%), 1 missing: cccccccc… (nonce 0 of dddddddd…) was rejected by val-1 at t=1.2s: fee_too_low (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('`final` counts only txs in final blocks', () => {
    const rec = simulateHistory({ durationMs: 10_000, nodes: healthy, txsPerBlock: 1 });
    const ids = rec.txsOf().map((t) => t.id);
    expect(checkIncludeAll(rec, ids, { final: true })).toMatchObject({
      kind: 'missing',
      total: 24,
      included: 21,
    });
  });

  test('a tx twice on one chain is a duplicate', () => {
    const dump = simulateHistory({ durationMs: 10_000, nodes: healthy, txsPerBlock: 1 }).toDump();
    const dup = dump.blocks.find((b) => b.node === 'val-1' && b.height === 3)!.txIds[0]!;
    dump.blocks.find((b) => b.node === 'val-1' && b.height === 7)!.txIds.push(dup);
    const v = checkIncludeAll(Recording.fromJSON(dump), [dup]);
    expect(v).toMatchObject({ kind: 'duplicated', node: 'val-1', heights: [3, 7] });
  });
});

describe('toIncludeAll', () => {
  test('takes a workload, txs or ids; fails on an empty workload; is .not-aware', async () => {
    const rec = simulateHistory({ durationMs: 10_000, nodes: healthy, txsPerBlock: 1 });
    await expect(rec).toIncludeAll(workload(rec), { within: 0 });
    await expect(rec).toIncludeAll(rec.txsOf(), { within: 0 });
    await expect(rec).toIncludeAll(rec.txsOf().map((t) => t.id));
    const idle = { name: 'transactions', submitted: () => [] };
    await expect(expect(rec).toIncludeAll(idle)).rejects.toThrowErrorMatchingInlineSnapshot(`
      [Error: expected at least 100% of 0 txs (of workload transactions) to be included within 0.0s (between t=10.0s and t=10.0s); there were no txs to check (was the workload started, did it send anything?) (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>]
    `);
    await expect(rec).not.toIncludeAll(['ff'.repeat(32)]);
    await expect(expect(rec).not.toIncludeAll(workload(rec))).rejects.toThrowErrorMatchingInlineSnapshot(
      `[Error: expected fewer than 100% of 24 txs (of workload transactions) to be included between t=10.0s and t=10.0s, but 24 were (100%) (seed 913)]`,
    );
  });
});
