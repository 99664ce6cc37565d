/**
 * The docker deployer end to end: a refnode cluster in containers becomes ready, produces
 * blocks seen through the 127.0.0.1-only published ports, survives kill/restart/pause with
 * its data, and leaves no labelled container, network or volume behind.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeding, dockerRequirementOf } from '../../../test/requirements.ts';
import { Cluster } from '../../cluster/cluster.ts';
import type { StartedCluster, StartedNode } from '../../cluster/types.ts';
import { systemClock } from '../../support/clock.ts';
import { ClusterStartError } from '../../support/errors.ts';
import { dockerAvailability } from './docker-client.ts';
import { labelKeys } from './labels.ts';

const docker = await dockerAvailability();

async function labelled(runId: string) {
  if (!docker.available) throw new Error('no docker');
  const dockerode = docker.client.container.dockerode;
  const filters = { label: [`${labelKeys.run}=${runId}`] };
  const [containers, networks, volumes] = await Promise.all([
    dockerode.listContainers({ all: true, filters }),
    dockerode.listNetworks({ filters }),
    dockerode.listVolumes({ filters }),
  ]);
  return { containers, networks, volumes: volumes.Volumes ?? [] };
}

/** Polls `probe` until it returns true; fails with `what` after `timeoutMs`. */
async function eventually(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = systemClock.monotonic() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (systemClock.monotonic() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await systemClock.sleep(200);
  }
}

const height = async (node: StartedNode): Promise<number> => (await node.client.info()).height;

let runId: string | undefined;

describeNeeding(dockerRequirementOf(docker), 'docker deployer', () => {
  let cluster: StartedCluster;

  beforeAll(async () => {
    // val-1 never syncs: after a restart it can only have its blocks from its own volume.
    cluster = await new Cluster({
      validators: 4,
      wallets: 4,
      slotMs: 200,
      deployer: 'docker',
      startTimeoutMs: 120_000,
    })
      .withBugs('val-1', ['no-sync'])
      .start();
    runId = cluster.runId;
  });

  afterAll(async () => {
    const runId = cluster?.runId;
    await cluster?.dispose();
    if (runId !== undefined) {
      const left = await labelled(runId);
      expect(left.containers.length + left.networks.length + left.volumes.length).toBe(0);
    }
  });

  it('runs one labelled container per node on one network, API on 127.0.0.1 only', async () => {
    expect(cluster.deployer.name).toBe('docker');
    expect([...cluster.deployer.capabilities].sort()).toEqual(
      ['clock-skew', 'disconnect', 'kill', 'pause', 'restart', 'resume', 'start', 'stop'].sort(),
    );
    const found = await labelled(cluster.runId);
    expect(found.containers.map((c) => c.Labels[labelKeys.node]).sort()).toEqual([
      'val-0',
      'val-1',
      'val-2',
      'val-3',
    ]);
    expect(found.networks).toHaveLength(1);
    expect(found.volumes).toHaveLength(4);
    for (const c of found.containers) {
      expect(c.State).toBe('running');
      expect(c.Labels[labelKeys.kind]).toBe('node');
      expect(Object.keys(c.NetworkSettings.Networks)).toEqual([found.networks[0]!.Name]);
      expect(c.Ports.length).toBeGreaterThan(0);
      for (const port of c.Ports) expect(port.IP).toBe('127.0.0.1');
    }
    for (const node of cluster.nodes) expect(node.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('produces blocks that every node serves through its published port', async () => {
    const start = await Promise.all(cluster.nodes.map(height));
    await eventually('every node 3 blocks higher', 60_000, async () => {
      const now = await Promise.all(cluster.nodes.map(height));
      return now.every((h, i) => h >= start[i]! + 3);
    });
    const infos = await Promise.all(cluster.nodes.map((n) => n.client.info()));
    for (const info of infos) expect(info.peers).toBeGreaterThanOrEqual(1);
  });

  it('kills a node and starts it again with its data (volume kept)', async () => {
    const val1 = cluster.node('val-1');
    const before = await height(val1);
    expect(before).toBeGreaterThan(0);
    const [blockBefore] = await val1.client.blocks(before, before);
    await val1.kill();
    expect(val1.state).toBe('stopped');
    await val1.start();
    expect(val1.state).toBe('running');
    // no-sync: had the volume been lost, val-1 would be back at genesis for good
    expect(await height(val1)).toBeGreaterThanOrEqual(before);
    const [blockAfter] = await val1.client.blocks(before, before);
    expect(blockAfter?.hash).toBe(blockBefore?.hash);
    const log = await readFile(val1.logFile!, 'utf8');
    expect(log.match(/"event":"ready"/g)?.length).toBeGreaterThanOrEqual(2);
  });

  it('restarts a node gracefully and it catches up with the others', async () => {
    const val2 = cluster.node('val-2');
    await val2.restart();
    expect(val2.state).toBe('running');
    const target = await height(cluster.node('val-0'));
    await eventually(`val-2 reaches height ${target}`, 60_000, async () => (await height(val2)) >= target);
  });

  it('pauses a node (API frozen, others go on) and resumes it', async () => {
    const val3 = cluster.node('val-3');
    await val3.pause();
    expect(val3.state).toBe('paused');
    expect(await val3.client.health({ timeoutMs: 500 })).toBe(false);
    const val0 = cluster.node('val-0');
    const h0 = await height(val0);
    await eventually(
      'val-0 goes on while val-3 is paused',
      30_000,
      async () => (await height(val0)) >= h0 + 2,
    );
    await val3.resume();
    expect(val3.state).toBe('running');
    await eventually('val-3 serves again', 10_000, () => val3.client.health());
    const target = await height(val0);
    await eventually(`val-3 reaches height ${target}`, 60_000, async () => (await height(val3)) >= target);
  });
});

describeNeeding(dockerRequirementOf(docker), 'docker deployer, a node that cannot start', () => {
  it('fails the start at once, naming the node, its exit code and log; nothing is left', async () => {
    const began = systemClock.monotonic();
    const error = await new Cluster({
      validators: 2,
      deployer: 'docker',
      bugs: { 'val-1': ['no-such-bug'] },
      startTimeoutMs: 120_000,
    })
      .start()
      .catch((e: unknown) => e);
    expect(ClusterStartError.is(error)).toBe(true);
    const startError = error as ClusterStartError;
    expect(startError).toMatchObject({ node: 'val-1', timedOut: false, exitCode: 2 });
    expect(startError.shortMessage).toBe('node val-1 exited with code 2 before it was ready');
    expect(startError.logTail).toContain('no-such-bug');
    // Found by the container's state, long before the start timeout.
    expect(systemClock.monotonic() - began).toBeLessThan(60_000);
    // One run per process: the cluster above had the same run id, and left nothing either.
    const left = await labelled(runId!);
    expect(left.containers.length + left.networks.length + left.volumes.length).toBe(0);
  });
});
