/**
 * A user's wallet inside a litecoind node's wallet RPC. The daemon holds the keys, picks
 * the coins and signs when a transfer is submitted, so a transfer is async and its id is
 * the txid the node answers with. Fees are a rate per vbyte.
 */
import { z } from 'zod';
import { formatLtc } from './amount.ts';
import type { LitecoindClient, SubmitOutcome } from './client.ts';
import { classifyRefusal, isRefusalCode } from './reject-reasons.ts';
import { LitecoinRpcError, type RpcCallOptions } from './rpc.ts';
import { amountSchema, hashSchema } from './rpc-json.ts';

/** Default fee rate of transfers: 2 litoshis per vbyte (twice the default minimum relay fee). */
export const DEFAULT_FEE_RATE = 2n;

/** Options of {@link LitecoindWallet.transfer}. */
export interface TransferOptions {
  /** Litoshis per vbyte. Default {@link DEFAULT_FEE_RATE}. */
  feeRate?: bigint;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Balances of a wallet, litoshis. */
export interface WalletBalances {
  /** Spendable: confirmed, plus unconfirmed change of its own txs. */
  trusted: bigint;
  /** Unconfirmed receipts from others. */
  pending: bigint;
  /** Coinbases not yet mature. */
  immature: bigint;
}

/** An unspent output of a wallet. */
export interface WalletUtxo {
  txid: string;
  vout: number;
  /** Litoshis. */
  amount: bigint;
  address: string;
  scriptPubKey: string;
  confirmations: number;
}

// JSON-RPC codes of wallet loading (src/rpc/protocol.h).
const RPC_WALLET_ERROR = -4;
const RPC_WALLET_ALREADY_LOADED = -35;

const balancesSchema = z.object({
  mine: z.object({ trusted: amountSchema, untrusted_pending: amountSchema, immature: amountSchema }),
});

const utxoSchema = z.object({
  txid: hashSchema,
  vout: z.number().int(),
  amount: amountSchema,
  address: z.string(),
  scriptPubKey: z.string(),
  confirmations: z.number().int(),
});

const signedSchema = z.object({ hex: z.string(), complete: z.boolean() });

/** Where a wallet lives: its node's name and client, and its name in the node's wallet RPC. */
export interface WalletLocation {
  node: string;
  client: LitecoindClient;
  name: string;
}

/**
 * Opens the wallet `name` on the node: nothing to do when it is loaded, loaded when it is
 * on disk, created otherwise. It is loaded again when the node restarts (`load_on_startup`).
 */
export async function openWallet(
  client: LitecoindClient,
  name: string,
  opts?: RpcCallOptions,
): Promise<void> {
  const loaded = await client.rpc.typed('listwallets', [], z.array(z.string()), opts);
  if (loaded.includes(name)) return;
  try {
    await client.rpc.call('createwallet', { wallet_name: name, load_on_startup: true }, opts);
    return;
  } catch (error) {
    // -4 "Wallet … already exists": it is on disk, load it below
    if (!LitecoinRpcError.hasCode(error, RPC_WALLET_ERROR)) throw error;
  }
  try {
    await client.rpc.call('loadwallet', { filename: name, load_on_startup: true }, opts);
  } catch (error) {
    // loaded meanwhile by a concurrent caller
    if (!LitecoinRpcError.hasCode(error, RPC_WALLET_ALREADY_LOADED)) throw error;
  }
}

/**
 * A wallet in a node's wallet RPC.
 *
 * @example
 * const id = await wallet.transfer(other.address, 1_000_000n, { feeRate: 2n });
 */
export class LitecoindWallet {
  /** Position among the cluster's funded wallets (-1 for the funder that pays them). */
  readonly index: number;
  /** Node that holds the wallet. */
  readonly node: string;
  /** Wallet name in the node's wallet RPC. */
  readonly name: string;
  /** The wallet's receive address (bech32). */
  readonly address: string;
  readonly client: LitecoindClient;

  constructor(index: number, location: WalletLocation, address: string) {
    this.index = index;
    this.node = location.node;
    this.name = location.name;
    this.client = location.client;
    this.address = address;
  }

  /** Opens (creates or loads) the wallet and takes a receive address. */
  static async open(
    index: number,
    location: WalletLocation,
    opts?: RpcCallOptions,
  ): Promise<LitecoindWallet> {
    await openWallet(location.client, location.name, opts);
    const address = await location.client.rpc.typed('getnewaddress', [], z.string(), {
      ...opts,
      wallet: location.name,
    });
    return new LitecoindWallet(index, location, address);
  }

  #call(opts?: { signal?: AbortSignal; timeoutMs?: number }): RpcCallOptions {
    return { ...opts, wallet: this.name };
  }

  /**
   * Sends `amount` litoshis to `to`: the daemon picks coins, signs and broadcasts. The id
   * is the node's txid. A refusal (insufficient funds, fee below the minimum, a chain the
   * mempool will not take) is a value; a failed call throws `LitecoinRpcError`.
   */
  async transfer(to: string, amount: bigint, opts: TransferOptions = {}): Promise<SubmitOutcome> {
    const call = this.#call(opts);
    let id: string;
    try {
      id = await this.client.rpc.typed(
        'sendtoaddress',
        {
          address: to,
          amount: formatLtc(amount),
          fee_rate: String(opts.feeRate ?? DEFAULT_FEE_RATE),
        },
        hashSchema,
        call,
      );
    } catch (error) {
      if (!LitecoinRpcError.isRpc(error) || !isRefusalCode(error.rpcCode)) throw error;
      const refusal = classifyRefusal(error.rpcMessage ?? '');
      return { ok: false, reason: refusal.reason, code: refusal.code, message: refusal.message };
    }
    return this.#confirmBroadcast(id, call);
  }

  /**
   * litecoind's wallet records a tx it signed even when its mempool refuses it, and still
   * answers with the txid. A transfer counts only once the node's mempool holds it; one
   * that is not there is abandoned (its coins freed) and reported as refused.
   */
  async #confirmBroadcast(id: string, call: RpcCallOptions): Promise<SubmitOutcome> {
    const status = await this.client.txStatus(id, call);
    if (status.status !== 'unknown') return { ok: true, id };
    await this.client.rpc.call('abandontransaction', [id], call).catch(() => {});
    return {
      ok: false,
      reason: 'unknown',
      code: 'not-broadcast',
      message: `the wallet signed ${id} but the node's mempool did not take it (see the node log)`,
    };
  }

  /** Balances (spendable, pending, immature). */
  async balances(opts?: { signal?: AbortSignal; timeoutMs?: number }): Promise<WalletBalances> {
    const b = await this.client.rpc.typed('getbalances', [], balancesSchema, this.#call(opts));
    return { trusted: b.mine.trusted, pending: b.mine.untrusted_pending, immature: b.mine.immature };
  }

  /** Unspent outputs with at least `minConf` confirmations (default 1). */
  async unspent(minConf = 1, opts?: { signal?: AbortSignal; timeoutMs?: number }): Promise<WalletUtxo[]> {
    return this.client.rpc.typed('listunspent', [minConf], z.array(utxoSchema), this.#call(opts));
  }

  /** A fresh address of this wallet. */
  newAddress(opts?: { signal?: AbortSignal; timeoutMs?: number }): Promise<string> {
    return this.client.rpc.typed('getnewaddress', [], z.string(), this.#call(opts));
  }

  /** Signs a raw tx's inputs that this wallet owns; the hex even when some input stays unsigned. */
  async sign(
    hex: string,
    opts?: { signal?: AbortSignal; timeoutMs?: number },
  ): Promise<{ hex: string; complete: boolean }> {
    return this.client.rpc.typed('signrawtransactionwithwallet', [hex], signedSchema, this.#call(opts));
  }
}
