/**
 * refnode wallets: sign transfers offline through refnode's own codec, so what chainlab
 * signs is exactly what the node verifies. The signer (KeyObject) is built on first use.
 */
import { createTxSigner, type SignedTx as RefnodeSignedTx, txId, type UnsignedTx } from '../../../refnode/src/codec.ts';
import type { SignedTx, Wallet } from '../types.ts';

/** A refnode wallet; `transfer` signs, it does not submit. */
export class RefnodeWallet implements Wallet {
  readonly index: number;
  readonly address: string;
  readonly balance: number;
  readonly #chainId: string;
  readonly #secretKey: string;
  #sign: ((tx: UnsignedTx) => RefnodeSignedTx) | undefined;

  constructor(chainId: string, w: { index: number; address: string; secretKey: string; balance: number }) {
    this.index = w.index;
    this.address = w.address;
    this.balance = w.balance;
    this.#chainId = chainId;
    this.#secretKey = w.secretKey;
  }

  transfer(to: string, amount: number, fee: number, nonce: number): SignedTx {
    this.#sign ??= createTxSigner(this.#secretKey);
    const unsigned: UnsignedTx = { chainId: this.#chainId, from: this.address, to, amount, fee, nonce };
    const payload = this.#sign(unsigned);
    return { id: txId(unsigned), payload };
  }

  /** Hides the secret key from `console.log` / snapshots. */
  toJSON(): { index: number; address: string; balance: number } {
    return { index: this.index, address: this.address, balance: this.balance };
  }
}
