/**
 * What chainlab reads from and sends to one litecoind node, typed: tip, blocks by height
 * range or hash, tx status, submission, mempool, node and peer info, the UTXO-set total,
 * mining and waiting for blocks. Amounts are `bigint` litoshis. Transport failures throw
 * `LitecoinRpcError`; a refused tx is a value with its canonical reason.
 */
import { z } from 'zod';
import { AdapterError } from '../../support/errors.ts';
import { decodeTx } from './raw-tx.ts';
import {
  type CanonicalReason,
  classifyRefusal,
  isRefusalCode,
  refineMissingInputs,
} from './reject-reasons.ts';
import {
  LitecoinRpc,
  LitecoinRpcError,
  type LitecoinRpcOptions,
  type RpcAuth,
  type RpcCallOptions,
  type RpcOutcome,
} from './rpc.ts';
import { amountSchema, hashSchema } from './rpc-json.ts';

/** Per-call options of the client (no wallet: wallet calls live in `LitecoindWallet`). */
export type RequestOptions = Omit<RpcCallOptions, 'wallet'>;

/** A node's best block. */
export interface LitecoinTip {
  height: number;
  hash: string;
}

/** A block as chainlab needs it. */
export interface LitecoinBlock {
  hash: string;
  /** Hash of the parent; 64 zeros for genesis. */
  parent: string;
  height: number;
  /** Header timestamp, epoch ms (the chain keeps seconds). */
  time: number;
  /** Tx ids in block order; the first is the coinbase. */
  txIds: string[];
  /** Serialized size in bytes. */
  size: number;
  weight: number;
}

/** Where a tx is, as one node knows it. litecoind does not remember refusals. */
export type LitecoinTxStatus =
  | { status: 'pending' }
  | { status: 'included'; height: number; blockHash: string; confirmations: number }
  | { status: 'unknown' };

/** Result of one submission: the node's txid, or a refusal with its canonical reason. */
export type SubmitOutcome =
  | { ok: true; id: string }
  | { ok: false; reason: CanonicalReason; code: string; message: string };

/** Mempool summary; fee rates in litoshis per 1000 vbytes. */
export interface LitecoinMempool {
  /** Txs in the mempool. */
  size: number;
  /** Sum of their virtual sizes. */
  bytes: number;
  /** Memory used by the mempool. */
  usage: number;
  /** `-maxmempool` in bytes (the memory bound `usage` is held to). */
  maxBytes: number;
  /** Lowest fee rate the mempool accepts now (rises when it is full). */
  minFeePerKvb: bigint;
  /** `-minrelaytxfee`. */
  minRelayFeePerKvb: bigint;
  /** Tx ids, when asked for. */
  ids?: string[];
}

/** One connected peer. */
export interface LitecoinPeer {
  id: number;
  /** Address as the node sees it (`127.0.0.1:41234`). */
  addr: string;
  inbound: boolean;
  /** `manual` for a `-connect` peer, `inbound`, … */
  connectionType: string | undefined;
  /**
   * The height of the last block both sides have (-1 before they have found one); undefined
   * when litecoind has no sync state for the peer (one it is tearing down: `getpeerinfo` lists
   * the connections first, then looks each one's state up, and a peer that disconnected in
   * between has none).
   */
  syncedBlocks: number | undefined;
  /** The peer's user agent (`/LitecoinCore:0.21.4(val-1)/`); empty before its handshake. */
  subver: string;
}

/** Node summary. */
export interface LitecoinNodeInfo {
  version: number;
  subversion: string;
  chain: string;
  height: number;
  tip: string;
  /** Best header height known (ahead of `height` while syncing). */
  headers: number;
  initialBlockDownload: boolean;
  peers: number;
  peersIn: number;
  peersOut: number;
}

/** The UTXO set at the node's tip. */
export interface UtxoSetTotal {
  height: number;
  hash: string;
  /** Sum of all unspent outputs, litoshis. */
  total: bigint;
  txouts: number;
}

const GENESIS_PARENT = '0'.repeat(64);
/** Blocks fetched per batch. */
const BLOCKS_PAGE = 100;
/** Tries of a block page when a reorg changes the chain under the fetch. */
const PAGE_TRIES = 3;

// JSON-RPC codes litecoind uses (src/rpc/protocol.h).
const RPC_INVALID_ADDRESS_OR_KEY = -5;
const RPC_INVALID_PARAMETER = -8;

const blockchainInfoSchema = z.object({
  chain: z.string(),
  blocks: z.number().int(),
  headers: z.number().int(),
  bestblockhash: hashSchema,
  initialblockdownload: z.boolean(),
});

const blockSchema = z.object({
  hash: hashSchema,
  confirmations: z.number().int(),
  height: z.number().int(),
  size: z.number().int(),
  weight: z.number().int(),
  time: z.number().int(),
  tx: z.array(hashSchema),
  previousblockhash: hashSchema.optional(),
});

const mempoolInfoSchema = z.object({
  size: z.number().int(),
  bytes: z.number().int(),
  usage: z.number().int(),
  maxmempool: z.number().int(),
  mempoolminfee: amountSchema,
  minrelaytxfee: amountSchema,
});

const networkInfoSchema = z.object({
  version: z.number().int(),
  subversion: z.string(),
  connections: z.number().int(),
  connections_in: z.number().int(),
  connections_out: z.number().int(),
});

const peerSchema = z.object({
  id: z.number().int(),
  addr: z.string(),
  inbound: z.boolean(),
  connection_type: z.string().optional(),
  // litecoind leaves its sync fields out for a peer whose state is already gone
  synced_blocks: z.number().int().optional(),
  // empty until the peer's version message arrived (a dial still in its handshake)
  subver: z.string().default(''),
});

/** `getpeerinfo`'s answer. */
export const peerInfoSchema = z.array(peerSchema);

/** `getpeerinfo`'s parsed answer as `LitecoinPeer`s. */
export function toPeers(raw: z.output<typeof peerInfoSchema>): LitecoinPeer[] {
  return raw.map((p) => ({
    id: p.id,
    addr: p.addr,
    inbound: p.inbound,
    connectionType: p.connection_type,
    syncedBlocks: p.synced_blocks,
    subver: p.subver,
  }));
}

/**
 * `generatetoaddress`'s answer for `count` blocks. A node that is shutting down stops mining
 * part-way and answers with the hashes it has, even none (it still serves RPC for up to
 * 200 ms after SIGTERM), so a short answer is refused rather than read as mined blocks.
 */
export function minedHashesSchema(count: number) {
  return z
    .array(hashSchema)
    .length(count, `${count} block hashes, one per block asked for (a node shutting down mines fewer)`);
}

const txOutSetSchema = z.object({
  height: z.number().int(),
  bestblock: hashSchema,
  txouts: z.number().int(),
  total_amount: amountSchema,
});

const rawTxSchema = z.object({
  txid: hashSchema,
  blockhash: hashSchema.optional(),
  confirmations: z.number().int().optional(),
});

const tipSchema = z.object({ hash: hashSchema, height: z.number().int() });

function toBlock(raw: z.output<typeof blockSchema>): LitecoinBlock {
  return {
    hash: raw.hash,
    parent: raw.previousblockhash ?? GENESIS_PARENT,
    height: raw.height,
    time: raw.time * 1000,
    txIds: raw.tx,
    size: raw.size,
    weight: raw.weight,
  };
}

function resultOf<S extends z.ZodType>(outcome: RpcOutcome, schema: S, what: string): z.output<S> {
  if (!outcome.ok) throw outcome.error;
  const parsed = schema.safeParse(outcome.result);
  if (!parsed.success) {
    throw new AdapterError('litecoind', `unexpected ${what}: ${parsed.error.issues[0]?.message}`);
  }
  return parsed.data;
}

/**
 * Typed client of one litecoind node.
 *
 * @example
 * const client = new LitecoindClient('http://127.0.0.1:18443', credentials);
 * const { height } = await client.tip();
 */
export class LitecoindClient {
  /** The JSON-RPC transport (wallet calls and anything not mapped here). */
  readonly rpc: LitecoinRpc;

  constructor(url: string, auth: RpcAuth, opts: LitecoinRpcOptions = {}) {
    this.rpc = new LitecoinRpc(url, auth, opts);
  }

  get url(): string {
    return this.rpc.url;
  }

  /** True when the node answers RPC and is past warm-up; never throws. */
  async ready(opts?: RequestOptions): Promise<boolean> {
    try {
      await this.rpc.call('getblockchaininfo', [], opts);
      return true;
    } catch {
      return false;
    }
  }

  /** The best block (height and hash read together). */
  async tip(opts?: RequestOptions): Promise<LitecoinTip> {
    const info = await this.rpc.typed('getblockchaininfo', [], blockchainInfoSchema, opts);
    return { height: info.blocks, hash: info.bestblockhash };
  }

  /** One block by hash, or undefined when the node does not have it. */
  async block(hash: string, opts?: RequestOptions): Promise<LitecoinBlock | undefined> {
    try {
      return toBlock(await this.rpc.typed('getblock', [hash, 1], blockSchema, opts));
    } catch (error) {
      if (LitecoinRpcError.hasCode(error, RPC_INVALID_ADDRESS_OR_KEY)) return undefined;
      throw error;
    }
  }

  /**
   * Blocks `from..to` inclusive on the node's best chain, in height order; fewer when the
   * chain ends before `to`. Parent links are checked, and a page is fetched again when a
   * reorg changed the chain in between.
   */
  async blocks(from: number, to: number, opts?: RequestOptions): Promise<LitecoinBlock[]> {
    const out: LitecoinBlock[] = [];
    for (let start = Math.max(0, from); start <= to; start += BLOCKS_PAGE) {
      const end = Math.min(to, start + BLOCKS_PAGE - 1);
      const page = await this.#blockPage(start, end, out.at(-1), opts);
      out.push(...page);
      if (page.length < end - start + 1) break;
    }
    return out;
  }

  async #blockPage(
    start: number,
    end: number,
    previous: LitecoinBlock | undefined,
    opts: RequestOptions | undefined,
  ): Promise<LitecoinBlock[]> {
    for (let attempt = 1; ; attempt++) {
      const heights = Array.from({ length: end - start + 1 }, (_, i) => start + i);
      const hashOutcomes = await this.rpc.batch(
        heights.map((h) => ({ method: 'getblockhash', params: [h] })),
        opts,
      );
      const hashes: string[] = [];
      for (const outcome of hashOutcomes) {
        // past the tip: the chain ends here
        if (!outcome.ok && outcome.error.rpcCode === RPC_INVALID_PARAMETER) break;
        hashes.push(resultOf(outcome, hashSchema, 'block hash'));
      }
      const blockOutcomes = await this.rpc.batch(
        hashes.map((hash) => ({ method: 'getblock', params: [hash, 1] })),
        opts,
      );
      const page = blockOutcomes.map((o) => toBlock(resultOf(o, blockSchema, 'block')));
      const linked = page.every(
        (b, i) =>
          b.height === start + i && b.parent === (i === 0 ? (previous?.hash ?? b.parent) : page[i - 1]!.hash),
      );
      const onMainChain = blockOutcomes.every(
        (o) => o.ok && (o.result as { confirmations: number }).confirmations > 0,
      );
      if (linked && onMainChain) return page;
      if (attempt >= PAGE_TRIES) {
        throw new AdapterError(
          'litecoind',
          `blocks ${start}..${end} of ${this.url} kept changing while read (${PAGE_TRIES} tries): reorgs faster than reads`,
        );
      }
    }
  }

  /**
   * Status of a tx on this node: pending (in the mempool), included (in a block of the best
   * chain, from the tx index) or unknown (never seen, refused, or evicted).
   */
  async txStatus(txid: string, opts?: RequestOptions): Promise<LitecoinTxStatus> {
    try {
      await this.rpc.call('getmempoolentry', [txid], opts);
      return { status: 'pending' };
    } catch (error) {
      if (!LitecoinRpcError.hasCode(error, RPC_INVALID_ADDRESS_OR_KEY)) throw error;
    }
    let found = await this.#indexedTx(txid, opts);
    if (found === undefined) {
      // The tx index is updated after the block is connected, from a queue: a tx that just
      // left the mempool for a block may not be indexed yet. Drain the queue and look again.
      await this.rpc.call('syncwithvalidationinterfacequeue', [], opts);
      found = await this.#indexedTx(txid, opts);
    }
    if (found?.blockhash === undefined || (found.confirmations ?? 0) < 1) return { status: 'unknown' };
    const header = await this.rpc.typed('getblockheader', [found.blockhash, true], tipSchema, opts);
    return {
      status: 'included',
      height: header.height,
      blockHash: found.blockhash,
      confirmations: found.confirmations!,
    };
  }

  async #indexedTx(txid: string, opts: RequestOptions | undefined) {
    try {
      return await this.rpc.typed('getrawtransaction', [txid, true], rawTxSchema, opts);
    } catch (error) {
      if (LitecoinRpcError.hasCode(error, RPC_INVALID_ADDRESS_OR_KEY)) return undefined;
      throw error;
    }
  }

  /** Submits a serialized tx (hex). A refusal is a value with its canonical reason. */
  async submit(hex: string, opts?: RequestOptions): Promise<SubmitOutcome> {
    try {
      const id = await this.rpc.typed('sendrawtransaction', [hex], hashSchema, opts);
      return { ok: true, id };
    } catch (error) {
      if (!LitecoinRpcError.isRpc(error) || !isRefusalCode(error.rpcCode)) throw error;
      let refusal = classifyRefusal(error.rpcMessage ?? '');
      if (refusal.ambiguity === 'missing-inputs') {
        refusal = refineMissingInputs(refusal, await this.#inputsKnown(hex, opts));
      }
      return { ok: false, reason: refusal.reason, code: refusal.code, message: refusal.message };
    }
  }

  /** Whether every tx that `hex` spends from is known to the node (mempool or chain). */
  async #inputsKnown(hex: string, opts: RequestOptions | undefined): Promise<boolean> {
    let txids: string[];
    try {
      txids = [...new Set(decodeTx(hex).inputs.map((i) => i.txid))];
    } catch {
      // a tx the node decoded and chainlab cannot (MWEB): leave the node's reading
      return true;
    }
    const outcomes = await this.rpc.batch(
      txids.map((txid) => ({ method: 'getrawtransaction', params: [txid, false] })),
      opts,
    );
    return outcomes.every((o) => o.ok);
  }

  /** Mempool summary, with tx ids when `ids` is true. */
  async mempool(opts?: RequestOptions & { ids?: boolean }): Promise<LitecoinMempool> {
    const info = await this.rpc.typed('getmempoolinfo', [], mempoolInfoSchema, opts);
    const out: LitecoinMempool = {
      size: info.size,
      bytes: info.bytes,
      usage: info.usage,
      maxBytes: info.maxmempool,
      minFeePerKvb: info.mempoolminfee,
      minRelayFeePerKvb: info.minrelaytxfee,
    };
    if (opts?.ids) out.ids = await this.rpc.typed('getrawmempool', [false], z.array(hashSchema), opts);
    return out;
  }

  /** Version, chain, tip and peer counts. */
  async info(opts?: RequestOptions): Promise<LitecoinNodeInfo> {
    const [chain, net] = await this.rpc.batch(
      [{ method: 'getblockchaininfo' }, { method: 'getnetworkinfo' }],
      opts,
    );
    const c = resultOf(chain!, blockchainInfoSchema, 'blockchain info');
    const n = resultOf(net!, networkInfoSchema, 'network info');
    return {
      version: n.version,
      subversion: n.subversion,
      chain: c.chain,
      height: c.blocks,
      tip: c.bestblockhash,
      headers: c.headers,
      initialBlockDownload: c.initialblockdownload,
      peers: n.connections,
      peersIn: n.connections_in,
      peersOut: n.connections_out,
    };
  }

  /**
   * The node's own wall clock, to the second (epoch s). litecoind shows no clock in any RPC
   * result (block templates carry its peer-adjusted time, floored at the median time past,
   * and only with peers connected); its HTTP server stamps every answer with a `Date` header
   * read from the same libc wall clock the daemon keeps time with, so that is read here
   * (with `uptime`, the cheapest call).
   */
  async clockSeconds(opts?: RequestOptions): Promise<number> {
    const { date } = await this.rpc.callDated('uptime', [], opts);
    const ms = date === undefined ? Number.NaN : Date.parse(date);
    if (!Number.isFinite(ms))
      throw new AdapterError(
        'litecoind',
        `${this.url}: its answer carries no readable Date header (${date})`,
      );
    return ms / 1000;
  }

  /** The node's connected peers. */
  async peers(opts?: RequestOptions): Promise<LitecoinPeer[]> {
    return toPeers(await this.rpc.typed('getpeerinfo', [], peerInfoSchema, opts));
  }

  /** Sum of the UTXO set at the node's tip (`gettxoutsetinfo`, no hash computed). */
  async utxoTotal(opts?: RequestOptions): Promise<UtxoSetTotal> {
    const raw = await this.rpc.typed('gettxoutsetinfo', ['none'], txOutSetSchema, opts);
    return { height: raw.height, hash: raw.bestblock, total: raw.total_amount, txouts: raw.txouts };
  }

  /**
   * Mines `count` blocks on this node's tip paying `address`; their hashes. Fewer hashes
   * than asked (see {@link minedHashesSchema}) is a `protocol` failure.
   */
  generateToAddress(count: number, address: string, opts?: RequestOptions): Promise<string[]> {
    return this.rpc.typed('generatetoaddress', [count, address], minedHashesSchema(count), opts);
  }

  /**
   * Waits until the node's height is at least `height` or `waitMs` passes (a long poll on
   * the node, which holds one RPC thread); resolves with the tip either way.
   */
  waitForHeight(height: number, waitMs: number, opts?: RequestOptions): Promise<LitecoinTip> {
    return this.rpc.typed('waitforblockheight', [height, waitMs], tipSchema, {
      ...opts,
      timeoutMs: opts?.timeoutMs ?? waitMs + 2000,
    });
  }

  /** Asks the node to shut down (RPC `stop`); the process exits shortly after. */
  async stop(opts?: RequestOptions): Promise<void> {
    await this.rpc.call('stop', [], opts);
  }

  /** Closes the connections. Idempotent. */
  close(): Promise<void> {
    return this.rpc.close();
  }
}
