// The Byzantine gossip peer against refnode nodes in Docker containers: it dials each node
// through the p2p port the container publishes on 127.0.0.1 (`DeployedNode.p2pEndpoint`),
// floods for a few seconds, and the nodes penalise it and refuse its invalid txs as on the
// local deployer. Without a Docker engine it is skipped locally and fails in CI.
import { expect, test } from 'vitest';
import { Cluster } from '../src/cluster/cluster.ts';
import '../src/matchers/vitest.ts';
import { byzantinePeer } from '../src/workloads/byzantine/byzantine-peer.ts';
import { describeNeeding, dockerRequirement } from './requirements.ts';

describeNeeding(await dockerRequirement(), 'a Byzantine gossip peer on the docker deployer', () => {
  test('reaches every container through its published p2p port; the nodes penalise it and refuse its invalid txs', async () => {
    await using cluster = await Cluster.of({
      slotMs: 250,
      securityParam: 4,
      validators: 3,
      wallets: 4,
      deployer: 'docker',
      name: 'byzantine-docker',
    }).start();
    expect(cluster.deployer.name).toBe('docker');
    for (const node of cluster.nodes) expect(node.p2pEndpoint?.host, node.name).toBe('127.0.0.1');
    const attacker = await byzantinePeer({ rate: 100, durationMs: 3000 }).start(cluster);
    await expect(cluster).toPenalize(attacker, { within: 3000 });
    const summary = await attacker.done;
    expect(summary.targets).toEqual(['val-0', 'val-1', 'val-2']);
    expect(summary.unheard).toBe(0);
    await expect(cluster).toRejectWith(attacker);
  }, 180_000);
});
