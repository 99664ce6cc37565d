// Copied into the consumer project's jest dir as own-cluster.test.ts: a test that starts a
// cluster of its own (no useCluster) and fails on a plain assertion, so Jest's output must
// name the cluster, its seed and the Jest replay command.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { Cluster, Ready, type StartedCluster } from 'chainlab';
import { useCluster } from 'chainlab/jest';

test('fails with a cluster of its own', async () => {
  const cluster = await Cluster.of({ validators: 2, wallets: 2, name: 'own-cluster' }).start();
  try {
    expect(cluster.nodes).toHaveLength(2);
    expect('the cluster').toBe('a failing assertion');
  } finally {
    await cluster.dispose();
  }
}, 60_000);

// A start that fails after its nodes began to log (the chain never reaches the height in
// time): the failed test keeps every node's log.
test('a cluster of its own that never becomes ready', async () => {
  const ready = Ready.forHeight(1_000_000).withTimeout(1500);
  const cluster = await Cluster.of({ validators: 2, wallets: 2, name: 'own-start', ready }).start();
  await cluster.dispose();
}, 60_000);

// The same under useCluster, whose start runs in beforeAll, outside any test.
describe('useCluster with a cluster that never becomes ready', () => {
  const ready = Ready.forHeight(1_000_000).withTimeout(1500);
  const env = useCluster({ validators: 2, wallets: 2, name: 'use-start', ready });
  test('fails with its beforeAll', () => {
    expect(env.cluster).toBeDefined();
  });
});

// A start in a beforeAll of the test file's own, where no test is open to give a verdict: it
// keeps every node's log at once, and its error names where.
describe('a cluster started in a beforeAll of its own that never becomes ready', () => {
  let cluster: StartedCluster | undefined;
  beforeAll(async () => {
    const ready = Ready.forHeight(1_000_000).withTimeout(1500);
    cluster = await Cluster.of({ validators: 2, wallets: 2, name: 'hook-start', ready }).start();
  }, 60_000);
  test('fails with its beforeAll', () => {
    expect(cluster).toBeDefined();
  });
});
