// The seed scenarios' expectations fail on the real faults they exist to catch: a node that
// cannot sync after a restart does not converge, and a chain whose validators stopped does
// not keep its block intervals. Each failure names the node or chain, the values and the seed.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Cluster } from '../src/cluster/cluster.ts';
import type { StartedCluster } from '../src/cluster/types.ts';
import { transactions } from '../src/workloads/transactions.ts';
import '../src/matchers/vitest.ts';
import { eventually, matcherFailure as failure } from './helpers.ts';

const base = { slotMs: 250, securityParam: 4, wallets: 4 } as const;

describe('expectations of the seed scenarios catch real faults', () => {
  test('a validator restarted with refnode --bug no-sync never catches up: toConverge fails naming it', async () => {
    await using cluster = await Cluster.of({
      ...base,
      validators: 3,
      name: 'negative-no-sync',
      bugs: { 'val-2': ['no-sync'] },
    }).start();
    // The condition the test claims, made every time: val-2 is down while the other two
    // finalize blocks it never saw, so after its restart it has a gap only sync could fill.
    const stalled = cluster.node('val-2');
    const lastSeen = (await stalled.client.info()).height;
    await stalled.stop();
    const othersFinalizedPast = await eventually(async () => {
      const infos = await Promise.all(['val-0', 'val-1'].map((n) => cluster.client(n).info()));
      return infos.every((i) => (i.finalizedHeight ?? -1) > lastSeen + 2);
    }, 30_000);
    expect(
      othersFinalizedPast,
      `val-0 and val-1 finalize past val-2's height ${lastSeen} while it is down`,
    ).toBe(true);
    await stalled.start();
    // The bug, not the window, makes this fail: 4 s is 8 blocks' time, and val-2 never fills
    // its gap however long it is given.
    const error = await failure(() => expect(cluster).toConverge({ within: 4000 }));
    expect(error.actual).toMatchObject({ kind: expect.stringMatching(/^(spread|diverged)$/) });
    expect(error.message).toMatch(
      /^expected all 3 nodes to agree on the final block between t=\d+\.\ds and t=\d+\.\ds; /,
    );
    expect(error.message).toContain('val-2');
    expect(error.message).toContain(`(seed ${cluster.seed})\nreplay: CHAINLAB_SEED=${cluster.seed}`);
  }, 150_000);

  describe('one healthy chain of 3 validators and an executor with refnode --bug no-tx-gossip', () => {
    // Shared by the two tests below (one start less); the executor's bug changes nothing on
    // the validators' chain. The second test stops the validators, so it runs last.
    let cluster: StartedCluster;
    beforeAll(async () => {
      cluster = await Cluster.of({
        ...base,
        validators: 3,
        executors: 1,
        name: 'negative-no-gossip',
        bugs: { 'exe-0': ['no-tx-gossip'] },
      }).start();
    }, 120_000);
    afterAll(() => cluster?.dispose());

    test('txs sent only to the executor, which does not gossip them: toIncludeAll fails naming them', async () => {
      const load = await transactions({ rate: 10, users: 4, count: 20, targets: ['exe-0'] }).start(cluster);
      await load.done;
      // 3 s is 6 blocks' time; txs that never leave exe-0 stay out however long they are given.
      const error = await failure(() => expect(cluster).toIncludeAll(load, { within: 3000 }));
      expect(error.actual).toMatchObject({ kind: 'missing', total: 20, included: 0 });
      expect(error.message).toMatch(
        /^expected at least 100% of 20 txs \(of workload transactions\) to be included within 3\.0s/,
      );
      expect(error.message).toContain('0 were (0%), 20 missing');
    }, 150_000);

    test('stopped validators: toKeepBlockIntervals passes before and fails after, with the mean it saw', async () => {
      await expect(cluster).toKeepBlockIntervals({ since: cluster.recording.now(), for: 6000 });
      // Judged from the moment every validator is down: blocks of slots that began while a
      // stop was still under way would count in the window, and two of them in 6 s fit the
      // tolerance a window this short gets.
      await Promise.all(cluster.validators.map((v) => v.stop()));
      const since = cluster.recording.now();
      const error = await failure(() => expect(cluster).toKeepBlockIntervals({ since, for: 6000 }));
      expect(error.actual).toMatchObject({ kind: 'off-schedule' });
      expect(error.message).toMatch(
        /^expected a mean block interval of 500 ms ± 25% \(\d+\.\.\d+ ms\) on \S+'s chain between t=\d+\.\ds and t=\d+\.\ds; observed (∞|\d+ ms) \(\d+ blocks? in \d+\.\ds\) \(seed \d+\)\n/,
      );
      await expect(cluster).not.toKeepBlockIntervals({ since });
    }, 150_000);
  });
});
