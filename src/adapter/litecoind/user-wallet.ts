/**
 * A funded user as chainlab's workloads see it (`Wallet`): a wallet in the wallet RPC of
 * its home node. `transfer` only describes the payment; the home node's wallet picks the
 * coins, adds change, and signs when the tx is submitted (`signTransfer`), and the signed
 * tx goes to whichever node the workload targets. The id chainlab records is the txid
 * that node answers with.
 *
 * The coins a signed tx spends are locked in the home wallet from the moment it is signed,
 * so a transfer signed next (before the first reaches the home node's mempool, or when it
 * went to another node) never picks them again; a refused tx unlocks them.
 */
import { z } from 'zod';
import { AdapterError } from '../../support/errors.ts';
import type { FeeSpec, PreparedTx, RequestOptions, TransferRequest, Wallet } from '../types.ts';
import { formatLtc } from './amount.ts';
import type { LitecoindClient } from './client.ts';
import { decodeTx, txidOf } from './raw-tx.ts';
import { type CanonicalReason, classifyRefusal, isRefusalCode } from './reject-reasons.ts';
import { LitecoinRpcError } from './rpc.ts';

/** A payment a user wallet signs at submission, and what it became once signed. */
export interface LitecoindTransfer {
  kind: 'transfer';
  wallet: LitecoindUserWallet;
  to: string;
  amount: bigint;
  /** Litoshis per vbyte. */
  feeRate: bigint;
  /** Set by the first submission, so a retry on another node sends the very same tx. */
  signed?: SignedTransfer;
}

/** A serialized tx submitted as is (forged txs, a re-sent tx). */
export interface LitecoindRawTx {
  kind: 'raw';
  hex: string;
}

/** What a litecoind `PreparedTx` carries. */
export type LitecoindPayload = LitecoindTransfer | LitecoindRawTx;

/** A transfer signed by its home wallet. */
export interface SignedTransfer {
  hex: string;
  txid: string;
  /** The coins it spends (locked in the home wallet). */
  inputs: { txid: string; vout: number }[];
}

/** The outcome of signing: the signed tx, or the wallet's refusal (e.g. insufficient funds). */
export type SignOutcome =
  | ({ ok: true } & SignedTransfer)
  | { ok: false; reason: CanonicalReason; code: string; message: string };

const fundedSchema = z.object({ hex: z.string() });
const signedSchema = z.object({ hex: z.string(), complete: z.boolean() });

/** True when `payload` is one of the litecoind adapter's payloads. */
export function isLitecoindPayload(payload: unknown): payload is LitecoindPayload {
  const kind = (payload as { kind?: unknown } | null)?.kind;
  return kind === 'transfer' || kind === 'raw';
}

/**
 * A user wallet on its home node. `home()` gives the home node's current client, so a
 * wallet keeps working when its node's client is replaced.
 *
 * @example
 * const tx = await wallet.transfer({ to: other.address, amount: 1_000_000n, fee: { perVbyte: 2n } });
 * const result = await cluster.client('val-1').submitTx(tx); // signed on the home node, sent to val-1
 */
export class LitecoindUserWallet implements Wallet {
  readonly index: number;
  /** The receive address other wallets pay to. */
  readonly address: string;
  /** Balance when the funding step finished, litoshis. */
  readonly balance: bigint;
  /** Name of the home node (`val-0`, …). */
  readonly node: string;
  /** Name of the wallet in the home node's wallet RPC (`user-<index>`). */
  readonly name: string;
  readonly #home: () => LitecoindClient;
  readonly #defaultFeeRate: bigint;

  constructor(
    init: { index: number; address: string; balance: bigint; node: string; name: string },
    home: () => LitecoindClient,
    defaultFeeRate: bigint,
  ) {
    this.index = init.index;
    this.address = init.address;
    this.balance = init.balance;
    this.node = init.node;
    this.name = init.name;
    this.#home = home;
    this.#defaultFeeRate = defaultFeeRate;
  }

  /** The home node's client (current). */
  get client(): LitecoindClient {
    return this.#home();
  }

  /** Describes a payment; nothing is signed or sent until it is submitted. */
  async transfer(req: TransferRequest): Promise<PreparedTx> {
    return {
      payload: {
        kind: 'transfer',
        wallet: this,
        to: req.to,
        amount: req.amount,
        feeRate: feeRateOf(req.fee, this.#defaultFeeRate),
      } satisfies LitecoindTransfer,
      summary: { from: this.address, to: req.to, amount: req.amount },
    };
  }

  /**
   * Builds and signs a payment in the home wallet: the wallet picks coins (its own
   * unconfirmed change included), adds change, pays `feeRate` litoshis per vbyte and locks
   * the coins it spent. A refusal (insufficient funds, a fee rate it will not pay) is a
   * value; a failed call throws `LitecoinRpcError`.
   */
  async signTransfer(
    to: string,
    amount: bigint,
    feeRate: bigint,
    opts: RequestOptions = {},
  ): Promise<SignOutcome> {
    const call = { ...opts, wallet: this.name };
    const rpc = this.#home().rpc;
    let funded: string;
    try {
      const unsigned = await rpc.typed(
        'createrawtransaction',
        [[], { [to]: formatLtc(amount) }],
        z.string(),
        call,
      );
      funded = (
        await rpc.typed(
          'fundrawtransaction',
          [unsigned, { fee_rate: String(feeRate), lockUnspents: true }],
          fundedSchema,
          call,
        )
      ).hex;
    } catch (error) {
      if (!LitecoinRpcError.isRpc(error) || !isRefusalCode(error.rpcCode)) throw error;
      const r = classifyRefusal(error.rpcMessage ?? '');
      return { ok: false, reason: r.reason, code: r.code, message: r.message };
    }
    const tx = decodeTx(funded);
    const inputs = tx.inputs.map((i) => ({ txid: i.txid, vout: i.vout }));
    let signed: z.output<typeof signedSchema>;
    try {
      signed = await rpc.typed('signrawtransactionwithwallet', [funded], signedSchema, call);
    } catch (error) {
      await this.release(inputs);
      throw error;
    }
    if (!signed.complete) {
      await this.release(inputs);
      throw new AdapterError('litecoind', `wallet ${this.name} on ${this.node} could not sign every input`);
    }
    return { ok: true, hex: signed.hex, txid: txidOf(decodeTx(signed.hex)), inputs };
  }

  /** Unlocks coins of a tx no node took, so later transfers may spend them. Never throws. */
  async release(inputs: readonly { txid: string; vout: number }[]): Promise<void> {
    if (inputs.length === 0) return;
    await this.#home()
      .rpc.call('lockunspent', [true, inputs], { wallet: this.name, timeoutMs: 5000 })
      .catch(() => {});
  }

  /** Hides the client from `console.log` / snapshots. */
  toJSON(): { index: number; address: string; balance: string; node: string } {
    return { index: this.index, address: this.address, balance: String(this.balance), node: this.node };
  }
}

/** The fee rate of a transfer: litecoind pays per vbyte; a flat fee is refused loudly. */
function feeRateOf(fee: FeeSpec | undefined, fallback: bigint): bigint {
  if (fee === undefined) return fallback;
  if ('perVbyte' in fee) return fee.perVbyte;
  throw new AdapterError(
    'litecoind',
    `litecoind fees are a rate per vbyte ({ perVbyte }), not a flat fee per tx (got { flat: ${fee.flat} })`,
  );
}
