/**
 * Sending one signed tx by hand and recording it, so matchers (`toRejectWith`,
 * `toNeverInclude`, `toIncludeAll`) can judge it like a workload's txs.
 */
import type { SignedTx, SubmitResult } from '../adapter/types.ts';
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
 * Submits `tx` to one node and records it (`manual` by default); a refusal is a value.
 *
 * @example
 * const tx = cluster.wallets[0]!.transfer(cluster.wallets[1]!.address, 5, 1, 0);
 * await sendTx(cluster, tx, { node: 'val-1' });
 * await expect(cluster).toRejectWith(tx, 'bad_nonce');
 */
export async function sendTx(
  cluster: StartedCluster,
  tx: SignedTx,
  opts: SendTxOptions = {},
): Promise<SubmitResult> {
  const node = cluster.node(opts.node ?? cluster.validators[0] ?? cluster.nodes[0]!);
  const rec = cluster.recording;
  const submittedAt = rec.now();
  // The body is opaque to chainlab; transfers of account chains carry these fields.
  const p = (typeof tx.payload === 'object' && tx.payload !== null ? tx.payload : {}) as Record<
    string,
    unknown
  >;
  const num = (x: unknown): number => (typeof x === 'number' ? x : Number.NaN);
  const base = {
    id: tx.id,
    from: String(p.from ?? ''),
    to: String(p.to ?? ''),
    amount: num(p.amount),
    fee: num(p.fee),
    nonce: num(p.nonce),
    workload: opts.workload ?? 'manual',
    node: node.name,
    submittedAt,
  };
  let result: SubmitResult;
  try {
    result = await node.client.submitTx(tx);
  } catch (error) {
    rec.recordTx({ ...base, outcome: 'failed', reason: (error as Error).message.split('\n', 1)[0]! });
    throw error;
  }
  const record: TxRecord = result.ok
    ? { ...base, outcome: 'accepted' }
    : { ...base, outcome: 'rejected', reason: result.code };
  rec.recordTx(record);
  return result;
}
