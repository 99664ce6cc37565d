/**
 * End to end on the docker deployer: dynamic membership with one container per node. A
 * fresh executor joins (its address book copied into its container, the others' rewritten
 * in theirs), finds every validator and syncs; the standby validator joins; a validator
 * that leaves for good takes its container and data volume with it, no node stays connected
 * to it, and the chain keeps finalizing.
 */
import { expect, test } from 'vitest';
import { Cluster } from '../src/cluster/cluster.ts';
import type { StartedCluster } from '../src/cluster/types.ts';
import { dockerAvailability } from '../src/deployers/docker/docker-client.ts';
import { labelKeys } from '../src/deployers/docker/labels.ts';
import '../src/matchers/vitest.ts';
import { eventually } from './helpers.ts';
import { describeNeeding, dockerRequirementOf } from './requirements.ts';

const docker = await dockerAvailability();

/** Containers and volumes of `node` in the cluster's run. */
async function resourcesOf(cluster: StartedCluster, node: string): Promise<number> {
  if (!docker.available) throw new Error('no docker');
  const dockerode = docker.client.container.dockerode;
  const filters = { label: [`${labelKeys.run}=${cluster.runId}`, `${labelKeys.node}=${node}`] };
  const [containers, volumes] = await Promise.all([
    dockerode.listContainers({ all: true, filters }),
    dockerode.listVolumes({ filters }),
  ]);
  return containers.length + (volumes.Volumes ?? []).length;
}

const connected = async (cluster: StartedCluster, node: string): Promise<string[]> =>
  [...(await cluster.client(node).connectedPeers!())].sort();

describeNeeding(dockerRequirementOf(docker), 'dynamic membership on the docker deployer', () => {
  test('a fresh executor and a standby validator join; a validator leaves with its container and volume', async () => {
    await using cluster = await Cluster.of({
      validators: 3,
      wallets: 2,
      deployer: 'docker',
      membership: { standby: 1 },
      name: 'members-docker',
    }).start();
    const exe = await cluster.addNode({ role: 'executor' });
    expect(exe.name).toBe('exe-0');
    expect(
      await eventually(
        async () => (await connected(cluster, 'exe-0')).join() === 'val-0,val-1,val-2',
        30_000,
      ),
    ).toBe(true);
    expect(
      await eventually(
        async () => ((await cluster.client('val-0').info()).finalizedHeight ?? -1) > 0,
        30_000,
      ),
    ).toBe(true);
    const final = (await cluster.client('val-0').info()).finalizedHeight ?? -1;
    expect(
      await eventually(async () => ((await exe.client.info()).finalizedHeight ?? -1) >= final, 30_000),
    ).toBe(true);

    // The standby validator joins, so one of the first three may leave without stalling finality.
    const val3 = await cluster.addNode({ role: 'validator' });
    expect(val3.name).toBe('val-3');
    // A container and a volume each, until it leaves.
    expect(await resourcesOf(cluster, 'val-0')).toBe(2);
    await cluster.removeNode('val-0');
    expect(await resourcesOf(cluster, 'val-0')).toBe(0);
    expect(cluster.nodes.map((n) => n.name)).toEqual(['val-1', 'val-2', 'exe-0', 'val-3']);
    expect(
      await eventually(async () => {
        const views = await Promise.all(cluster.nodes.map((n) => connected(cluster, n.name)));
        return views.every((v) => !v.includes('val-0'));
      }, 15_000),
    ).toBe(true);
    // The chain keeps finalizing with the new validator set.
    const from = (await cluster.client('val-1').info()).finalizedHeight ?? -1;
    expect(
      await eventually(async () => ((await val3.client.info()).finalizedHeight ?? -1) > from + 2, 45_000),
    ).toBe(true);
  }, 180_000);
});
