/**
 * Reading a node's pod status: readiness, how the node container ended, and the waiting
 * reasons that mean a pod will never start (an image that cannot be pulled), so a start
 * fails at once with the cluster's own words instead of at the timeout.
 */
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { containerNames } from './pod-manifest.ts';
import type { ExitInfo } from './seam.ts';

/** Waiting reasons after which the container will not start without a change by the user. */
const fatalWaiting = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

const signalNames: Record<number, string> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  6: 'SIGABRT',
  9: 'SIGKILL',
  15: 'SIGTERM',
};

function containerStatus(pod: V1Pod | undefined, name: string): V1ContainerStatus | undefined {
  return pod?.status?.containerStatuses?.find((s) => s.name === name);
}

/** True when the pod's Ready condition is True (its readiness probe, the health endpoint, passes). */
export function isPodReady(pod: V1Pod | undefined): boolean {
  return pod?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** How the node container ended, when it has. */
export function nodeExit(pod: V1Pod | undefined): ExitInfo | undefined {
  const terminated = containerStatus(pod, containerNames.node)?.state?.terminated;
  if (terminated === undefined) return undefined;
  // 128 + n is how a runtime reports death by signal n (137 = SIGKILL, 143 = SIGTERM)
  const signal = terminated.signal ?? (terminated.exitCode > 128 ? terminated.exitCode - 128 : 0);
  return {
    exitCode: terminated.exitCode,
    signal: signalNames[signal] ?? (signal > 0 ? `signal ${signal}` : null),
  };
}

/** Why the pod can never start (bad image, bad config), or undefined. */
export function fatalStartReason(pod: V1Pod | undefined): string | undefined {
  const all = [...(pod?.status?.initContainerStatuses ?? []), ...(pod?.status?.containerStatuses ?? [])];
  for (const status of all) {
    const waiting = status.state?.waiting;
    if (waiting?.reason !== undefined && fatalWaiting.has(waiting.reason)) {
      return `container ${status.name}: ${waiting.reason}${waiting.message ? ` (${waiting.message})` : ''}`;
    }
  }
  if (pod?.status?.phase === 'Failed' && nodeExit(pod) === undefined) {
    return `pod failed: ${pod.status.reason ?? ''} ${pod.status.message ?? ''}`.trim();
  }
  return undefined;
}

/** What a pod that is not ready is waiting for, in the cluster's words (for timeout errors). */
export function pendingReason(pod: V1Pod | undefined): string {
  if (pod === undefined) return 'the pod does not exist';
  const unscheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (unscheduled !== undefined) return `not scheduled: ${unscheduled.message ?? unscheduled.reason ?? ''}`;
  const waiting = containerStatus(pod, containerNames.node)?.state?.waiting;
  if (waiting !== undefined)
    return `node container waiting: ${waiting.reason ?? ''} ${waiting.message ?? ''}`.trim();
  if (containerStatus(pod, containerNames.node)?.state?.running !== undefined) {
    return 'node container running, readiness probe not passing';
  }
  return `pod phase ${pod.status?.phase ?? 'unknown'}`;
}
