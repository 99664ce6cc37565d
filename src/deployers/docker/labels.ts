/**
 * Labels on every container, network and volume chainlab creates. The run id says which
 * run owns a resource; pid, process start time and host say whether that run still lives,
 * so the sweeper can remove what a killed run left without touching a live one.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** Label keys chainlab puts on Docker resources. */
export const labelKeys = {
  /** Run id of the owning run (one run per process). */
  run: 'chainlab.run',
  /** `node`, `network`, `volume`, `smoke`, … */
  kind: 'chainlab.kind',
  /** Node name (containers and volumes of nodes). */
  node: 'chainlab.node',
  /** Cluster name within the run. */
  cluster: 'chainlab.cluster',
  /** Owning process id. */
  pid: 'chainlab.pid',
  /** Owning process start (Linux: clock ticks since boot from /proc; else epoch ms). */
  started: 'chainlab.started',
  /** Host the owning process runs on. */
  host: 'chainlab.host',
} as const;

/** Kinds of labelled resources. */
export type ResourceKind = 'node' | 'network' | 'volume' | 'smoke';

/** Start time of a process, as the sweeper compares it (guards against pid reuse). */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the `(comm)` part, which may itself contain spaces; starttime is field 22
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

const ownStart = processStartTime(process.pid) ?? String(Math.round(Date.now() - process.uptime() * 1000));

/** Labels that mark a resource as owned by this process's run. */
export function ownerLabels(runId: string): Record<string, string> {
  return {
    [labelKeys.run]: runId,
    [labelKeys.pid]: String(process.pid),
    [labelKeys.started]: ownStart,
    [labelKeys.host]: hostname(),
  };
}

/** Labels of one resource. */
export function resourceLabels(
  runId: string,
  kind: ResourceKind,
  extra: { cluster?: string; node?: string } = {},
): Record<string, string> {
  const labels: Record<string, string> = { ...ownerLabels(runId), [labelKeys.kind]: kind };
  if (extra.cluster !== undefined) labels[labelKeys.cluster] = extra.cluster;
  if (extra.node !== undefined) labels[labelKeys.node] = extra.node;
  return labels;
}

/** Owner of a labelled resource as read back from its labels. */
export interface RunOwner {
  runId: string;
  pid: number | undefined;
  started: string | undefined;
  host: string | undefined;
}

/** Reads the owner of a resource from its labels (undefined when it is not chainlab's). */
export function ownerOf(labels: Readonly<Record<string, string>> | undefined): RunOwner | undefined {
  const runId = labels?.[labelKeys.run];
  if (runId === undefined) return undefined;
  const pid = Number(labels?.[labelKeys.pid]);
  return {
    runId,
    pid: Number.isSafeInteger(pid) && pid > 0 ? pid : undefined,
    started: labels?.[labelKeys.started],
    host: labels?.[labelKeys.host],
  };
}

/**
 * Whether the run owning a resource is still alive: same host, its pid exists and started
 * at the recorded time. `undefined` means it cannot be told (another host).
 */
export function isRunAlive(owner: RunOwner): boolean | undefined {
  if (owner.host !== hostname()) return undefined;
  if (owner.pid === undefined) return false;
  if (owner.pid === process.pid) return true;
  const started = processStartTime(owner.pid);
  if (started !== undefined) return owner.started === undefined || owner.started === started;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
