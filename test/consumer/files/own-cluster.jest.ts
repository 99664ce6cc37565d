// Copied into the consumer project's jest dir as own-cluster.test.ts: a test that starts a
// cluster of its own (no useCluster) and fails on a plain assertion, so Jest's output must
// name the cluster, its seed and the Jest replay command.
import { expect, test } from '@jest/globals';
import { Cluster } from 'chainlab';

test('fails with a cluster of its own', async () => {
  const cluster = await Cluster.of({ validators: 2, wallets: 2, name: 'own-cluster' }).start();
  try {
    expect(cluster.nodes).toHaveLength(2);
    expect('the cluster').toBe('a failing assertion');
  } finally {
    await cluster.dispose();
  }
}, 60_000);
