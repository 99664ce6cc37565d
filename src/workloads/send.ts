/**
 * Sending one prepared tx by hand and recording it, so matchers (`toRejectWith`,
 * `toNeverInclude`, `toIncludeAll`) can judge it like a workload's txs.
 */
import type { PreparedTx, SubmitResult } from '../adapter/types.ts';
import type { NodeRef, StartedCluster } from '../cluster/types.ts';
import type { TxRecord } from '../observe/recording.ts';

/** Options of {@link sendTx}. */
export interface SendTxOptions {
  /** Node to submit to. Default: the first validator. */
  node?: NodeRef;
  /** Workload name in the recording. Default `manual`. */
  workload?: string;
}

/**
 * Submits `tx` to one node and records it (`manual` by default) under the id the node
 * answered (a refusal keeps the id the wallet knew); a refusal is a value.
 *
 * @example
 * const tx = await cluster.wallets[0]!.transfer({ to: cluster.wallets[1]!.address, amount: 5n, nonce: 0 });
 * await sendTx(cluster, tx, { node: 'val-1' });
 * await expect(cluster).toRejectWith(tx, 'bad_nonce');
 */
export async function sendTx(
  cluster: StartedCluster,
  tx: PreparedTx,
  opts: SendTxOptions = {},
): Promise<SubmitResult> {
  const node = cluster.node(opts.node ?? cluster.validators[0] ?? cluster.nodes[0]!);
  const rec = cluster.recording;
  const base = {
    ...tx.summary,
    workload: opts.workload ?? 'manual',
    node: node.name,
    submittedAt: rec.now(),
  };
  const unknownId = `${base.workload}@${base.submittedAt}`;
  let result: SubmitResult;
  try {
    result = await node.client.submitTx(tx);
  } catch (error) {
    rec.recordTx({
      ...base,
      id: tx.id ?? unknownId,
      outcome: 'failed',
      reason: (error as Error).message.split('\n', 1)[0]!,
    });
    throw error;
  }
  const record: TxRecord = result.ok
    ? { ...base, id: result.id, outcome: 'accepted' }
    : { ...base, id: tx.id ?? unknownId, outcome: 'rejected', reason: result.code };
  rec.recordTx(record);
  return result;
}
