import { describe, expect, test } from 'vitest';
import { simulateHistory } from '../../test/fixtures/simulated-history.ts';
import { ConfigError } from '../support/errors.ts';
import { loadSteps, stepStats } from './load-steps.ts';

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
});
