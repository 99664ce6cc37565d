/**
 * The vitest fixtures end to end: one file-scoped cluster shared by the tests of this
 * file, per-test background workloads that stop when their test ends, test-start marks.
 */
import { describe, expect } from 'vitest';
import type { StartedCluster } from '../src/cluster/types.ts';
import { createClusterTest } from '../src/fixtures/vitest.ts';
import { systemClock } from '../src/support/clock.ts';
import { type StartedTransactions, transactions } from '../src/workloads/transactions.ts';
import { processesOfRun } from './helpers.ts';

const test = createClusterTest({ validators: 2, executors: 1, wallets: 6 });

let first: StartedCluster | undefined;
let earlierLoad: StartedTransactions | undefined;

describe('createClusterTest', () => {
  test('gives a started cluster and a background workload', async ({ cluster, background }) => {
    first = cluster;
    expect(cluster.nodes.map((n) => n.name)).toEqual(['val-0', 'val-1', 'exe-0']);
    expect(await processesOfRun(cluster.runId)).toHaveLength(3);
    earlierLoad = await background(transactions({ rate: 20, users: 3 }));
    await systemClock.sleep(1000);
    expect(earlierLoad.sent).toBeGreaterThanOrEqual(10);
  });

  test('the cluster is shared by the file; the last test’s workload stopped when it ended', async ({
    cluster,
  }) => {
    expect(cluster).toBe(first);
    const sent = earlierLoad!.sent;
    await systemClock.sleep(500);
    expect(earlierLoad!.sent).toBe(sent);
    expect(earlierLoad!.submitted()).toHaveLength(sent);
    // Each test's start is marked so matchers judge this test's window.
    expect(cluster.recording.lastMark('test-start')?.detail).toBe(
      'the cluster is shared by the file; the last test’s workload stopped when it ended',
    );
  });
});
