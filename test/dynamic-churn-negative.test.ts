// Scenario 13's expectations fail on the real faults they exist to catch: validators removed
// for good below the stake needed to finalize (knowingly, past the cluster's guard) stall
// the chain, and `toStayLive` names the node whose final height stood still.
import { describe, expect, test } from 'vitest';
import { Cluster } from '../src/cluster/cluster.ts';
import '../src/matchers/vitest.ts';
import { matcherFailure } from './helpers.ts';

describe('scenario 13 expectations catch real faults', () => {
  test('leaving below the finalizing stake stalls the chain: toStayLive fails naming the stalled node', async () => {
    await using cluster = await Cluster.of({
      slotMs: 250,
      securityParam: 4,
      wallets: 2,
      validators: 3,
      membership: {},
      name: 'negative-churn',
    }).start();
    await expect(cluster).toStayLive({ since: cluster.recording.now(), for: 4000 });
    // val-2 may go (200 of 300 still finalize); val-1 only knowingly (100 of 300 cannot).
    await cluster.removeNode('val-2');
    await expect(cluster.removeNode('val-1')).rejects.toMatchObject({
      belowQuorum: true,
      remainingStake: 100n,
    });
    await cluster.removeNode('val-1', { allowBelowQuorum: true });
    const since = cluster.recording.now();
    const error = await matcherFailure(() =>
      expect(cluster).toStayLive({ since, for: 12_000, maxStallMs: 4000 }),
    );
    expect(error.actual).toMatchObject({ kind: 'stalled', node: 'val-0' });
    expect(error.message).toMatch(
      /^expected node val-0 to finalize a block between t=\d+\.\ds and t=\d+\.\ds \(at least every 4\.0s\); final height stayed \d+ from t=\d+\.\ds/,
    );
    expect(error.message).toContain(`(seed ${cluster.seed})`);
  }, 120_000);
});
