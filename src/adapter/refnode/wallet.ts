/**
 * refnode wallets: sign transfers offline through refnode's own codec, so what chainlab
 * signs is exactly what the node verifies. The signer (KeyObject) is built on first use.
 */
import {
  createTxSigner,
  type SignedTx as RefnodeSignedTx,
  txId,
  type UnsignedTx,
} from '../../../refnode/src/codec.ts';
import {
  blobId,
  createBlobSigner,
  dataHash,
  type SignedBlob as RefnodeSignedBlob,
} from '../../../refnode/src/da/blob.ts';
import type { ForgeSpec, SignedBlob, SignedTx, Wallet } from '../types.ts';

/** Secret keys by wallet, so `forge` can sign with another wallet's key without exposing it. */
const secretKeys = new WeakMap<Wallet, string>();
/** Signers by secret key: building the KeyObject costs more than signing. */
const forgeSigners = new Map<string, (tx: UnsignedTx) => RefnodeSignedTx>();

function signerOf(secretKey: string): (tx: UnsignedTx) => RefnodeSignedTx {
  let s = forgeSigners.get(secretKey);
  if (s === undefined) {
    s = createTxSigner(secretKey);
    forgeSigners.set(secretKey, s);
  }
  return s;
}

/** A refnode wallet; `transfer` signs, it does not submit. */
export class RefnodeWallet implements Wallet {
  readonly index: number;
  readonly address: string;
  readonly balance: number;
  readonly #chainId: string;
  readonly #secretKey: string;
  #sign: ((tx: UnsignedTx) => RefnodeSignedTx) | undefined;
  #signBlob: ReturnType<typeof createBlobSigner> | undefined;

  constructor(chainId: string, w: { index: number; address: string; secretKey: string; balance: number }) {
    this.index = w.index;
    this.address = w.address;
    this.balance = w.balance;
    this.#chainId = chainId;
    this.#secretKey = w.secretKey;
    secretKeys.set(this, w.secretKey);
  }

  transfer(to: string, amount: number, fee: number, nonce: number): SignedTx {
    this.#sign ??= createTxSigner(this.#secretKey);
    const unsigned: UnsignedTx = { chainId: this.#chainId, from: this.address, to, amount, fee, nonce };
    const payload = this.#sign(unsigned);
    return { id: txId(unsigned), payload };
  }

  /** Signs a blob on `channel` at `sequence`, this wallet owning the channel; does not publish it. */
  blob(channel: string, sequence: number, data: Uint8Array): SignedBlob {
    this.#signBlob ??= createBlobSigner(this.#secretKey);
    const payload: RefnodeSignedBlob = this.#signBlob({
      chainId: this.#chainId,
      channel,
      owner: this.address,
      sequence,
      data,
    });
    const hash = dataHash(data);
    return {
      id: blobId({ chainId: this.#chainId, channel, owner: this.address, sequence, dataHash: hash }),
      channel,
      owner: this.address,
      sequence,
      size: data.length,
      dataHash: hash,
      payload,
    };
  }

  /** Builds an invalid transfer for fuzzing; see {@link ForgeSpec}. */
  forge(spec: ForgeSpec): SignedTx {
    const unsigned: UnsignedTx = {
      chainId: spec.chainId ?? this.#chainId,
      from: this.address,
      to: spec.to,
      amount: spec.amount,
      fee: spec.fee,
      nonce: spec.nonce,
    };
    let key = this.#secretKey;
    if (spec.signature === 'foreign') {
      const other = spec.foreignKeyOf === undefined ? undefined : secretKeys.get(spec.foreignKeyOf);
      if (other === undefined || other === this.#secretKey) {
        throw new TypeError(
          'forge: a foreign signature needs foreignKeyOf, another refnode wallet of this chain',
        );
      }
      key = other;
    }
    const signed: Record<string, unknown> = { ...signerOf(key)(unsigned) };
    if (spec.signature === 'corrupt') {
      // Flip the lowest bit of the first signature byte: still 128 hex chars, no longer valid.
      const sig = signed.sig as string;
      signed.sig = (Number.parseInt(sig.slice(0, 2), 16) ^ 1).toString(16).padStart(2, '0') + sig.slice(2);
    }
    if (spec.padToBytes !== undefined) {
      const size = JSON.stringify(signed).length;
      // `"memo":""` plus its comma costs 10 bytes.
      signed.memo = 'x'.repeat(Math.max(0, spec.padToBytes - size - 10));
    }
    return { id: txId(unsigned), payload: signed };
  }

  /** Hides the secret key from `console.log` / snapshots. */
  toJSON(): { index: number; address: string; balance: number } {
    return { index: this.index, address: this.address, balance: this.balance };
  }
}
