/**
 * A batch of transfers planned up front (for workloads that must have every tx ready before
 * sending: divergence, propagation): round-robin over the senders so each wallet's nonces
 * stay close together, random recipients and amounts from the workload's seeded stream.
 */
import type { PreparedTx, Wallet } from '../adapter/types.ts';
import type { StartedCluster } from '../cluster/types.ts';
import type { Rng } from '../support/rng.ts';
import type { NonceBook } from './nonces.ts';

/** What a batch is made of. */
export interface BatchPlan {
  cluster: StartedCluster;
  /** Wallets that send, in turn. */
  senders: readonly Wallet[];
  count: number;
  rng: Rng;
  /** The cluster's nonce book on account chains (undefined: the wallet picks its inputs). */
  nonces: NonceBook | undefined;
  /** Flat fee; default the chain's. */
  fee: bigint | undefined;
}

/**
 * Prepares `count` transfers (amount 1..1000 each, never to the sender itself).
 *
 * @example
 * const txs = await planBatch({ cluster, senders: cluster.wallets.slice(0, 4), count: 100, rng, nonces, fee: undefined });
 */
export function planBatch(p: BatchPlan): Promise<PreparedTx[]> {
  const all = p.cluster.wallets;
  const out: Promise<PreparedTx>[] = [];
  for (let i = 0; i < p.count; i++) {
    const wallet = p.senders[i % p.senders.length]!;
    let to = p.rng.pick(all).address;
    if (to === wallet.address) to = all[(wallet.index + 1) % all.length]!.address;
    const amount = BigInt(p.rng.int(1, 1000));
    const nonce = p.nonces?.take(wallet.address);
    out.push(
      wallet.transfer({
        to,
        amount,
        ...(p.fee === undefined ? {} : { fee: { flat: p.fee } }),
        ...(nonce === undefined ? {} : { nonce }),
      }),
    );
  }
  return Promise.all(out);
}
