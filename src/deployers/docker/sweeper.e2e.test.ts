/**
 * The sweeper against the real engine: a run killed with SIGKILL leaves a network, a
 * volume and a container; the next sweep removes them, and leaves a live run's alone.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeNeeding, dockerRequirementOf } from '../../../test/requirements.ts';
import { newRunId } from '../../cluster/cleanup/run.ts';
import { dockerAvailability } from './docker-client.ts';
import { buildImage, removeImage } from './image.ts';
import { labelKeys, resourceLabels } from './labels.ts';
import { removeRunResources, sweepDeadRuns } from './sweeper.ts';

const docker = await dockerAvailability();
const leakyRun = fileURLToPath(new URL('../../../test/fixtures/docker/leaky-run.ts', import.meta.url));

async function resourcesOf(runId: string) {
  if (!docker.available) throw new Error('no docker');
  const dockerode = docker.client.container.dockerode;
  const filters = { label: [`${labelKeys.run}=${runId}`] };
  const [containers, networks, volumes] = await Promise.all([
    dockerode.listContainers({ all: true, filters }),
    dockerode.listNetworks({ filters }),
    dockerode.listVolumes({ filters }),
  ]);
  return {
    containers: containers.length,
    networks: networks.length,
    volumes: (volumes.Volumes ?? []).length,
  };
}

describeNeeding(dockerRequirementOf(docker), 'docker sweeper', () => {
  let image = '';

  beforeAll(async () => {
    // the smallest image a container can be created from: the sweeper never starts it
    const built = await buildImage({
      name: 'chainlab/sweeper-test',
      files: [{ path: '/marker', content: 'sweeper test' }],
      entrypoint: ['/marker'],
    });
    image = built.tag;
  });

  afterAll(async () => {
    if (image !== '') await removeImage(image);
  });

  it("removes a killed run's container, network and volume, and keeps a live run's", async () => {
    const deadRun = newRunId(999_999);
    const child = spawn(process.execPath, [leakyRun, deadRun, image], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit');
    const lines = createInterface({ input: child.stdout! });
    const [first] = (await once(lines, 'line')) as [string];
    expect(first).toBe('ready');
    child.kill('SIGKILL');
    await exited;

    const liveRun = newRunId();
    const dockerode = docker.available ? docker.client.container.dockerode : undefined!;
    await dockerode.createVolume({
      Name: `chainlab-${liveRun}-live`,
      Labels: resourceLabels(liveRun, 'volume', { cluster: 'live' }),
    });
    try {
      expect(await resourcesOf(deadRun)).toEqual({ containers: 1, networks: 1, volumes: 1 });

      const report = await sweepDeadRuns();
      expect(report.runs).toContain(deadRun);
      expect(report.runs).not.toContain(liveRun);
      expect(await resourcesOf(deadRun)).toEqual({ containers: 0, networks: 0, volumes: 0 });
      expect(await resourcesOf(liveRun)).toEqual({ containers: 0, networks: 0, volumes: 1 });
    } finally {
      await removeRunResources(liveRun);
      await removeRunResources(deadRun);
    }
    expect(await resourcesOf(liveRun)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });

  it('keeps a young foreign-host run (liveness unknown) until it is older than foreignMaxAgeMs', async () => {
    const foreignRun = newRunId(4242);
    const dockerode = docker.available ? docker.client.container.dockerode : undefined!;
    await dockerode.createVolume({
      Name: `chainlab-${foreignRun}-foreign`,
      Labels: { ...resourceLabels(foreignRun, 'volume'), [labelKeys.host]: `not-${hostname()}` },
    });
    try {
      expect((await sweepDeadRuns()).runs).not.toContain(foreignRun);
      expect((await resourcesOf(foreignRun)).volumes).toBe(1);
      expect((await sweepDeadRuns({ foreignMaxAgeMs: 0 })).runs).toContain(foreignRun);
      expect((await resourcesOf(foreignRun)).volumes).toBe(0);
    } finally {
      await removeRunResources(foreignRun);
    }
  });
});
