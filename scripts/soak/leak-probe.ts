/**
 * What one soak run left behind. Each run gets a private `CHAINLAB_RUN_ROOT`, which every
 * process it starts inherits and under which every run dir is made, so the probe finds that
 * run's processes and dirs and nobody else's (other test runs may share the machine).
 * Docker resources carry no run root: a labelled container, network or volume that was not
 * there before the run and whose owning run is dead is counted as left by it.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { pidAlive } from '../../src/cluster/cleanup/sweeper.ts';
import { dockerAvailability } from '../../src/deployers/docker/docker-client.ts';
import { isRunAlive, labelKeys, ownerOf } from '../../src/deployers/docker/labels.ts';
import { systemClock } from '../../src/support/clock.ts';
import { entries, processesWithEnv } from '../../test/helpers.ts';

/** What a run left: pids, run-root entries and Docker resource ids. */
export interface Leaks {
  processes: number[];
  dirs: string[];
  containers: string[];
  networks: string[];
  volumes: string[];
}

/** True when nothing was left. */
export function noLeaks(leaks: Leaks): boolean {
  return Object.values(leaks).every((xs: unknown[]) => xs.length === 0);
}

const singular: Record<keyof Leaks, string> = {
  processes: 'process',
  dirs: 'dir',
  containers: 'container',
  networks: 'network',
  volumes: 'volume',
};

/** `1 process, 2 dirs`, or `none`. */
export function describeLeaks(leaks: Leaks): string {
  const parts = (Object.keys(singular) as (keyof Leaks)[])
    .filter((kind) => leaks[kind].length > 0)
    .map((kind) => `${leaks[kind].length} ${leaks[kind].length === 1 ? singular[kind] : kind}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

type Labelled = { id: string; labels: Record<string, string> | undefined };

async function labelled(
  docker: Dockerode,
): Promise<{ containers: Labelled[]; networks: Labelled[]; volumes: Labelled[] }> {
  const filters = { label: [labelKeys.run] };
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return {
    containers: containers.map((c) => ({ id: c.Id, labels: c.Labels })),
    networks: networks.map((n) => ({ id: n.Id, labels: n.Labels })),
    volumes: (volumes.Volumes ?? []).map((v) => ({ id: v.Name, labels: v.Labels ?? undefined })),
  };
}

/** Watches one run: open it before the run starts, ask `leaks()` after it ended. */
export class LeakProbe {
  /** The run's private `CHAINLAB_RUN_ROOT`. */
  readonly root: string;
  private readonly docker: Dockerode | undefined;
  private readonly before: ReadonlySet<string>;

  private constructor(root: string, docker: Dockerode | undefined, before: ReadonlySet<string>) {
    this.root = root;
    this.docker = docker;
    this.before = before;
  }

  /** Snapshots the Docker resources that exist before the run (none without an engine). */
  static async open(root: string): Promise<LeakProbe> {
    const available = await dockerAvailability();
    if (!available.available) return new LeakProbe(root, undefined, new Set());
    const docker = available.client.container.dockerode;
    const found = await labelled(docker);
    const ids = [...found.containers, ...found.networks, ...found.volumes].map((r) => r.id);
    return new LeakProbe(root, docker, new Set(ids));
  }

  /** The environment entry that marks the run's processes. */
  get env(): Record<string, string> {
    return { CHAINLAB_RUN_ROOT: this.root };
  }

  private async look(): Promise<Leaks> {
    const left = (xs: Labelled[]): string[] =>
      xs
        .filter((r) => !this.before.has(r.id))
        .filter((r) => {
          const owner = ownerOf(r.labels);
          return owner !== undefined && isRunAlive(owner) === false;
        })
        .map((r) => r.id);
    const docker = this.docker ? await labelled(this.docker) : { containers: [], networks: [], volumes: [] };
    return {
      processes: await processesWithEnv(`CHAINLAB_RUN_ROOT=${this.root}`),
      dirs: await entries(this.root),
      containers: left(docker.containers),
      networks: left(docker.networks),
      volumes: left(docker.volumes),
    };
  }

  /**
   * What the ended run left, once the run's own clean-up had `graceMs` (default 5 s) to
   * finish: a reaper may still be removing a dir when the runner exits, and that is not a leak.
   */
  async leaks(graceMs = 5000): Promise<Leaks> {
    const deadline = systemClock.monotonic() + graceMs;
    for (;;) {
      const found = await this.look();
      if (noLeaks(found) || systemClock.monotonic() >= deadline) return found;
      await systemClock.sleep(200);
    }
  }

  /**
   * Removes what `leaks()` found and the run root, so the next run starts clean; returns once
   * the leaked processes are gone (or after 10 s, then they are named in the error).
   */
  async clean(leaks: Leaks): Promise<void> {
    for (const pid of leaks.processes) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const deadline = systemClock.monotonic() + 10_000;
    let alive = leaks.processes.filter(pidAlive);
    while (alive.length > 0) {
      if (systemClock.monotonic() >= deadline)
        throw new Error(`soak: leaked processes ${alive.join(', ')} survived SIGKILL for 10 s`);
      await systemClock.sleep(50);
      alive = alive.filter(pidAlive);
    }
    if (this.docker) {
      const docker = this.docker;
      const gone = (error: unknown): void => {
        const status = (error as { statusCode?: number }).statusCode;
        if (status !== 404 && status !== 409) throw error;
      };
      await Promise.all(
        leaks.containers.map((id) => docker.getContainer(id).remove({ force: true, v: true }).catch(gone)),
      );
      await Promise.all(leaks.networks.map((id) => docker.getNetwork(id).remove().catch(gone)));
      await Promise.all(leaks.volumes.map((id) => docker.getVolume(id).remove({ force: true }).catch(gone)));
    }
    await Promise.all(leaks.dirs.map((d) => rm(join(this.root, d), { recursive: true, force: true })));
    await rm(this.root, { recursive: true, force: true });
  }
}
