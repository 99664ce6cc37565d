/**
 * Labels on every object the k8s deployer creates: the same keys as on Docker resources
 * (run id, owner pid, its start time, host), so a sweeper can tell a killed run's namespace
 * from a live one's, plus the node and cluster an object belongs to.
 */
import { hostname } from 'node:os';
import { labelValue } from './k8s-names.ts';
import { isRunAlive, labelKeys, ownerOf, processStartTime, type RunOwner } from './seam.ts';

/** Kinds of labelled objects. */
export type K8sObjectKind = 'namespace' | 'node' | 'service' | 'volume' | 'files' | 'policy' | 'links';

/** `app.kubernetes.io/managed-by`, the well-known label tools filter on. */
export const managedByLabel = { 'app.kubernetes.io/managed-by': 'chainlab' } as const;

const ownStart = processStartTime(process.pid) ?? String(Math.round(Date.now() - process.uptime() * 1000));
const ownHost = labelValue(hostname());

/** Labels of one object of this process's run. */
export function k8sLabels(
  runId: string,
  kind: K8sObjectKind,
  extra: { cluster?: string; node?: string } = {},
): Record<string, string> {
  const labels: Record<string, string> = {
    ...managedByLabel,
    [labelKeys.run]: labelValue(runId),
    [labelKeys.pid]: String(process.pid),
    [labelKeys.started]: ownStart,
    [labelKeys.host]: ownHost,
    [labelKeys.kind]: kind,
  };
  if (extra.cluster !== undefined) labels[labelKeys.cluster] = labelValue(extra.cluster);
  if (extra.node !== undefined) labels[labelKeys.node] = labelValue(extra.node);
  return labels;
}

/** The labels a node's Service selects its pod by (and a NetworkPolicy isolates it by). */
export function nodeSelector(runId: string, node: string): Record<string, string> {
  return { [labelKeys.run]: labelValue(runId), [labelKeys.node]: labelValue(node) };
}

/**
 * Whether the run owning a labelled object is alive (same host: its pid with the same
 * start time; another host: `undefined`, cannot be told).
 */
export function k8sOwnerAlive(labels: Readonly<Record<string, string>> | undefined): boolean | undefined {
  const owner: RunOwner | undefined = ownerOf(labels);
  if (owner === undefined) return undefined;
  // host label values are sanitised; compare in that form
  return isRunAlive({ ...owner, host: owner.host === ownHost ? hostname() : `${owner.host}\0other` });
}
