/**
 * Leak checks of the docker deployer through real child vitest runs: after a failing test
 * and after Ctrl-C (SIGINT to the runner's process group) no container, network or volume
 * labelled with the child's run id remains.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { dockerAvailability } from '../src/deployers/docker/docker-client.ts';
import { labelKeys } from '../src/deployers/docker/labels.ts';
import { systemClock } from '../src/support/clock.ts';
import { describeNeeding, dockerRequirementOf } from './requirements.ts';

const docker = await dockerAvailability();

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const fixtureConfig = 'test/fixtures/docker-cleanup/vitest.config.ts';
const vitestBin = join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs');

async function labelledCount(
  runId: string,
): Promise<{ containers: number; networks: number; volumes: number }> {
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

/** Starts `vitest run` on one fixture in its own process group (as a terminal would). */
function childRun(fixture: string, probeFile: string): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [vitestBin, 'run', '--config', fixtureConfig, fixture], {
    cwd: repoRoot,
    detached: true,
    env: { ...process.env, CHAINLAB_PROBE_FILE: probeFile, CHAINLAB_DEPLOYER: 'docker', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output };
}

async function waitForRunId(probeFile: string, child: ChildProcess, timeoutMs: number): Promise<string> {
  const deadline = systemClock.monotonic() + timeoutMs;
  while (systemClock.monotonic() < deadline && child.exitCode === null) {
    const id = await readFile(probeFile, 'utf8').catch(() => '');
    if (id !== '') return id;
    await systemClock.sleep(250);
  }
  throw new Error(`the child run wrote no run id within ${timeoutMs} ms (exit code ${child.exitCode})`);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

describeNeeding(dockerRequirementOf(docker), 'docker cleanup', () => {
  it('removes everything after a failing test', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chainlab-leak-'));
    const probe = join(dir, 'run-id');
    const run = childRun('failing', probe);
    try {
      const [code] = (await once(run.child, 'exit')) as [number | null];
      expect(code, run.output()).toBe(1);
      expect(run.output()).toContain('this fixture fails on purpose');
      const runId = await readFile(probe, 'utf8');
      expect(runId).not.toBe('');
      expect(await labelledCount(runId)).toEqual({ containers: 0, networks: 0, volumes: 0 });
    } finally {
      killGroup(run.child, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('removes everything after SIGINT of the runner', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chainlab-leak-'));
    const probe = join(dir, 'run-id');
    const run = childRun('interrupted', probe);
    try {
      const runId = await waitForRunId(probe, run.child, 200_000);
      expect((await labelledCount(runId)).containers, run.output()).toBe(1);
      const exited = once(run.child, 'exit');
      killGroup(run.child, 'SIGINT');
      await exited;
      // the runner may exit before its worker finished tearing down: give the worker its
      // registry's grace period, then nothing may be left
      const deadline = systemClock.monotonic() + 15_000;
      let left = await labelledCount(runId);
      while (left.containers + left.networks + left.volumes > 0 && systemClock.monotonic() < deadline) {
        await systemClock.sleep(250);
        left = await labelledCount(runId);
      }
      expect(left, run.output()).toEqual({ containers: 0, networks: 0, volumes: 0 });
    } finally {
      killGroup(run.child, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
