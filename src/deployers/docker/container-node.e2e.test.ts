/**
 * The docker deployer below the cluster: network disconnect/connect of a node, a crash
 * the deployer did not cause, a node that cannot start, and idempotent disposal.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeding, dockerRequirementOf } from '../../../test/requirements.ts';
import { refnodeAdapter } from '../../adapter/refnode/adapter.ts';
import type { ChainClient, LaunchEndpoints, PreparedChain } from '../../adapter/types.ts';
import { CleanupRegistry } from '../../cluster/cleanup/registry.ts';
import { newRunId } from '../../cluster/cleanup/run.ts';
import { Cluster } from '../../cluster/cluster.ts';
import { systemClock } from '../../support/clock.ts';
import { ClusterStartError } from '../../support/errors.ts';
import type { DeployedNode, Deployer, ExitInfo, NodeAllocation } from '../deployer.ts';
import { dockerAvailability } from './docker-client.ts';
import { dockerDeployer } from './docker-deployer.ts';
import { labelKeys } from './labels.ts';

const docker = await dockerAvailability();

async function eventually(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = systemClock.monotonic() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (systemClock.monotonic() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await systemClock.sleep(200);
  }
}

describeNeeding(dockerRequirementOf(docker), 'docker deployer', () => {
  const runId = newRunId();
  const registry = new CleanupRegistry({ installHooks: false });
  const topology = new Cluster({ validators: 2, wallets: 1, slotMs: 200 }).resolved.topology;
  let dir = '';
  let prepared: PreparedChain;
  let deployer: Deployer;
  let allocations: NodeAllocation[];
  const nodes = new Map<string, DeployedNode>();
  const clients = new Map<string, ChainClient>();

  const endpoints = (name: string): LaunchEndpoints => {
    const a = allocations.find((x) => x.name === name)!;
    return {
      bindHost: a.bindHost,
      host: a.host,
      apiPort: a.apiPort,
      p2pPort: a.p2pPort,
      dataDir: a.dataDir,
      chainDir: a.chainDir,
      peers: (topology.dials[name] ?? []).map((peer) => {
        const p = allocations.find((x) => x.name === peer)!;
        return { name: peer, host: p.host, p2pPort: p.p2pPort };
      }),
    };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chainlab-container-node-'));
    await mkdir(join(dir, 'chain'));
    prepared = await refnodeAdapter().prepare(topology, join(dir, 'chain'), 11);
    deployer = await dockerDeployer({ stopGraceMs: 2000 })({
      runId,
      clusterDir: dir,
      clusterName: 'rt',
      registry,
      log: () => {},
    });
    allocations = await deployer.allocate(topology.nodes);
    await Promise.all(
      topology.nodes.map(async (spec) => {
        const allocation = allocations.find((a) => a.name === spec.name)!;
        const launch = prepared.launch(spec, endpoints(spec.name));
        const node = await deployer.start(
          { name: spec.name, role: spec.role, allocation, launch },
          { timeoutMs: 120_000 },
        );
        nodes.set(spec.name, node);
        clients.set(spec.name, prepared.client(node.apiUrl));
      }),
    );
  });

  afterAll(async () => {
    await Promise.all([...clients.values()].map((c) => c.close()));
    await deployer?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('takes a node off the network and puts it back', async () => {
    const val0 = clients.get('val-0')!;
    const val1 = nodes.get('val-1')!;
    await eventually('val-0 sees val-1', 30_000, async () => (await val0.info()).peers >= 1);
    await val1.disconnect!();
    await eventually('val-0 loses its peer', 30_000, async () => (await val0.info()).peers === 0);
    // the API is published through the same network: the node is unreachable as a whole
    expect(await clients.get('val-1')!.health({ timeoutMs: 1000 })).toBe(false);
    await val1.connect!();
    await eventually('val-0 sees val-1 again', 60_000, async () => (await val0.info()).peers >= 1);
    await eventually('val-1 serves again', 10_000, () => clients.get('val-1')!.health());
    const target = (await val0.info()).height;
    await eventually(
      `val-1 catches up to ${target}`,
      60_000,
      async () => (await clients.get('val-1')!.info()).height >= target,
    );
  });

  it('reports a crash it did not cause, and starts the node again', async () => {
    const val1 = nodes.get('val-1')!;
    const exits: ExitInfo[] = [];
    using _ = val1.onUnexpectedExit((info) => exits.push(info));
    if (!docker.available) throw new Error('no docker');
    const [container] = await docker.client.container.dockerode.listContainers({
      filters: { label: [`${labelKeys.run}=${runId}`, `${labelKeys.node}=val-1`] },
    });
    // killed behind the deployer's back, as an OOM kill or a crash would
    await docker.client.container.dockerode.getContainer(container!.Id).kill({ signal: 'SIGKILL' });
    await eventually('the crash is reported', 10_000, async () => exits.length === 1);
    expect(exits[0]).toEqual({ exitCode: 137, signal: 'SIGKILL' });
    expect(val1.state).toBe('exited');
    await val1.start({ timeoutMs: 120_000 });
    expect(val1.state).toBe('running');
    expect(exits).toHaveLength(1);
  });

  it('fails a node that cannot start with its log tail, leaving no container', async () => {
    const spec = topology.nodes[1]!;
    const allocation = { ...allocations[1]!, name: 'bad-0', logFile: join(dir, 'logs', 'bad-0.log') };
    const launch = prepared.launch(spec, endpoints(spec.name));
    launch.container!.cmd = [...launch.container!.cmd, '--no-such-flag'];
    const error = await deployer
      .start({ name: 'bad-0', role: 'validator', allocation, launch }, { timeoutMs: 60_000 })
      .catch((e: unknown) => e);
    expect(ClusterStartError.is(error)).toBe(true);
    const startError = error as ClusterStartError;
    expect(startError.node).toBe('bad-0');
    expect(startError.timedOut).toBe(false);
    expect(startError.logTail).toContain('no-such-flag');
    if (!docker.available) throw new Error('no docker');
    const left = await docker.client.container.dockerode.listContainers({
      all: true,
      filters: { label: [`${labelKeys.run}=${runId}`, `${labelKeys.node}=bad-0`] },
    });
    expect(left).toHaveLength(0);
  });

  it('disposes idempotently and leaves nothing labelled', async () => {
    await Promise.all([deployer.dispose(), deployer.dispose()]);
    await deployer.dispose();
    if (!docker.available) throw new Error('no docker');
    const dockerode = docker.client.container.dockerode;
    const filters = { label: [`${labelKeys.run}=${runId}`] };
    expect(await dockerode.listContainers({ all: true, filters })).toHaveLength(0);
    expect(await dockerode.listNetworks({ filters })).toHaveLength(0);
    expect((await dockerode.listVolumes({ filters })).Volumes ?? []).toHaveLength(0);
  });
});
