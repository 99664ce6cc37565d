/**
 * The fuzz wallet every invalid-tx workload forges from (`invalidTxs` over the API,
 * `byzantinePeer` over gossip): a funded wallet whose account only ever gets one valid tx,
 * final on every target before fuzzing, so stale-nonce kinds have a used nonce and
 * `duplicate` has an included tx to resend.
 */
import { finalHeightOf, finalityDepth, requireFacet } from '../adapter/facets.ts';
import type { ChainFacts, Forger, PreparedTx, Wallet } from '../adapter/types.ts';
import type { StartedCluster, StartedNode } from '../cluster/types.ts';
import { systemClock } from '../support/clock.ts';
import { ConfigError, WorkloadError } from '../support/errors.ts';

/** A primed fuzz wallet and what a forged case needs besides it. */
export interface FuzzWallet {
  forger: Forger;
  wallet: Wallet;
  /** Another funded wallet (a recipient, a foreign key). */
  other: Wallet;
  /** The fuzz wallet's one included tx, and its id as the node answered. */
  primed: PreparedTx;
  primedId: string;
}

/** Where the fuzz wallet comes from, and how to name it in errors. */
export interface FuzzWalletOptions {
  /** Wallet index; default the last wallet of the cluster. */
  wallet: number | undefined;
  /** The node the priming tx goes to. */
  node: StartedNode;
  /**
   * Every node the fuzzed txs go to. The priming tx must be final on each before fuzzing:
   * where it is pending or on a losing branch, a stale-nonce tx is a replacement bid or a
   * valid tx, not a stale nonce.
   * Default: `[node]`.
   */
  targets?: readonly StartedNode[];
  /** Error subject and option path, e.g. `invalidTxs options` and `invalidTxs.wallet`. */
  subject: string;
  path: string;
}

/**
 * Waits until `id` sits in a block `node` holds final, per the chain's finality rule
 * ({@link finalHeightOf}). Final, not just included: a young chain still reorgs, and a node
 * whose branch lost the priming tx takes a stale-nonce tx as valid.
 */
async function waitFinal(
  node: StartedNode,
  id: string,
  facts: Pick<ChainFacts, 'finality'>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = systemClock.monotonic() + timeoutMs;
  while (systemClock.monotonic() < deadline) {
    try {
      const tx = await node.client.txStatus(id);
      if (
        tx.status === 'included' &&
        tx.height !== undefined &&
        finalHeightOf(facts, await node.client.info()) >= tx.height
      )
        return true;
    } catch {
      // The node may be busy; ask again.
    }
    await systemClock.sleep(100);
  }
  return false;
}

/** The cluster's forger; `CapabilityError` without the facet, `WorkloadError` when the adapter gives none. */
export function forgerOf(cluster: StartedCluster, name: string): Forger {
  requireFacet(cluster, name, 'forging');
  if (cluster.forger === undefined)
    throw new WorkloadError(
      name,
      `the ${cluster.facts.adapter} adapter declares forging but gives no forger`,
    );
  return cluster.forger;
}

/**
 * The cluster's forger (facet `forging`) and the fuzz wallet, primed: its one valid tx sent
 * to `node` and included there. Throws `CapabilityError` without the facet, `ConfigError`
 * for a bad wallet index, `WorkloadError` when the priming tx is refused or not included.
 *
 * @example
 * const fuzz = await primeFuzzWallet(cluster, 'invalid-txs', { wallet: undefined, node, subject: 'invalidTxs options', path: 'invalidTxs.wallet' });
 */
export async function primeFuzzWallet(
  cluster: StartedCluster,
  name: string,
  opts: FuzzWalletOptions,
): Promise<FuzzWallet> {
  const forger = forgerOf(cluster, name);
  const walletIndex = opts.wallet ?? cluster.wallets.length - 1;
  const wallet = cluster.wallets[walletIndex];
  const other = cluster.wallets.find((w) => w !== wallet);
  if (wallet === undefined || other === undefined) {
    throw new ConfigError(opts.subject, [
      {
        path: opts.path,
        value: opts.wallet ?? walletIndex,
        allowed: `a wallet index 0..${cluster.wallets.length - 1} of a cluster with ≥ 2 wallets`,
      },
    ]);
  }
  const primed = await forger.prime({ wallet, other, client: opts.node.client });
  const answer = await opts.node.client.submitTx(primed);
  if (!answer.ok && answer.code !== 'duplicate') {
    throw new WorkloadError(
      name,
      `priming the fuzz wallet ${walletIndex} failed: ${opts.node.name} answered ${answer.code} (${answer.message})`,
    );
  }
  const primedId = answer.ok ? answer.id : primed.id!;
  const timeoutMs = Math.max(
    15_000,
    (40 + finalityDepth(cluster.facts)) * cluster.facts.production.expectedIntervalMs,
  );
  const nodes = [...new Set([opts.node, ...(opts.targets ?? [])])];
  const missing = (
    await Promise.all(
      nodes.map(async (n) => ((await waitFinal(n, primedId, cluster.facts, timeoutMs)) ? [] : [n.name])),
    )
  ).flat();
  if (missing.length > 0) {
    throw new WorkloadError(
      name,
      `the priming tx ${primedId.slice(0, 8)}… of the fuzz wallet was not final within ${timeoutMs} ms on ${missing.join(', ')}`,
    );
  }
  return { forger, wallet, other, primed, primedId };
}
