import { describe, expect, test } from 'vitest';
import { simulateHistory } from '../../test/fixtures/simulated-history.ts';
import type { TxRecord } from '../observe/recording.ts';
import { ConfigError } from '../support/errors.ts';
import { awaitInclusion, loadSteps, stepStats } from './load-steps.ts';

describe('loadSteps', () => {
  test('every bad option is named in one error before anything runs', () => {
    let error: unknown;
    try {
      loadSteps({ rates: [5, -1], stepMs: 10, users: 0, speed: 1 } as never);
    } catch (e) {
      error = e;
    }
    expect(ConfigError.is(error)).toBe(true);
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual([
      'loadSteps.rates[1]',
      'loadSteps.stepMs',
      'loadSteps.users',
      'loadSteps.speed',
    ]);
    expect(() => loadSteps({ rates: [], stepMs: 1000, users: 1 })).toThrow(
      /loadSteps\.rates: got \[\], allowed: a non-empty list of tx\/s/,
    );
  });

  test('step stats count inclusion and latency from the recording', () => {
    const rec = simulateHistory({
      durationMs: 20_000,
      nodes: [{ name: 'val-0' }, { name: 'val-1' }],
      txsPerBlock: 2,
      lostTxsAt: [5_000, 6_000],
    });
    const txs = rec.txsOf('transactions');
    const s = stepStats(rec, 5, txs);
    expect(s).toMatchObject({
      rate: 5,
      sent: txs.length,
      accepted: txs.length,
      rejected: 0,
      failed: 0,
      included: txs.length - 2,
    });
    expect(s.inclusion).toBeCloseTo((txs.length - 2) / txs.length, 6);
    // Simulated txs are submitted half a block (200 ms) before their block.
    expect([s.latencyP50Ms, s.latencyP95Ms, s.latencyMaxMs]).toEqual([200, 200, 200]);
    expect(stepStats(rec, 5, [])).toMatchObject({ sent: 0, inclusion: 0, latencyP50Ms: Number.NaN });
  });

  test('awaitInclusion waits for txs that can still land, not for refused ones', async () => {
    const rec = simulateHistory({ durationMs: 5_000, nodes: [{ name: 'val-0' }], txsPerBlock: 2 });
    const included = rec.txsOf('transactions');
    const extra = (id: string, outcome: TxRecord['outcome']): TxRecord => ({
      id,
      workload: 'transactions',
      node: 'val-0',
      submittedAt: 1_000,
      outcome,
    });
    const refused = extra('refused', 'rejected');
    // A refused tx never lands: the answer is "not all" at once, not after the minute.
    expect(await awaitInclusion(rec, () => [...included, refused], 60_000)).toBe(false);
    expect(await awaitInclusion(rec, () => included, 60_000)).toBe(true);

    // A tx without an answer may still land: it is waited for, until the deadline...
    const unanswered = extra('unanswered', 'failed');
    expect(await awaitInclusion(rec, () => [...included, unanswered], 300)).toBe(false);
    // ...or until the recording sees it included.
    setTimeout(() => rec.txs.set(unanswered.id, { ...unanswered, includedAt: 2_000 }), 100);
    expect(await awaitInclusion(rec, () => [...included, unanswered], 60_000)).toBe(true);
  });
});
