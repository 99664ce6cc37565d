/**
 * Kubernetes names and label values from chainlab's names: namespaces and object names are
 * DNS-1123 labels (lowercase, at most 63 characters), Service names also start with a
 * letter, and label values allow letters, digits, `-`, `_` and `.`. A name that had to be
 * shortened keeps a hash of the whole, so two long names never collide.
 */
import { createHash } from 'node:crypto';

const MAX_LABEL = 63;

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/**
 * A DNS-1123 label from any text: lowercased, other characters turned into `-`, starting
 * with a letter (`n-` is put in front otherwise), at most `max` characters.
 *
 * @example
 * dnsLabel('Cluster_1') // 'cluster-1'
 */
export function dnsLabel(text: string, max = MAX_LABEL): string {
  let out = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  if (!/^[a-z]/.test(out)) out = `n-${out}`.replace(/-$/, '');
  if (out.length <= max) return out;
  const hash = shortHash(text);
  return `${out.slice(0, max - hash.length - 1).replace(/-$/, '')}-${hash}`;
}

/** The namespace of one cluster of one run: `<prefix>-<run id>-<cluster>`. */
export function namespaceName(prefix: string, runId: string, clusterName: string): string {
  return dnsLabel(`${prefix}-${runId}-${clusterName}`);
}

/** Pod and Service name of a node (stable across restarts: peers dial the Service by it). */
export function nodeObjectName(node: string): string {
  // room for the `-data` claim suffix and `isolate-` policy prefix
  return dnsLabel(node, MAX_LABEL - 8);
}

/**
 * A label value from any text: at most 63 of `[A-Za-z0-9_.-]`, starting and ending with a
 * letter or digit.
 */
export function labelValue(text: string): string {
  const out = text.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  if (out.length <= MAX_LABEL && out === text) return out;
  const hash = shortHash(text);
  return `${out.slice(0, MAX_LABEL - hash.length - 1).replace(/[^A-Za-z0-9]+$/, '')}-${hash}`.replace(
    /^-/,
    '',
  );
}
