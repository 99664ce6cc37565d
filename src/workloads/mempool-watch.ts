/**
 * Mempool watching for the mempool workloads: samples every node's `info()` and pending tx
 * ids on a short period and appends them to the recording as ordinary samples (with
 * `mempool.ids`), so propagation and convergence matchers can judge which node held which
 * tx when. The observer's own samples carry no ids: listing ids costs more than counting.
 */
import { facetClient, requireFacet } from '../adapter/facets.ts';
import type { StartedCluster, StartedNode } from '../cluster/types.ts';
import { systemClock } from '../support/clock.ts';

/** A running watcher; `stop()` is idempotent and waits for the sample in flight. */
export interface MempoolWatch {
  stop(): Promise<void>;
}

/**
 * Samples every node of `cluster` every `everyMs` ms (default 200) until stopped; with
 * `counters`, also the node's tx counters from its metrics (when the adapter has them).
 *
 * @example
 * const watch = watchMempools(cluster, 200);
 * // … send txs …
 * await watch.stop();
 */
export function watchMempools(
  cluster: StartedCluster,
  everyMs = 200,
  opts: { counters?: boolean } = {},
): MempoolWatch {
  requireFacet(cluster, 'a mempool watch', 'mempool');
  const ac = new AbortController();
  const rec = cluster.recording;
  // A loaded node answers slowly; a generous timeout keeps its samples instead of losing them.
  const req = { signal: ac.signal, timeoutMs: Math.max(3000, 4 * everyMs) };
  const sample = async (node: StartedNode): Promise<void> => {
    const askedAt = rec.now();
    try {
      // All three requests in one Promise.all: when one fails, the others' failures are still
      // handled (a request left unawaited would be an unhandled rejection once its node is gone).
      const [info, mempool, counters] = await Promise.all([
        node.client.info(req),
        facetClient(node.client, 'mempool', cluster.facts.adapter, 'a mempool watch').mempool({
          ...req,
          ids: true,
        }),
        opts.counters && node.client.txCounters ? node.client.txCounters(req) : undefined,
      ]);
      // The metrics' counters corroborate /mempool (evictions) and the blocks (included txs).
      if (counters !== undefined) mempool.counters = counters;
      if (!ac.signal.aborted)
        rec.addSample({ node: node.name, at: rec.now(), askedAt, ok: true, info, mempool });
    } catch (error) {
      // A node that does not answer is the observer's business (it records the failure);
      // a missing ids sample only means less evidence.
      if (!ac.signal.aborted)
        rec.nodeEvent(node.name, 'mempool-sample-failed', (error as Error).message.split('\n', 1)[0]);
    }
  };
  // One loop per node, so a slow node does not thin out the others' samples.
  const loops = cluster.nodes.map(async (node) => {
    while (!ac.signal.aborted) {
      const began = systemClock.monotonic();
      await sample(node);
      try {
        await systemClock.sleep(Math.max(10, everyMs - (systemClock.monotonic() - began)), ac.signal);
      } catch {
        break;
      }
    }
  });
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= (async () => {
        ac.abort();
        await Promise.all(loops);
      })();
      return stopped;
    },
  };
}
