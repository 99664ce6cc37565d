/**
 * Retrieval under faults: pauses as many validators as the chain's DA scheme tolerates
 * (`facts.da.tolerance`; those that already rebuilt the blobs first, the rest drawn from the
 * seed), asks the nodes still up for every included
 * blob's payload, records each attempt with the validators that were down, and resumes
 * them. `toMakeAvailable` then requires those attempts to have come back intact.
 */
import { requireFacet } from '../adapter/facets.ts';
import type { StartedCluster } from '../cluster/types.ts';
import { probeBlobs } from '../observe/blob-probe.ts';
import type { BlobRecord } from '../observe/recording.ts';
import { ConfigError } from '../support/errors.ts';

/** Options of {@link verifyRetrieval}. */
export interface VerifyRetrievalOptions {
  /** Validators to pause. Default: as many as the chain tolerates (`facts.da.tolerance`). */
  down?: number;
  /** Per-retrieval timeout (ms). Default 10 000 (a retriever may wait on the paused ones first). */
  timeoutMs?: number;
}

/** What was done: which validators were down and how many blobs were tried. */
export interface RetrievalUnderFaults {
  down: string[];
  tried: number;
}

/**
 * Retrieves every included blob of `source` with validators paused (confirmed) and records
 * the attempts; the validators are resumed whatever happens.
 *
 * @example
 * await verifyRetrieval(cluster, da);
 * await expect(cluster).toMakeAvailable(da);
 */
export async function verifyRetrieval(
  cluster: StartedCluster,
  source: { published(): readonly BlobRecord[] },
  opts: VerifyRetrievalOptions = {},
): Promise<RetrievalUnderFaults> {
  requireFacet(cluster, 'verifyRetrieval', 'da');
  cluster.requireCapabilities('pause', 'resume');
  const tolerance = cluster.facts.da?.tolerance ?? 0;
  const count = opts.down ?? tolerance;
  if (!Number.isInteger(count) || count < 0 || count >= cluster.validators.length) {
    throw new ConfigError('verifyRetrieval options', [
      {
        path: 'verifyRetrieval.down',
        value: count,
        allowed: `an integer 0..${cluster.validators.length - 1}`,
      },
    ]);
  }
  const rng = cluster.rng.fork('verify-retrieval');
  // A retrieval the observer has in flight is recorded only when it answers, and the node
  // that serves it keeps a rebuilt copy: let those land before choosing who goes down.
  await cluster.observer.refresh();
  const blobs = source.published().filter((b) => b.includedAt !== undefined);
  const ids = blobs.map((b) => b.id);
  // Validators that already rebuilt these blobs may answer from their copy; they go down
  // first, so what comes back is rebuilt from the others' chunks (ties: seeded order).
  const served = new Map<string, number>();
  for (const b of blobs)
    for (const r of b.retrievals ?? []) if (r.ok) served.set(r.node, (served.get(r.node) ?? 0) + 1);
  const down = rng
    .shuffle([...cluster.validators])
    .sort((a, b) => (served.get(b.name) ?? 0) - (served.get(a.name) ?? 0))
    .slice(0, count);
  const paused: typeof down = [];
  try {
    // Each pause is confirmed on its own node, so they can wait for their confirmations together.
    const pauses = await Promise.allSettled(
      down.map(async (v) => {
        await v.pause();
        paused.push(v);
      }),
    );
    const failed = pauses.find((p) => p.status === 'rejected');
    if (failed) throw failed.reason;
    const up = cluster.nodes.filter((n) => !down.includes(n));
    await probeBlobs(cluster.recording, up, ids, {
      retrieve: true,
      down: down.map((v) => v.name),
      timeoutMs: opts.timeoutMs ?? 10_000,
    });
  } finally {
    await Promise.all(paused.map((v) => v.resume()));
  }
  return { down: down.map((v) => v.name), tried: ids.length };
}
