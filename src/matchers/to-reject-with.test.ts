import { describe, expect, test } from 'vitest';
import { historyOf, txRecord } from '../../test/fixtures/mempool-history.ts';
import type { FuzzSummary, InvalidAttempt } from '../workloads/invalid-txs.ts';
import { checkFuzzRejections, checkRejectWith, rejectFailure } from './to-reject-with.ts';

function attempt(run: number, over: Partial<InvalidAttempt> = {}): InvalidAttempt {
  return {
    run,
    phase: 'run',
    case: { kind: 'fee_too_low', node: 0, amount: 500 + run, fee: 0 },
    id: `${run}`.padStart(64, 'a'),
    node: 'val-0',
    at: 1000 + 10 * run,
    expected: ['fee_too_low'],
    outcome: 'rejected',
    code: 'fee_too_low',
    message: 'fee 0 is below the minimum fee 1',
    ...over,
  };
}

const passed: FuzzSummary = {
  seed: 4242,
  seeds: [4242],
  planned: 3,
  numRuns: 3,
  stopped: false,
  numShrinks: 0,
  failed: false,
};

describe('checkFuzzRejections on recorded fuzz runs', () => {
  test('every run refused with its reason passes, counting reasons', () => {
    const v = checkFuzzRejections({
      name: 'invalid-txs',
      summary: passed,
      attempts: [attempt(1), attempt(2), attempt(3)],
    });
    expect(v).toEqual({
      kind: 'rejected',
      total: 3,
      planned: 3,
      source: 'of workload invalid-txs',
      reasons: { fee_too_low: 3 },
    });
  });

  test('a run stopped before its planned count fails, saying how many of how many ran and why', () => {
    const cut = { ...passed, planned: 1000, numRuns: 2, stopped: true };
    const v = checkFuzzRejections({ name: 'invalid-txs', summary: cut, attempts: [attempt(1), attempt(2)] });
    expect(v).toMatchObject({ kind: 'fuzz-incomplete', total: 2, planned: 1000 });
    expect(rejectFailure(v, 913)).toMatchInlineSnapshot(`
      "expected 1000 planned runs of fuzzing (of workload invalid-txs), each refused with its kind's reason; only 2 of 1000 ran: the workload was stopped first (stop() or the end of the test). Await the workload's done before stopping it, or plan fewer runs (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
    const none = checkFuzzRejections({ name: 'invalid-txs', summary: { ...cut, numRuns: 0 }, attempts: [] });
    expect(none).toMatchObject({ kind: 'fuzz-incomplete', total: 0, planned: 1000 });
  });

  test('a wrong answer wins over a short run: the message names the tx and the expected reason', () => {
    const bad = attempt(2, { outcome: 'accepted', code: 'accepted', node: 'val-1' });
    const summary: FuzzSummary = { ...passed, planned: 1000, numRuns: 2, failed: true };
    const v = checkFuzzRejections({ name: 'invalid-txs', summary, attempts: [attempt(1), bad] });
    expect(v).toMatchObject({ kind: 'fuzz-failed', total: 2, planned: 1000 });
    expect(rejectFailure(v, 913).split('\n')[0]).toBe(
      "expected every generated invalid tx (of workload invalid-txs) to be rejected with its kind's reason; run 2 of 1000 (fee_too_low) sent to val-1 at t=1.0s was accepted as aaaaaaaa…; expected fee_too_low (seed 913)",
    );
  });

  test('an accepted invalid tx prints the run, the shrunk counterexample, its answer and the seed and path', () => {
    const bad = attempt(2, {
      outcome: 'accepted',
      code: 'accepted',
      case: { kind: 'fee_too_low', node: 1, amount: 77_123, fee: 0 },
      node: 'val-1',
    });
    const shrunk = attempt(2, {
      phase: 'shrink',
      outcome: 'accepted',
      code: 'accepted',
      case: { kind: 'fee_too_low', node: 0, amount: 2, fee: 0 },
      id: 'b'.repeat(64),
    });
    const summary: FuzzSummary = {
      seed: 4242,
      seeds: [4242],
      planned: 1000,
      numRuns: 2,
      stopped: false,
      numShrinks: 2,
      failed: true,
      path: '1:0:0',
      counterexample: shrunk.case,
      counterexampleAttempt: shrunk,
    };
    const v = checkFuzzRejections({ name: 'invalid-txs', summary, attempts: [attempt(1), bad, shrunk] });
    expect(rejectFailure(v, 913)).toMatchInlineSnapshot(`
      "expected every generated invalid tx (of workload invalid-txs) to be rejected with its kind's reason; run 2 of 1000 (fee_too_low) sent to val-1 at t=1.0s was accepted as aaaaaaaa…; expected fee_too_low
      shrunk counterexample (fast-check, 2 shrinks): {"kind":"fee_too_low","node":0,"amount":2,"fee":0} → val-0 was accepted as bbbbbbbb…
      fast-check seed 4242, path "1:0:0": replay this case alone with invalidTxs({ …, replay: { seed: 4242, path: '1:0:0' } }) (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('a property that threw is reported as such', () => {
    const v = checkFuzzRejections({
      name: 'invalid-txs',
      summary: { ...passed, failed: true, error: 'submitRaw is not a function' },
      attempts: [attempt(1)],
    });
    expect(rejectFailure(v, 913).split('\n')[0]).toBe(
      'expected every generated invalid tx (of workload invalid-txs) to be rejected with its reason; the fuzzing property threw after 1 run: submitRaw is not a function (seed 913)',
    );
  });
});

describe('checkRejectWith on recorded txs', () => {
  const stale = txRecord('stale', {
    outcome: 'rejected',
    reason: 'bad_nonce',
    node: 'val-1',
    submittedAt: 2500,
  });
  const valid = txRecord('valid', { nonce: 3, submittedAt: 3000 });
  const rec = historyOf({ nodes: ['val-0', 'val-1'], txs: [stale, valid], endedAt: 5000 });

  test('a refused tx passes, with or without the reason', () => {
    expect(checkRejectWith(rec, [stale.id], 'bad_nonce').kind).toBe('rejected');
    expect(checkRejectWith(rec, [stale.id]).kind).toBe('rejected');
  });

  test('a wrong reason, an accepted tx and a tx never sent are each named', () => {
    expect(
      rejectFailure(checkRejectWith(rec, [stale.id], 'insufficient_funds', 'given tx'), 913).split('\n')[0],
    ).toMatchInlineSnapshot(
      `"expected 678b7170… (nonce 0 of b7f9dfe6…) (given tx) to be rejected with insufficient_funds; val-1 refused it at t=2.5s with bad_nonce (seed 913)"`,
    );
    expect(
      rejectFailure(checkRejectWith(rec, [valid.id, stale.id], 'bad_nonce'), 913).split('\n')[0],
    ).toMatchInlineSnapshot(
      `"expected faaa6a61… (nonce 3 of b7f9dfe6…) (given) to be rejected with bad_nonce; val-0 accepted it at t=3.0s (seed 913)"`,
    );
    expect(
      rejectFailure(checkRejectWith(rec, ['c'.repeat(64)], undefined, 'given tx'), 913).split('\n')[0],
    ).toMatchInlineSnapshot(
      `"expected cccccccc… (given tx) to be rejected; it was never submitted (not in the recording; send it with sendTx) (seed 913)"`,
    );
  });
});
