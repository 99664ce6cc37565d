/**
 * Nonces per wallet, shared by every workload on one cluster so two workloads (or two
 * tests of a file-scoped cluster) never reuse a nonce. A nonce whose tx was refused for a
 * reason that did not consume it is handed out again first, so a wallet's sequence has no
 * gaps that would block its later txs.
 */

import { hasFacet } from '../adapter/facets.ts';
import type { Wallet } from '../adapter/types.ts';
import type { StartedCluster, StartedNode } from '../cluster/types.ts';

export class NonceBook {
  readonly #next = new Map<string, number>();
  readonly #free = new Map<string, number[]>();
  readonly #init = new Map<string, Promise<void>>();

  /** Learns a wallet's account nonce once (from the node), before its first tx. */
  async ensure(wallet: Wallet, fetchNonce: () => Promise<number>): Promise<void> {
    if (this.#next.has(wallet.address)) return;
    let p = this.#init.get(wallet.address);
    if (!p) {
      p = fetchNonce().then(
        (n) => void (this.#next.has(wallet.address) || this.#next.set(wallet.address, n)),
        () => void (this.#next.has(wallet.address) || this.#next.set(wallet.address, 0)),
      );
      this.#init.set(wallet.address, p);
    }
    await p;
  }

  /** The next nonce to use for `address`. */
  take(address: string): number {
    const free = this.#free.get(address);
    if (free && free.length > 0) {
      free.sort((a, b) => a - b);
      return free.shift()!;
    }
    const n = this.#next.get(address) ?? 0;
    this.#next.set(address, n + 1);
    return n;
  }

  /** Gives back a nonce whose tx the chain did not take. */
  giveBack(address: string, nonce: number): void {
    const free = this.#free.get(address);
    if (free) free.push(nonce);
    else this.#free.set(address, [nonce]);
  }
}

const books = new WeakMap<StartedCluster, NonceBook>();

/** The nonce book of a cluster. */
export function nonceBook(cluster: StartedCluster): NonceBook {
  let book = books.get(cluster);
  if (!book) {
    book = new NonceBook();
    books.set(cluster, book);
  }
  return book;
}

/**
 * The cluster's nonce book with `wallets`' starting nonces learned from `node`, on chains
 * with accounts and nonces (facet `accounts`); undefined elsewhere (a UTXO wallet picks its
 * own inputs, so there is nothing to hand out).
 */
export async function walletNonces(
  cluster: StartedCluster,
  wallets: readonly Wallet[],
  node: StartedNode,
  _workload: string,
): Promise<NonceBook | undefined> {
  if (!hasFacet(cluster, 'accounts') || !node.client.account) return undefined;
  const book = nonceBook(cluster);
  const account = node.client.account.bind(node.client);
  await Promise.all(
    wallets.map((w) => book.ensure(w, async () => (await account(w.address, { timeoutMs: 3000 })).nonce)),
  );
  return book;
}
