/**
 * Removes labelled Docker resources (containers, then networks, then volumes) of runs
 * that are gone: a run killed with SIGKILL cannot clean up after itself, so the next run
 * sweeps what it left. Ryuk would do this too, but it cannot be pulled offline.
 */
import type Dockerode from 'dockerode';
import { dockerClient } from './docker-client.ts';
import { isRunAlive, labelKeys, ownerOf, type RunOwner } from './labels.ts';

/** Options of {@link sweepDeadRuns}. */
export interface SweepOptions {
  /**
   * Decides whether a run still lives; default {@link isRunAlive} (same host: pid and its
   * start time; other host: cannot tell).
   */
  isAlive?: (owner: RunOwner) => boolean | undefined;
  /**
   * Resources of runs whose liveness cannot be told (another host on a shared engine) are
   * removed once older than this. Default 6 h.
   */
  foreignMaxAgeMs?: number;
  /** Receives one line per removed run; default silent. */
  log?: (line: string) => void;
}

/** What a sweep removed. */
export interface SweepReport {
  /** Run ids whose resources were removed. */
  runs: string[];
  containers: string[];
  networks: string[];
  volumes: string[];
}

interface Labelled {
  id: string;
  labels: Record<string, string> | undefined;
  /** Creation time, epoch ms. */
  createdMs: number;
}

async function listLabelled(docker: Dockerode, filter: string[]) {
  const filters = { label: filter };
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return {
    containers: containers.map(
      (c): Labelled => ({ id: c.Id, labels: c.Labels, createdMs: c.Created * 1000 }),
    ),
    networks: networks.map(
      (n): Labelled => ({ id: n.Id, labels: n.Labels, createdMs: Date.parse(n.Created) }),
    ),
    volumes: (volumes.Volumes ?? []).map(
      (v): Labelled => ({
        id: v.Name,
        labels: v.Labels ?? undefined,
        createdMs: Date.parse((v as { CreatedAt?: string }).CreatedAt ?? ''),
      }),
    ),
  };
}

function ignoreMissing(error: unknown): void {
  const status = (error as { statusCode?: number }).statusCode;
  // 404: already gone; 409: removal already in progress
  if (status !== 404 && status !== 409) throw error;
}

async function removeAll(
  docker: Dockerode,
  found: { containers: Labelled[]; networks: Labelled[]; volumes: Labelled[] },
): Promise<Omit<SweepReport, 'runs'>> {
  // Containers first: a network or volume in use cannot be removed.
  await Promise.all(
    found.containers.map((c) =>
      docker.getContainer(c.id).remove({ force: true, v: true }).catch(ignoreMissing),
    ),
  );
  await Promise.all(found.networks.map((n) => docker.getNetwork(n.id).remove().catch(ignoreMissing)));
  await Promise.all(
    found.volumes.map((v) => docker.getVolume(v.id).remove({ force: true }).catch(ignoreMissing)),
  );
  return {
    containers: found.containers.map((c) => c.id),
    networks: found.networks.map((n) => n.id),
    volumes: found.volumes.map((v) => v.id),
  };
}

/** Removes every container, network and volume labelled with `runId`. */
export async function removeRunResources(runId: string): Promise<SweepReport> {
  const client = await dockerClient();
  const docker = client.container.dockerode;
  const found = await listLabelled(docker, [`${labelKeys.run}=${runId}`]);
  const removed = await removeAll(docker, found);
  const any = removed.containers.length + removed.networks.length + removed.volumes.length > 0;
  return { runs: any ? [runId] : [], ...removed };
}

/**
 * Removes the labelled resources of every run that is no longer alive.
 *
 * @example
 * const report = await sweepDeadRuns({ log: console.log });
 */
export async function sweepDeadRuns(opts: SweepOptions = {}): Promise<SweepReport> {
  const isAlive = opts.isAlive ?? isRunAlive;
  const foreignMaxAgeMs = opts.foreignMaxAgeMs ?? 6 * 60 * 60 * 1000;
  const client = await dockerClient();
  const docker = client.container.dockerode;
  const found = await listLabelled(docker, [labelKeys.run]);
  const verdicts = new Map<string, boolean>();
  const dead = (r: Labelled): boolean => {
    const owner = ownerOf(r.labels);
    if (owner === undefined) return false;
    let verdict = verdicts.get(owner.runId);
    if (verdict === undefined) {
      const alive = isAlive(owner);
      verdict = alive === undefined ? Date.now() - r.createdMs > foreignMaxAgeMs : !alive;
      verdicts.set(owner.runId, verdict);
    }
    return verdict;
  };
  const doomed = {
    containers: found.containers.filter(dead),
    networks: found.networks.filter(dead),
    volumes: found.volumes.filter(dead),
  };
  const removed = await removeAll(docker, doomed);
  const runs = [...verdicts].filter(([, isDead]) => isDead).map(([runId]) => runId);
  for (const runId of runs) {
    const count = (xs: Labelled[]) => xs.filter((x) => ownerOf(x.labels)?.runId === runId).length;
    opts.log?.(
      `swept run ${runId}: ${count(doomed.containers)} containers, ${count(doomed.networks)} networks, ${count(doomed.volumes)} volumes`,
    );
  }
  return { runs, ...removed };
}
