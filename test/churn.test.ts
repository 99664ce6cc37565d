/**
 * End to end: churn chaos and `toSyncJoiners` on real refnode processes. The churn's joins
 * and leaves follow the seed's plan within the size bounds and never take the validators
 * below the stake they need; a joining node that cannot sync (refnode --bug no-sync) fails
 * `toSyncJoiners`, named, while healthy joiners pass.
 */
import { describe, expect, test } from 'vitest';
import { churn } from '../src/chaos/churn.ts';
import { Cluster } from '../src/cluster/cluster.ts';
import '../src/matchers/vitest.ts';
import { eventually, matcherFailure } from './helpers.ts';

const base = { slotMs: 250, securityParam: 4, wallets: 2 } as const;

describe('churn chaos', () => {
  test('joins and leaves on the seed plan, within the size bounds, never below the finalizing stake', async () => {
    await using cluster = await Cluster.of({
      ...base,
      validators: 3,
      membership: { standby: 1 },
      name: 'churn-e2e',
    }).start();
    const since = cluster.recording.now();
    const running = await churn({
      joinEvery: 2000,
      leaveEvery: 3000,
      joinRole: 'mixed',
      minSize: 3,
      maxSize: 5,
      maxChanges: 4,
    }).start(cluster);
    await running.done;
    await running.stop();
    const changes = running.executed.filter((e) => e.skipped === undefined);
    expect(changes).toHaveLength(4);
    // The plan's times and kinds come from the seed alone.
    expect(running.executed.map((e) => `t=${(e.step.atMs / 1000).toFixed(1)}s ${e.step.kind}`)).toEqual(
      running.schedule(running.executed.at(-1)!.step.atMs),
    );
    // The standby validator joins first, then fresh executors.
    const joined = changes.filter((e) => e.step.kind === 'join').map((e) => e.node);
    expect(joined[0]).toBe('val-3');
    expect(joined.slice(1).every((n) => n?.startsWith('exe-'))).toBe(true);
    // Every change is on the timeline, in order.
    const marks = cluster.recording.marks.filter((m) => m.label === 'membership' && m.at >= since);
    expect(marks.map((m) => m.detail)).toEqual(
      changes.map((e) => `${e.step.kind === 'join' ? 'join' : 'leave'}(${e.node})`),
    );
    // Never below 3 of 4 validators' stake (more than half of 400 needs 3), never outside 3..5 nodes.
    expect(cluster.validators.length).toBeGreaterThanOrEqual(3);
    expect(cluster.nodes.length).toBeGreaterThanOrEqual(3);
    expect(cluster.nodes.length).toBeLessThanOrEqual(5);
    await expect(cluster).toSyncJoiners({ since, within: 20_000 });
    await expect(cluster).toStayLive({ since });
    await expect(cluster).toConverge();
    await expect(cluster).toKeepFinality();
    // Joiners found peers and nobody was left alone after a leave.
    await expect(cluster).toKeepPeers({ since, atLeast: 2, within: 10_000 });
  }, 150_000);

  test('a joining node that cannot sync fails toSyncJoiners, named; one that can passes', async () => {
    await using cluster = await Cluster.of({
      ...base,
      validators: 2,
      membership: {},
      name: 'sync-joiners',
    }).start();
    const since = cluster.recording.now();
    await cluster.addNode({ role: 'executor' });
    await expect(cluster).toSyncJoiners({ since, within: 15_000 });
    // History to sync: a node without sync misses only what was final before it joined, so
    // wait for some (a fast start can get here with nothing final yet).
    expect(
      await eventually(
        async () => ((await cluster.client('val-0').info()).finalizedHeight ?? -1) >= 3,
        20_000,
      ),
    ).toBe(true);
    const brokenSince = cluster.recording.now();
    await cluster.addNode({ role: 'executor', bugs: ['no-sync'] });
    const error = await matcherFailure(() =>
      // 4 s is 16 slots; a joiner without sync stays behind however long it is given.
      expect(cluster).toSyncJoiners({ since: brokenSince, within: 4000 }),
    );
    expect(error.actual).toMatchObject({ kind: 'behind', behind: [{ node: 'exe-1' }] });
    expect(error.message).toMatch(
      /^expected joining node exe-1 to reach the cluster's final height \d+ \(val-\d's when it joined at t=\d+\.\ds\) by t=\d+\.\ds \(within 4\.0s\); its final height was (\d+|unknown \(no final block seen\)) at t=\d+\.\ds \(seed \d+\)\n/,
    );
  }, 150_000);
});
