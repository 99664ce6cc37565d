/**
 * One sweep of everything killed runs can leave: their processes and run dirs, image
 * build contexts and port reservations in the temp dir, and (when a Docker engine
 * answers, or when asked) their labelled containers, networks and volumes. `chainlab
 * sweep` and the Vitest plugin's global teardown run it.
 */
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sweepDeadReservations } from '../../deployers/local/port-reservations.ts';
import { pidAlive, type SweepResult, sweepDeadRuns } from './sweeper.ts';

/** Options of {@link sweepAll}. */
export interface SweepAllOptions {
  /**
   * `'auto'` (default): sweep Docker when an engine answers, else report it skipped;
   * `true`: an unreachable engine is an error; `false`: leave Docker alone.
   */
  docker?: boolean | 'auto';
  /**
   * Also sweep the namespaces of dead runs in a Kubernetes cluster (the `k8s` deployer's),
   * through this kubeconfig and context (defaults: `KUBECONFIG` or `~/.kube/config`, its
   * current context). Default: Kubernetes is left alone.
   */
  k8s?: { kubeconfig?: string | undefined; context?: string | undefined };
}

/** What {@link sweepAll} removed. */
export interface SweepAllResult extends SweepResult {
  /** Image build contexts of dead builders. */
  removedContexts: string[];
  /** Ports whose reservation a dead process held (`<tmpdir>/chainlab-ports/`). */
  freedPorts: number[];
  /** Docker resources removed, or why Docker was not swept. */
  docker:
    | { swept: true; runs: string[]; containers: number; networks: number; volumes: number }
    | { swept: false; reason: string };
  /** Namespaces of dead runs removed from Kubernetes, when asked (`k8s` option). */
  k8s?: { runs: string[]; namespaces: string[] };
}

interface DockerModule {
  dockerAvailability(): Promise<{ available: true } | { available: false; reason: string }>;
  sweepDeadRuns(): Promise<{ runs: string[]; containers: string[]; networks: string[]; volumes: string[] }>;
}

/** Build contexts are `<tmpdir>/chainlab-image-<pid>-<random>` (see the docker image builder). */
const contextName = /^chainlab-image-(\d+)-/;

async function sweepImageContexts(dir = tmpdir()): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(contextName.exec(name)?.[1] ?? Number.NaN);
    if (!Number.isInteger(pid) || pid === process.pid || pidAlive(pid)) continue;
    await rm(join(dir, name), { recursive: true, force: true });
    removed.push(join(dir, name));
  }
  return removed;
}

async function sweepDocker(mode: true | 'auto'): Promise<SweepAllResult['docker']> {
  // A variable specifier: testcontainers is loaded only when Docker is swept.
  const specifier = '../../deployers/docker/index.ts';
  const docker = (await import(specifier)) as DockerModule;
  const availability = await docker.dockerAvailability();
  if (!availability.available) {
    if (mode === true) throw new Error(`chainlab sweep: ${availability.reason}`);
    return { swept: false, reason: availability.reason };
  }
  const report = await docker.sweepDeadRuns();
  return {
    swept: true,
    runs: report.runs,
    containers: report.containers.length,
    networks: report.networks.length,
    volumes: report.volumes.length,
  };
}

/**
 * Removes what dead runs left: processes (SIGKILL), run dirs, image build contexts, port
 * reservations and Docker resources. Live runs are never touched.
 *
 * @example
 * const result = await sweepAll({ docker: 'auto' });
 * console.log(result.killed.length, result.docker);
 */
export async function sweepAll(opts: SweepAllOptions = {}): Promise<SweepAllResult> {
  const mode = opts.docker ?? 'auto';
  const local = await sweepDeadRuns();
  const removedContexts = await sweepImageContexts();
  const freedPorts = sweepDeadReservations();
  const docker: SweepAllResult['docker'] =
    mode === false ? { swept: false, reason: 'not asked (--no-docker)' } : await sweepDocker(mode);
  const k8s = opts.k8s === undefined ? undefined : await sweepK8s(opts.k8s);
  return { ...local, removedContexts, freedPorts, docker, ...(k8s === undefined ? {} : { k8s }) };
}

async function sweepK8s(target: NonNullable<SweepAllOptions['k8s']>): Promise<SweepAllResult['k8s']> {
  // A variable specifier: @kubernetes/client-node is loaded only when Kubernetes is swept.
  const specifier = '../../deployers/k8s/index.ts';
  const k8s = (await import(specifier)) as typeof import('../../deployers/k8s/index.ts');
  const api = new k8s.K8sApi(k8s.loadKubeConfig({ kubeconfig: target.kubeconfig, context: target.context }));
  return k8s.sweepDeadK8sRuns(api);
}
