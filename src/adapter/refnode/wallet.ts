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
import { AdapterError } from '../../support/errors.ts';
import type { PreparedTx, SignedBlob, TransferRequest, Wallet } from '../types.ts';

/** Secret keys by wallet, so the forger can sign with another wallet's key without exposing it. */
const secretKeys = new WeakMap<Wallet, string>();
/** Signers by secret key: building the KeyObject costs more than signing. */
const forgeSigners = new Map<string, (tx: UnsignedTx) => RefnodeSignedTx>();

/** The secret key of a refnode wallet of this process (the forger signs foreign signatures with it). */
export function secretKeyOf(wallet: Wallet): string | undefined {
  return secretKeys.get(wallet);
}

/** A cached signer for a secret key. */
export function signerOf(secretKey: string): (tx: UnsignedTx) => RefnodeSignedTx {
  let s = forgeSigners.get(secretKey);
  if (s === undefined) {
    s = createTxSigner(secretKey);
    forgeSigners.set(secretKey, s);
  }
  return s;
}

/** refnode's JSON carries amounts as numbers: only safe integers survive the trip. */
export function wireAmount(field: string, x: bigint): number {
  if (x < 0n || x > BigInt(Number.MAX_SAFE_INTEGER))
    throw new AdapterError('refnode', `${field} ${x} is outside what refnode's JSON carries (0..2^53-1)`);
  return Number(x);
}

/** A refnode wallet; `transfer` signs offline (the id is known before submission), it does not submit. */
export class RefnodeWallet implements Wallet {
  readonly index: number;
  readonly address: string;
  readonly balance: bigint;
  readonly #chainId: string;
  readonly #defaultFee: bigint;
  readonly #secretKey: string;
  #sign: ((tx: UnsignedTx) => RefnodeSignedTx) | undefined;
  #signBlob: ReturnType<typeof createBlobSigner> | undefined;

  constructor(
    chainId: string,
    w: { index: number; address: string; secretKey: string; balance: number },
    defaultFee: bigint,
  ) {
    this.index = w.index;
    this.address = w.address;
    this.balance = BigInt(w.balance);
    this.#chainId = chainId;
    this.#defaultFee = defaultFee;
    this.#secretKey = w.secretKey;
    secretKeys.set(this, w.secretKey);
  }

  async transfer(req: TransferRequest): Promise<PreparedTx> {
    return this.transferSync(req);
  }

  /** `transfer` without the promise (offline signing needs none; benches sign in tight loops). */
  transferSync(req: TransferRequest): PreparedTx {
    if (req.nonce === undefined) throw new AdapterError('refnode', 'a refnode transfer needs a nonce');
    if (req.fee !== undefined && !('flat' in req.fee))
      throw new AdapterError('refnode', 'refnode fees are flat per tx, not per byte');
    const fee = req.fee?.flat ?? this.#defaultFee;
    this.#sign ??= createTxSigner(this.#secretKey);
    const unsigned: UnsignedTx = {
      chainId: this.#chainId,
      from: this.address,
      to: req.to,
      amount: wireAmount('amount', req.amount),
      fee: wireAmount('fee', fee),
      nonce: req.nonce,
    };
    const payload = this.#sign(unsigned);
    return {
      id: txId(unsigned),
      payload,
      summary: { from: this.address, to: req.to, amount: req.amount, fee, nonce: req.nonce },
    };
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

  /** Hides the secret key from `console.log` / snapshots. */
  toJSON(): { index: number; address: string; balance: string } {
    return { index: this.index, address: this.address, balance: String(this.balance) };
  }
}
