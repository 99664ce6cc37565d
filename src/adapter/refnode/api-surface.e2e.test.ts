// refnode's API surface on a real cluster: the reads built from one node's view are sent to
// every node (the control probe and the API flood do), so they may only name data every node
// that follows the chain has. A read of one node's tip answered 404 on a node the tip had not
// reached yet, and the probe counted that valid read as an error of the node.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Cluster } from '../../cluster/cluster.ts';
import type { StartedCluster } from '../../cluster/types.ts';

describe('refnodeApiSurface reads on a real cluster', () => {
  let cluster: StartedCluster;
  beforeAll(async () => {
    // k = 4: the tip is always a few blocks above the final block.
    cluster = await Cluster.of({
      validators: 2,
      wallets: 2,
      slotMs: 250,
      securityParam: 4,
      name: 'api-surface-reads',
    }).start();
  }, 120_000);
  afterAll(async () => {
    await cluster?.dispose();
  });

  test('name a final block, and every node answers every read 2xx', async () => {
    const [val0, val1] = cluster.nodes;
    await expect
      .poll(async () => (await val0!.client.info()).finalizedHeight ?? 0, { timeout: 20_000 })
      .toBeGreaterThan(0);
    const reads = await cluster.apiSurface!.reads({ client: val0!.client, wallets: cluster.wallets });

    const blockRead = reads.find((r) => r.label === 'block');
    const hash = blockRead?.path.split('/').at(-1);
    const named = await val0!.client.block(hash!);
    expect(named, `the block read ${blockRead?.path} names a block of val-0`).toBeDefined();
    const info = await val0!.client.info();
    expect(named!.height, 'the block read names a final block').toBeLessThanOrEqual(info.finalizedHeight!);

    for (const node of [val0!, val1!]) {
      for (const read of reads) {
        const res = await fetch(new URL(read.path, node.apiUrl), {
          method: read.method,
          ...(read.headers !== undefined ? { headers: read.headers } : {}),
          ...(read.body !== undefined ? { body: read.body } : {}),
        });
        await res.arrayBuffer();
        expect(res.status, `${node.name} answered ${read.label} (${read.method} ${read.path})`).toBeLessThan(
          300,
        );
      }
    }
  });
});
