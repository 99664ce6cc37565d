/**
 * Removes namespaces of runs that are gone: a run killed with SIGKILL cannot delete its
 * namespace, so the next run does (the same owner labels and liveness rule as Docker
 * resources). Deleting a namespace deletes everything in it.
 */
import type { V1Namespace } from '@kubernetes/client-node';
import { describeApiError, isApiStatus, type K8sApi } from './k8s-api.ts';
import { k8sOwnerAlive } from './k8s-labels.ts';
import { labelValue } from './k8s-names.ts';
import { labelKeys } from './seam.ts';

/** Options of {@link sweepDeadK8sRuns}. */
export interface K8sSweepOptions {
  /** Decides whether the run owning a namespace lives; default: its labels (pid, start time, host). */
  isAlive?: (labels: Readonly<Record<string, string>>) => boolean | undefined;
  /** Namespaces of runs whose liveness cannot be told (another host) go once older than this. Default 6 h. */
  foreignMaxAgeMs?: number;
  /** Receives one line per removed namespace; default silent. */
  log?: (line: string) => void;
}

/** What a sweep removed. */
export interface K8sSweepReport {
  runs: string[];
  namespaces: string[];
}

async function deleteNamespace(api: K8sApi, name: string): Promise<void> {
  try {
    await api.core.deleteNamespace({ name, propagationPolicy: 'Background' });
  } catch (error) {
    // 404: already gone; 409: already terminating
    if (!isApiStatus(error, 404, 409)) throw error;
  }
}

function ageMs(ns: V1Namespace): number {
  const created = ns.metadata?.creationTimestamp;
  return created === undefined ? Number.POSITIVE_INFINITY : Date.now() - new Date(created).getTime();
}

/** Deletes every namespace labelled with `runId`. */
export async function removeK8sRun(api: K8sApi, runId: string): Promise<K8sSweepReport> {
  const list = await api.core.listNamespace({ labelSelector: `${labelKeys.run}=${labelValue(runId)}` });
  const names = list.items.map((ns) => ns.metadata!.name!);
  await Promise.all(names.map((name) => deleteNamespace(api, name)));
  return { runs: names.length > 0 ? [runId] : [], namespaces: names };
}

/**
 * Deletes the namespaces of every run that is no longer alive (terminating ones are left
 * to finish).
 *
 * @example
 * const report = await sweepDeadK8sRuns(api, { log: console.log });
 */
export async function sweepDeadK8sRuns(api: K8sApi, opts: K8sSweepOptions = {}): Promise<K8sSweepReport> {
  const isAlive = opts.isAlive ?? k8sOwnerAlive;
  const foreignMaxAgeMs = opts.foreignMaxAgeMs ?? 6 * 60 * 60 * 1000;
  const list = await api.core.listNamespace({ labelSelector: labelKeys.run });
  const report: K8sSweepReport = { runs: [], namespaces: [] };
  for (const ns of list.items) {
    const labels = ns.metadata?.labels ?? {};
    const runId = labels[labelKeys.run];
    if (runId === undefined || ns.metadata?.deletionTimestamp !== undefined) continue;
    const alive = isAlive(labels);
    const dead = alive === undefined ? ageMs(ns) > foreignMaxAgeMs : !alive;
    if (!dead) continue;
    const name = ns.metadata!.name!;
    try {
      await deleteNamespace(api, name);
    } catch (error) {
      opts.log?.(`k8s sweep: cannot delete namespace ${name}: ${describeApiError(error)}`);
      continue;
    }
    report.namespaces.push(name);
    if (!report.runs.includes(runId)) report.runs.push(runId);
    opts.log?.(`swept run ${runId}: namespace ${name}`);
  }
  return report;
}
