/**
 * Nonces per wallet, shared by every workload on one cluster so two workloads (or two
 * tests of a file-scoped cluster) never reuse a nonce. A nonce whose tx was refused for a
 * reason that did not consume it is handed out again first, so a wallet's sequence has no
 * gaps that would block its later txs.
 */

import type { Wallet } from '../adapter/types.ts';
import type { StartedCluster } from '../cluster/types.ts';

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
