/**
 * The `ChainClient` of one litecoind node: chainlab's core contract (health, info, blocks,
 * submission, tx status, block feed) plus the facets the adapter declares — `supply` (the
 * UTXO-set total at the tip), `mempool` (size and vbytes; litecoind counts no evictions
 * or refusals), `forging` (raw submission) and `clock-skew` (its clock, to the second) —
 * over {@link LitecoindClient}.
 *
 * A transfer is signed here, at submission: its home wallet signs it (see
 * `LitecoindUserWallet.signTransfer`) and this node is sent the signed tx. A refusal is a
 * value with its canonical reason; a failed call throws `AdapterError`.
 */
import { AdapterError } from '../../support/errors.ts';
import type {
  Block,
  ChainClient,
  ClockReading,
  FeedEvent,
  MempoolInfo,
  NodeInfo,
  PreparedTx,
  RequestOptions,
  SubmitResult,
  SupplyInfo,
  TxStatus,
} from '../types.ts';
import { litecoindBlockFeed } from './block-feed.ts';
import { type LitecoinBlock, LitecoindClient, type SubmitOutcome } from './client.ts';
import type { RpcAuth } from './rpc.ts';
import { isLitecoindPayload, type LitecoindTransfer } from './user-wallet.ts';

/** Options of {@link LitecoindChainClient}. */
export interface LitecoindChainClientOptions {
  /** Per-call timeout in ms. Default 5000. */
  timeoutMs?: number;
  /** Calls in flight at once. Default 8 (a node serves `-rpcthreads=8`). */
  connections?: number;
}

/** litecoind's clock resolution: it reads and stamps time in whole seconds (ms). */
const LITECOIND_CLOCK_MS = 1000;

/** Submissions of one `submitTxs` call in flight at once (each is a few RPC calls). */
const SUBMIT_PARALLEL = 4;

function toBlock(b: LitecoinBlock): Block {
  return {
    hash: b.hash,
    parent: b.parent,
    height: b.height,
    timestamp: b.time,
    txIds: b.txIds,
    // A UTXO tx names no single sender, receiver or amount: the id is what the chain shows.
    txs: b.txIds.map((id) => ({ id })),
  };
}

function refusal(o: SubmitOutcome & { ok: false }): SubmitResult {
  return { ok: false, code: o.reason, chainCode: o.code, message: o.message };
}

/**
 * A litecoind node as chainlab's `ChainClient`.
 *
 * @example
 * const client = new LitecoindChainClient('http://127.0.0.1:18443', credentials);
 * const { height } = await client.info();
 */
export class LitecoindChainClient implements ChainClient {
  /** The typed RPC client underneath (wallets, mining, anything beyond the contract). */
  readonly node: LitecoindClient;

  constructor(url: string, auth: RpcAuth, opts: LitecoindChainClientOptions = {}) {
    this.node = new LitecoindClient(url, auth, {
      timeoutMs: opts.timeoutMs ?? 5000,
      connections: opts.connections ?? 8,
    });
  }

  get url(): string {
    return this.node.url;
  }

  /** True when RPC answers and the node is out of warm-up; never throws. */
  health(opts?: RequestOptions): Promise<boolean> {
    return this.node.ready(opts);
  }

  /**
   * Height, tip and peers. A litecoind node has no id of its own, so `nodeId` is the URL
   * chainlab reaches it at; every node mines (`validator`); the chain id is the network's.
   */
  async info(opts?: RequestOptions): Promise<NodeInfo> {
    const i = await this.node.info(opts);
    return {
      nodeId: this.url,
      role: 'validator',
      chainId: `litecoin-${i.chain}`,
      height: i.height,
      tip: i.tip,
      peers: i.peers,
    };
  }

  async blocks(from: number, to: number, opts?: RequestOptions): Promise<Block[]> {
    return (await this.node.blocks(from, to, opts)).map(toBlock);
  }

  async block(hash: string, opts?: RequestOptions): Promise<Block | undefined> {
    const b = await this.node.block(hash, opts);
    return b === undefined ? undefined : toBlock(b);
  }

  async submitTx(tx: PreparedTx, opts?: RequestOptions): Promise<SubmitResult> {
    const payload = tx.payload;
    if (!isLitecoindPayload(payload)) {
      throw new AdapterError('litecoind', 'submitTx: not a tx prepared by a litecoind wallet or forger');
    }
    if (payload.kind === 'raw') return this.submitRaw(payload.hex, opts);
    return this.#submitTransfer(payload, opts);
  }

  async #submitTransfer(t: LitecoindTransfer, opts: RequestOptions | undefined): Promise<SubmitResult> {
    if (t.signed === undefined) {
      const signed = await t.wallet.signTransfer(t.to, t.amount, t.feeRate, opts);
      if (!signed.ok) return refusal(signed);
      t.signed = { hex: signed.hex, txid: signed.txid, inputs: signed.inputs };
    }
    const outcome = await this.node.submit(t.signed.hex, opts);
    if (outcome.ok) return { ok: true, id: outcome.id };
    // Nothing took it: its coins are free for the wallet's next transfer.
    if (outcome.reason !== 'duplicate') await t.wallet.release(t.signed.inputs);
    return refusal(outcome);
  }

  async submitTxs(txs: readonly PreparedTx[], opts?: RequestOptions): Promise<SubmitResult[]> {
    // litecoind takes one tx per sendrawtransaction; a few at a time keep its RPC threads free.
    const out: SubmitResult[] = new Array(txs.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < txs.length) {
        const i = next++;
        out[i] = await this.submitTx(txs[i]!, opts);
      }
    };
    await Promise.all(Array.from({ length: Math.min(SUBMIT_PARALLEL, txs.length) }, worker));
    return out;
  }

  /** Submits a serialized tx (hex) as is; facet `forging`. */
  async submitRaw(body: string, opts?: RequestOptions): Promise<SubmitResult> {
    const outcome = await this.node.submit(body, opts);
    return outcome.ok ? { ok: true, id: outcome.id } : refusal(outcome);
  }

  /** Pending (mempool), included (best chain, with height and block) or unknown; litecoind keeps no refusals. */
  async txStatus(id: string, opts?: RequestOptions): Promise<TxStatus> {
    const s = await this.node.txStatus(id, opts);
    return s.status === 'included'
      ? { status: 'included', height: s.height, blockHash: s.blockHash }
      : { status: s.status };
  }

  /** New blocks in height order; after a reorg the new branch's blocks (the observer drops what they replace). */
  async *blockFeed(signal: AbortSignal): AsyncIterable<FeedEvent> {
    for await (const ev of litecoindBlockFeed(this.node, signal)) {
      if (ev.type !== 'block') continue;
      const { txs: _txs, ...header } = toBlock(ev.block);
      yield { type: 'block', header };
    }
  }

  /**
   * The UTXO-set total (facet `supply`, source `utxo-set`). litecoind sums its UTXO set
   * only at its tip, so the reading is at the tip's height and a request for another
   * height is refused.
   */
  async supply(height?: number, opts?: RequestOptions): Promise<SupplyInfo> {
    const total = await this.node.utxoTotal({ ...opts, timeoutMs: opts?.timeoutMs ?? 10_000 });
    if (height !== undefined && height !== total.height) {
      throw new AdapterError(
        'litecoind',
        `litecoind sums its UTXO set only at its tip (height ${total.height}); asked for height ${height}`,
      );
    }
    return { height: total.height, hash: total.hash, supply: total.total };
  }

  /** Txs and vbytes pending (facet `mempool`); litecoind bounds memory, not a count, and counts no evictions or refusals. */
  async mempool(opts?: RequestOptions & { ids?: boolean }): Promise<MempoolInfo> {
    const m = await this.node.mempool(opts);
    const out: MempoolInfo = { size: m.size, bytes: m.bytes };
    if (m.ids !== undefined) out.ids = m.ids;
    return out;
  }

  /**
   * The node's wall clock (facet `clock-skew`), as its RPC answer's `Date` header gives it
   * (see `LitecoindClient.clockSeconds`). That clock reads whole seconds, so the reading is the middle of the second its clock was in (`now`) with `resolutionMs`
   * 1000: it is within 500 ms of the node's true clock. litecoind has no slots and no
   * counters of future blocks (it refuses a block more than 2 h ahead of its adjusted clock).
   */
  async clock(opts?: RequestOptions): Promise<ClockReading> {
    const seconds = await this.node.clockSeconds(opts);
    return { now: seconds * 1000 + LITECOIND_CLOCK_MS / 2, resolutionMs: LITECOIND_CLOCK_MS };
  }

  /**
   * Names of the peers this node has finished a handshake with: each node announces its
   * name as the user agent comment (`-uacomment`, so `/LitecoinCore:0.21.4(val-1)/`), since
   * behind a link proxy a peer's address names the proxy, not the node. A peer without a
   * comment is named by its address; a dial whose handshake never completed (held by a cut
   * link) is no connection.
   */
  async connectedPeers(opts?: RequestOptions): Promise<string[]> {
    const peers = await this.node.peers(opts);
    return peers.filter((p) => p.subver !== '').map((p) => /\(([^()]+)\)\/?$/.exec(p.subver)?.[1] ?? p.addr);
  }

  close(): Promise<void> {
    return this.node.close();
  }
}
