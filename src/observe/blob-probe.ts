/**
 * Asks nodes about published DA blobs and writes the answers into the recording: when a
 * blob was certified and included (and at which height), and what a node other than its
 * entry point gives back when asked for the payload. The DA workload probes status while
 * it runs; the `toMakeAvailable` shell probes (and retrieves) until its verdict settles.
 */

import { createHash } from 'node:crypto';
import type { ChainClient, NodeRole } from '../adapter/types.ts';
import type { BlobRecord, Recording } from './recording.ts';

/** A node a probe may ask. */
export interface ProbeNode {
  name: string;
  role: NodeRole;
  client: ChainClient;
}

/** Options of {@link probeBlobs}. */
export interface BlobProbeOptions {
  /** Also fetch the payload of certified blobs not yet retrieved intact. Default false. */
  retrieve?: boolean;
  /** `other-node` (default): retrieve from a node that was not the blob's entry point. `any`: any node. */
  from?: 'other-node' | 'any';
  /**
   * Also re-read the status of blobs already seen included, so a reorg that moved a blob to
   * another block updates its height (judging order needs current heights). Default false.
   */
  refreshIncluded?: boolean;
  /** Per-request timeout (ms). Default 3000. */
  timeoutMs?: number;
  /** Requests in flight at once. Default 8. */
  concurrency?: number;
}

/** True when a blob still needs a status probe (accepted, not yet seen included unless `refresh`). */
function needsStatus(b: BlobRecord, refresh: boolean): boolean {
  return b.outcome === 'accepted' && (refresh || b.includedAt === undefined);
}

/** True when a retrieval from an allowed node already gave back the published bytes. */
export function retrievedIntact(b: BlobRecord, from: 'other-node' | 'any' = 'other-node'): boolean {
  return (b.retrievals ?? []).some(
    (r) => r.ok && r.dataHash === b.dataHash && (from === 'any' || r.node !== b.node),
  );
}

/**
 * The node to retrieve `b` from: the allowed nodes in turn (validators first, as they hold
 * the chunks), so a node that failed once is not asked forever.
 */
function retrievalNode(
  b: BlobRecord,
  nodes: readonly ProbeNode[],
  from: 'other-node' | 'any',
): ProbeNode | undefined {
  const allowed = nodes
    .filter((n) => from === 'any' || n.name !== b.node)
    .sort((x, y) => (x.role === y.role ? 0 : x.role === 'validator' ? -1 : 1));
  if (allowed.length === 0) return undefined;
  const attempts = (b.retrievals ?? []).length;
  return allowed[(b.sequence + attempts) % allowed.length];
}

async function inBatches<T>(
  items: readonly T[],
  size: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.allSettled(items.slice(i, i + size).map(fn));
}

/**
 * Probes the recorded blobs `ids` (all recorded blobs when omitted) once: status from the
 * first node (validators first) that knows it certified or included, and with `retrieve` the
 * payload from an allowed node. Request failures are recorded as failed retrievals, never thrown.
 *
 * @example
 * await probeBlobs(cluster.recording, cluster.nodes, da.published().map((b) => b.id), { retrieve: true });
 */
export async function probeBlobs(
  rec: Recording,
  nodes: readonly ProbeNode[],
  ids?: readonly string[],
  opts: BlobProbeOptions = {},
): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 3000;
  const from = opts.from ?? 'other-node';
  const blobs = (ids ?? [...rec.blobs.keys()])
    .map((id) => rec.blobs.get(id))
    .filter((b): b is BlobRecord => b !== undefined);
  // Every blob's status from the same nodes in the same order (validators first), so the
  // heights of one round come from one chain view whenever that node answers.
  const asked = [...nodes].sort((x, y) => (x.role === y.role ? 0 : x.role === 'validator' ? -1 : 1));
  const due = blobs.filter((b) => needsStatus(b, opts.refreshIncluded === true));
  await inBatches(due, opts.concurrency ?? 8, async (b) => {
    for (const node of asked) {
      if (node.client.blob === undefined) continue;
      try {
        const answer = await node.client.blob(b.id, { timeoutMs });
        // Not heard of it yet, or behind: the next node may know more.
        if (!answer.ok || answer.status === 'pending') continue;
        const now = rec.now();
        if (answer.status === 'included')
          rec.recordBlob({
            ...b,
            retrievals: [],
            certifiedAt: now,
            includedAt: now,
            ...(answer.height === undefined ? {} : { height: answer.height }),
            ...(answer.blockHash === undefined ? {} : { blockHash: answer.blockHash }),
          });
        else if (answer.status === 'certified') rec.recordBlob({ ...b, retrievals: [], certifiedAt: now });
        return;
      } catch {
        // Down or restarting: ask the next node.
      }
    }
  });

  if (!opts.retrieve) return;
  const unretrieved = blobs.filter(
    (b) => b.outcome === 'accepted' && b.certifiedAt !== undefined && !retrievedIntact(b, from),
  );
  await inBatches(unretrieved, opts.concurrency ?? 8, async (b) => {
    const node = retrievalNode(b, nodes, from);
    if (node?.client.blob === undefined) return;
    const at = rec.now();
    try {
      const answer = await node.client.blob(b.id, { data: true, timeoutMs });
      if (!answer.ok) {
        rec.addBlobRetrieval(b.id, {
          node: node.name,
          at,
          ok: false,
          reason: `${answer.code}: ${answer.message}`,
        });
      } else if (answer.data === undefined) {
        rec.addBlobRetrieval(b.id, { node: node.name, at, ok: false, reason: 'answer carried no data' });
      } else {
        rec.addBlobRetrieval(b.id, {
          node: node.name,
          at,
          ok: true,
          size: answer.data.length,
          dataHash: createHash('sha256').update(answer.data).digest('hex'),
        });
      }
    } catch (error) {
      rec.addBlobRetrieval(b.id, { node: node.name, at, ok: false, reason: (error as Error).message });
    }
  });
}
