/**
 * Asks nodes about published DA blobs and writes the answers into the recording: when a
 * blob was certified and included (and at which height), and what a node other than its
 * entry point gives back when asked for the payload. The DA workload probes status while
 * it runs (status, retrievals and certificate checks); `verifyRetrieval` retrieves again
 * with validators down; `toMakeAvailable` only reads what was recorded.
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
  /**
   * Also check the certificate of every included blob not checked yet: its attestations
   * verified by the adapter, their stake against the chain's threshold (`facts.da`). Default false.
   */
  certificates?: boolean;
  /** Validators down during this probe (recorded with each retrieval). */
  down?: readonly string[];
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
        // An inclusion the node's own recorded best chain no longer has is stale (a reorg
        // the node's answer lags behind): another node may know where the blob is now.
        if (
          opts.refreshIncluded &&
          answer.status === 'included' &&
          answer.height !== undefined &&
          (rec.hashAt(node.name, answer.height) ?? answer.blockHash) !== answer.blockHash
        )
          continue;
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

  if (opts.certificates) await checkCertificates(rec, asked, blobs, timeoutMs, opts.concurrency ?? 8);
  if (!opts.retrieve) return;
  const down = opts.down ?? [];
  const unretrieved = blobs.filter(
    (b) =>
      b.outcome === 'accepted' &&
      b.certifiedAt !== undefined &&
      // With validators down, every included blob is tried again under that fault.
      (down.length > 0 ? b.includedAt !== undefined : !retrievedIntact(b, from)),
  );
  const withDown = down.length > 0 ? { down: [...down] } : {};
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
          ...withDown,
        });
      } else if (answer.data === undefined) {
        rec.addBlobRetrieval(b.id, {
          node: node.name,
          at,
          ok: false,
          reason: 'answer carried no data',
          ...withDown,
        });
      } else {
        rec.addBlobRetrieval(b.id, {
          node: node.name,
          at,
          ok: true,
          size: answer.data.length,
          dataHash: createHash('sha256').update(answer.data).digest('hex'),
          ...withDown,
        });
      }
    } catch (error) {
      rec.addBlobRetrieval(b.id, {
        node: node.name,
        at,
        ok: false,
        reason: (error as Error).message,
        ...withDown,
      });
    }
  });
}

/**
 * Checks the certificates of included blobs not checked yet: the first node (validators
 * first) that has the block verifies the attestations through the adapter
 * (`ChainClient.certificate`); the stake behind the valid ones is summed from the chain's
 * facts, so a node cannot vouch for its own certificate.
 */
async function checkCertificates(
  rec: Recording,
  nodes: readonly ProbeNode[],
  blobs: readonly BlobRecord[],
  timeoutMs: number,
  concurrency: number,
): Promise<void> {
  const da = rec.facts.da;
  if (da === undefined) return;
  const due = blobs.filter(
    (b) =>
      b.includedAt !== undefined && (b.certificate === undefined || b.certificate.blockHash !== b.blockHash),
  );
  await inBatches(due, concurrency, async (b) => {
    for (const node of nodes) {
      if (node.client.certificate === undefined) continue;
      try {
        const check = await node.client.certificate(b.id, { timeoutMs });
        if (check === undefined) continue;
        const stake = check.validSigners.reduce((sum, v) => sum + (da.stake[v] ?? 0n), 0n);
        rec.setBlobCertificate(b.id, {
          at: rec.now(),
          node: node.name,
          blockHash: check.blockHash,
          validSigners: check.validSigners,
          invalid: check.invalid,
          stake,
          threshold: da.threshold,
        });
        return;
      } catch {
        // Down or restarting: ask the next node.
      }
    }
  });
}
