/**
 * Which nodes of a started cluster a workload or a fault acts on: a role group or node
 * names. One resolver, so every option that takes nodes accepts the same words and
 * refuses an unknown name the same way.
 */
import { z } from 'zod';
import { ConfigError } from '../support/errors.ts';
import type { StartedCluster, StartedNode } from './types.ts';

/** `'all'`, `'validators'`, `'executors'`, or node names. */
export type NodeSelection = 'all' | 'validators' | 'executors' | readonly string[];

/** The option schema of a {@link NodeSelection}: a group, or a non-empty list of names. */
export const nodeSelectionSchema = z.union([
  z.enum(['all', 'validators', 'executors']),
  z.array(z.string().min(1)).min(1),
]);

/**
 * The nodes `selection` names: groups in cluster order, names in the order given.
 * An unknown name throws one `ConfigError` at `path` (e.g. `transactions.targets`) that
 * lists the cluster's node names.
 */
export function selectNodes(
  cluster: StartedCluster,
  selection: NodeSelection,
  subject: string,
  path: string,
): StartedNode[] {
  if (selection === 'all') return [...cluster.nodes];
  if (selection === 'validators') return [...cluster.validators];
  if (selection === 'executors') return [...cluster.executors];
  const unknown = selection.filter((name) => !cluster.nodes.some((node) => node.name === name));
  if (unknown.length > 0) {
    throw new ConfigError(subject, [
      {
        path,
        value: unknown,
        allowed: `node names of this cluster: ${cluster.nodes.map((node) => node.name).join(', ')}`,
      },
    ]);
  }
  return selection.map((name) => cluster.node(name));
}
