/**
 * What became of txs published by gossip: nobody answered their publication, so each node
 * they went to is asked (`txStatus`) and its answer is stored with the tx
 * (`Recording.setGossipTxStatus`), for `toRejectWith` to judge.
 */
import type { ChainClient } from '../adapter/types.ts';
import type { GossipTxRecord, Recording } from './recording.ts';

/** A node the probe may ask. */
export interface GossipProbeNode {
  name: string;
  client: ChainClient;
}

/** Options of {@link probeGossipTxs}. */
export interface GossipProbeOptions {
  /** Requests in flight per node. Default 16. */
  concurrency?: number;
  /** Timeout of each request (ms). Default 3000. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** An answer that no later question changes: the node refused it, or it is in a block. */
function settled(r: GossipTxRecord, node: string): boolean {
  const s = r.statuses[node]?.status;
  return s === 'rejected' || s === 'included';
}

/**
 * Asks every target node of every recorded gossiped tx whose answer may still change
 * (`unknown`, `pending`, not asked yet) and stores the answers. A node that fails to answer
 * keeps its previous answer; the failure is recorded once per probe as a node event.
 *
 * @example
 * await probeGossipTxs(recording, cluster.nodes.map((n) => ({ name: n.name, client: n.client })));
 */
export async function probeGossipTxs(
  rec: Recording,
  nodes: readonly GossipProbeNode[],
  opts: GossipProbeOptions = {},
): Promise<void> {
  const concurrency = opts.concurrency ?? 16;
  const timeoutMs = opts.timeoutMs ?? 3000;
  await Promise.all(
    nodes.map(async (node) => {
      const due = [...rec.gossipTxs.values()].filter(
        (r) => r.targets.includes(node.name) && !settled(r, node.name),
      );
      let failure: string | undefined;
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < due.length && !opts.signal?.aborted) {
          const r = due[next++]!;
          try {
            const s = await node.client.txStatus(r.id, {
              timeoutMs,
              ...(opts.signal ? { signal: opts.signal } : {}),
            });
            rec.setGossipTxStatus(r.id, node.name, {
              at: rec.now(),
              status: s.status,
              ...(s.reason === undefined ? {} : { reason: s.reason }),
            });
          } catch (error) {
            failure ??= (error as Error).message.split('\n', 1)[0];
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, due.length) }, worker));
      if (failure !== undefined && !opts.signal?.aborted)
        rec.nodeEvent(node.name, 'gossip-probe-failed', failure);
    }),
  );
}
