/**
 * Typed undici client over one refnode node's HTTP API. One keep-alive pool per node for
 * requests and a separate connection for the SSE block feed, so a long-lived stream never
 * holds up request traffic.
 */
import { Client, Pool } from 'undici';
import { type Certificate, verifyAttestation } from '../../../refnode/src/da/certificate.ts';
import { AdapterError } from '../../support/errors.ts';
import { parseSse } from '../sse.ts';
import type {
  AccountInfo,
  BlobLookup,
  Block,
  BlockHeader,
  CertificateCheck,
  ChainClient,
  ChannelInfo,
  ClockReading,
  FeedEvent,
  GossipPeerView,
  GossipView,
  MempoolInfo,
  NodeInfo,
  PreparedTx,
  PublishBlobResult,
  RequestOptions,
  SignedBlob,
  StateSnapshot,
  SubmitResult,
  SupplyInfo,
  TxCounters,
  TxStatus,
  TxSummary,
} from '../types.ts';
import { toAmount } from './files.ts';
import { parseTxCounters } from './metrics.ts';
import { canonicalCounts, refnodeReason } from './reasons.ts';

/** Options of {@link RefnodeClient}. */
export interface RefnodeClientOptions {
  /** Per-request timeout in ms (headers and body). Default 5000. */
  timeoutMs?: number;
  /** Keep-alive connections per node. Default 8. */
  connections?: number;
  /** The chain id attestations are signed for. Default: the certificate's blob header's. */
  chainId?: string;
}

/** refnode answers at most this many blocks per `/blocks` call. */
const BLOCKS_PAGE = 500;
/** refnode accepts at most this many txs per `POST /txs`. */
const TX_BATCH = 1000;

interface RawBlock {
  hash: string;
  parent: string;
  height: number;
  slot: number;
  timestamp: number;
  proposer: string;
  stateRoot: string;
  txs: { id: string; from: string; to: string; amount: number; fee: number; nonce: number }[];
}

/** `/info`'s `clock`: the node's wall clock and its drift rule's counters. */
interface RawClock {
  now: number;
  maxDriftMs: number;
  heldBlocks: number;
  holding: number;
  refusedFutureBlocks: number;
  acceptedBeyondDrift: number;
}

function toBlock(raw: RawBlock): Block {
  const txs: TxSummary[] = raw.txs.map((t) => ({
    id: t.id,
    from: t.from,
    to: t.to,
    amount: toAmount(t.amount),
    fee: toAmount(t.fee),
    nonce: t.nonce,
  }));
  return {
    hash: raw.hash,
    parent: raw.parent,
    height: raw.height,
    slot: raw.slot,
    timestamp: raw.timestamp,
    proposer: raw.proposer,
    stateRoot: raw.stateRoot,
    txIds: txs.map((t) => t.id),
    txs,
  };
}

/** `GET /p2p/peers` as refnode answers it (the fields chainlab reads). */
interface RawPeerView {
  peerId: string;
  thresholds: { gossip: number; publish: number; graylist: number };
  penalties: boolean;
  validating: Record<string, number>;
  queues: Record<string, number>;
  peers: {
    peerId: string;
    name: string | null;
    connected: boolean;
    score: number;
    graylisted: boolean;
    mesh: string[];
    prunes: number;
    messages: { accept: number; reject: number; ignore: number };
    queue: { outboundBytes: number; inboundBytes: number };
  }[];
}

function toHeader(raw: Omit<RawBlock, 'txs'> & Record<string, unknown>): BlockHeader {
  return {
    hash: raw.hash,
    parent: raw.parent,
    height: raw.height,
    slot: raw.slot,
    timestamp: raw.timestamp,
    proposer: raw.proposer,
    stateRoot: raw.stateRoot,
    txIds: Array.isArray(raw.txIds) ? (raw.txIds as string[]) : [],
  };
}

/** The refnode implementation of {@link ChainClient}. */
export class RefnodeClient implements ChainClient {
  readonly url: string;
  readonly #pool: Pool;
  readonly #timeoutMs: number;
  readonly #chainId: string | undefined;
  readonly #feeds = new Set<Client>();
  #closed = false;

  constructor(url: string, opts: RefnodeClientOptions = {}) {
    this.url = url.replace(/\/+$/, '');
    this.#timeoutMs = opts.timeoutMs ?? 5000;
    this.#chainId = opts.chainId;
    this.#pool = new Pool(this.url, {
      connections: opts.connections ?? 8,
      keepAliveTimeout: 10_000,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
  }

  async #call(
    method: 'GET' | 'POST',
    path: string,
    opts: RequestOptions | undefined,
    body?: unknown,
    raw = false,
  ): Promise<{ status: number; json: unknown; retryAfterMs?: number }> {
    const timeoutMs = opts?.timeoutMs ?? this.#timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = opts?.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
    try {
      const res = await this.#pool.request({
        method,
        path,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        ...(body === undefined
          ? {}
          : {
              body: raw ? String(body) : JSON.stringify(body),
              headers: { 'content-type': 'application/json' },
            }),
      });
      const text = await res.body.text();
      let json: unknown;
      try {
        json = text === '' ? undefined : JSON.parse(text);
      } catch {
        json = text;
      }
      const retryAfter = Number(res.headers['retry-after']);
      return Number.isFinite(retryAfter) && retryAfter >= 0
        ? { status: res.statusCode, json, retryAfterMs: retryAfter * 1000 }
        : { status: res.statusCode, json };
    } catch (error) {
      const why = timeout.aborted ? `timed out after ${timeoutMs} ms` : (error as Error).message;
      throw new AdapterError('refnode', `${method} ${this.url}${path} failed: ${why}`, { cause: error });
    }
  }

  async #get<T>(path: string, opts: RequestOptions | undefined): Promise<T> {
    const { status, json } = await this.#call('GET', path, opts);
    if (status !== 200) throw this.#statusError('GET', path, status, json);
    return json as T;
  }

  #statusError(method: string, path: string, status: number, json: unknown): AdapterError {
    const err = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    const detail = err ? `${err.code}: ${err.message}` : JSON.stringify(json)?.slice(0, 200);
    return new AdapterError('refnode', `${method} ${this.url}${path} answered ${status} (${detail})`, {
      status,
    });
  }

  async health(opts?: RequestOptions): Promise<boolean> {
    try {
      const { status } = await this.#call('GET', '/health', opts);
      return status === 200;
    } catch {
      return false;
    }
  }

  async info(opts?: RequestOptions): Promise<NodeInfo> {
    const raw = await this.#get<Required<NodeInfo>>('/info', opts);
    return {
      nodeId: raw.nodeId,
      role: raw.role,
      chainId: raw.chainId,
      slot: raw.slot,
      height: raw.height,
      tip: raw.tip,
      stateRoot: raw.stateRoot,
      finalizedHeight: raw.finalizedHeight,
      finalizedTip: raw.finalizedTip,
      finalizedStateRoot: raw.finalizedStateRoot,
      peers: raw.peers,
    };
  }

  /** Facet `clock-skew`: `/info`'s `clock` (wall clock and drift-rule counters) and `slot`. */
  async clock(opts?: RequestOptions): Promise<ClockReading> {
    const raw = await this.#get<{ slot: number; clock: RawClock }>('/info', opts);
    const c = raw.clock;
    return {
      now: c.now,
      slot: raw.slot,
      maxDriftMs: c.maxDriftMs,
      heldFutureBlocks: c.heldBlocks,
      holdingFutureBlocks: c.holding,
      refusedFutureBlocks: c.refusedFutureBlocks,
      acceptedBeyondDrift: c.acceptedBeyondDrift,
    };
  }

  /** Names (ids where the node has no name) of the peers it has an open connection to (`GET /p2p/peers`). */
  async connectedPeers(opts?: RequestOptions): Promise<string[]> {
    const view = await this.#get<{ peers: { peerId: string; name?: string | null; connected: boolean }[] }>(
      '/p2p/peers',
      opts,
    );
    return view.peers.filter((p) => p.connected).map((p) => p.name ?? p.peerId);
  }

  /** The address book in force (`GET /p2p/book`): its load count and the error of the last bad load. */
  async book(opts?: RequestOptions): Promise<{ version: number; error: string | null; entries: number }> {
    const raw = await this.#get<{ version: number; error: string | null; entries: unknown[] }>(
      '/p2p/book',
      opts,
    );
    return { version: raw.version, error: raw.error, entries: raw.entries.length };
  }

  async blocks(from: number, to: number, opts?: RequestOptions): Promise<Block[]> {
    const out: Block[] = [];
    for (let start = from; start <= to; start += BLOCKS_PAGE) {
      const end = Math.min(to, start + BLOCKS_PAGE - 1);
      const page = await this.#get<{ blocks: RawBlock[] }>(`/blocks?from=${start}&to=${end}`, opts);
      for (const b of page.blocks) out.push(toBlock(b));
      // A shorter page means the chain ends here.
      if (page.blocks.length < end - start + 1) break;
    }
    return out;
  }

  async block(hash: string, opts?: RequestOptions): Promise<Block | undefined> {
    const { status, json } = await this.#call('GET', `/blocks/${encodeURIComponent(hash)}`, opts);
    if (status === 404) return undefined;
    if (status !== 200) throw this.#statusError('GET', `/blocks/${hash}`, status, json);
    return toBlock(json as RawBlock);
  }

  /** A refusal as a value (4xx, and 503 `mempool_full`/`overloaded`); other failures throw. */
  #refusal(
    method: string,
    path: string,
    r: { status: number; json: unknown; retryAfterMs?: number },
  ): SubmitResult & { ok: false } {
    const err = (r.json as { error?: { code?: string; message?: string } } | undefined)?.error;
    if ((r.status >= 500 && r.status !== 503) || err === undefined)
      throw this.#statusError(method, path, r.status, r.json);
    const chainCode = err.code ?? 'unknown';
    const out: SubmitResult & { ok: false } = {
      ok: false,
      status: r.status,
      code: refnodeReason(chainCode),
      chainCode,
      message: err.message ?? '',
    };
    if (r.retryAfterMs !== undefined) out.retryAfterMs = r.retryAfterMs;
    return out;
  }

  // 503 is refnode's `mempool_full` or `overloaded`: a chain-level refusal with a code, not a broken node.
  async submitTx(tx: PreparedTx, opts?: RequestOptions): Promise<SubmitResult> {
    const r = await this.#call('POST', '/txs', opts, tx.payload);
    if (r.status === 202) return { ok: true, id: (r.json as { id: string }).id };
    return this.#refusal('POST', '/txs', r);
  }

  async submitRaw(body: string, opts?: RequestOptions): Promise<SubmitResult> {
    const r = await this.#call('POST', '/txs', opts, body, true);
    if (r.status === 202) return { ok: true, id: (r.json as { id: string }).id };
    return this.#refusal('POST', '/txs', r);
  }

  async submitTxs(txs: readonly PreparedTx[], opts?: RequestOptions): Promise<SubmitResult[]> {
    const out: SubmitResult[] = [];
    for (let i = 0; i < txs.length; i += TX_BATCH) {
      const batch = txs.slice(i, i + TX_BATCH);
      const r = await this.#call(
        'POST',
        '/txs',
        opts,
        batch.map((t) => t.payload),
      );
      if (r.status !== 202) {
        // The whole batch was refused (e.g. too large, rate limited, overloaded): every tx shares the reason.
        const refusal = this.#refusal('POST', '/txs', r);
        for (const _ of batch) out.push(refusal);
        continue;
      }
      const results = (
        r.json as { results: ({ id: string } | { error: { code: string; message: string } })[] }
      ).results;
      for (const x of results) {
        if ('id' in x) out.push({ ok: true, id: x.id });
        else
          out.push({
            ok: false,
            status: 400,
            code: refnodeReason(x.error.code),
            chainCode: x.error.code,
            message: x.error.message,
          });
      }
    }
    return out;
  }

  async txStatus(id: string, opts?: RequestOptions): Promise<TxStatus> {
    const raw = await this.#get<Omit<TxStatus, 'reason'> & { reason?: string }>(
      `/txs/${encodeURIComponent(id)}`,
      opts,
    );
    const out: TxStatus = { status: raw.status };
    if (raw.height !== undefined) out.height = raw.height;
    if (raw.blockHash !== undefined) out.blockHash = raw.blockHash;
    if (raw.reason !== undefined) out.reason = refnodeReason(raw.reason);
    return out;
  }

  async mempool(opts?: RequestOptions & { ids?: boolean }): Promise<MempoolInfo> {
    const raw = await this.#get<Omit<MempoolInfo, 'rejected'> & { rejected?: Record<string, number> }>(
      opts?.ids ? '/mempool?ids=1' : '/mempool',
      opts,
    );
    const out: MempoolInfo = {
      size: raw.size,
      bytes: raw.bytes,
      capacity: raw.capacity,
      evicted: raw.evicted,
      rejected: canonicalCounts(raw.rejected ?? {}),
    };
    if (raw.ids !== undefined) out.ids = raw.ids;
    return out;
  }

  async account(address: string, opts?: RequestOptions): Promise<AccountInfo> {
    const raw = await this.#get<{ balance: number; nonce: number }>(
      `/accounts/${encodeURIComponent(address)}`,
      opts,
    );
    return { balance: toAmount(raw.balance), nonce: raw.nonce };
  }

  async supply(height?: number, opts?: RequestOptions): Promise<SupplyInfo> {
    const raw = await this.#get<{ height: number; hash: string; supply: number }>(
      height === undefined ? '/supply' : `/supply?height=${height}`,
      opts,
    );
    return { height: raw.height, hash: raw.hash, supply: toAmount(raw.supply) };
  }

  async state(height?: number, opts?: RequestOptions): Promise<StateSnapshot> {
    const raw = await this.#get<{
      height: number;
      hash: string;
      stateRoot: string;
      accounts: Record<string, { balance: number; nonce: number }>;
    }>(height === undefined ? '/state' : `/state?height=${height}`, opts);
    const accounts: Record<string, AccountInfo> = {};
    for (const [addr, a] of Object.entries(raw.accounts))
      accounts[addr] = { balance: toAmount(a.balance), nonce: a.nonce };
    return { height: raw.height, hash: raw.hash, stateRoot: raw.stateRoot, accounts };
  }

  async metrics(opts?: RequestOptions): Promise<string> {
    const { status, json } = await this.#call('GET', '/metrics', opts);
    if (status !== 200) throw this.#statusError('GET', '/metrics', status, json);
    return typeof json === 'string' ? json : JSON.stringify(json);
  }

  async txCounters(opts?: RequestOptions): Promise<TxCounters> {
    return parseTxCounters(await this.metrics(opts));
  }

  // 202 = new, 200 = the same signed blob again; 4xx (and 503 rate limiting) are refusals.
  async publishBlob(blob: SignedBlob, opts?: RequestOptions): Promise<PublishBlobResult> {
    const { status, json } = await this.#call('POST', '/da/blobs', opts, blob.payload);
    if (status === 202 || status === 200) {
      const body = json as { id: string; duplicate?: boolean };
      return { ok: true, id: body.id, duplicate: body.duplicate === true };
    }
    const err = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    if ((status >= 500 && status !== 503) || err === undefined)
      throw this.#statusError('POST', '/da/blobs', status, json);
    return { ok: false, status, code: err.code ?? 'unknown', message: err.message ?? '' };
  }

  // 404 (not known / no certificate yet), 503 (too few chunks) and 502 (inconsistent
  // encoding) are answers about the blob, so they come back as values.
  async blob(id: string, opts?: RequestOptions & { data?: boolean }): Promise<BlobLookup> {
    const path = `/da/blobs/${encodeURIComponent(id)}${opts?.data ? '?data=1' : ''}`;
    const { status, json } = await this.#call('GET', path, opts);
    const err = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    if (status !== 200) {
      if (err === undefined || (status >= 500 && status !== 502 && status !== 503))
        throw this.#statusError('GET', path, status, json);
      return { ok: false, status, code: err.code ?? 'unknown', message: err.message ?? '' };
    }
    const raw = json as {
      id: string;
      status: 'pending' | 'certified' | 'included';
      channel: string;
      owner: string;
      sequence: number;
      size: number;
      height?: number;
      blockHash?: string;
      data?: string;
    };
    const out: BlobLookup = {
      ok: true,
      id: raw.id,
      status: raw.status,
      channel: raw.channel,
      owner: raw.owner,
      sequence: raw.sequence,
      size: raw.size,
    };
    if (raw.height !== undefined) out.height = raw.height;
    if (raw.blockHash !== undefined) out.blockHash = raw.blockHash;
    if (raw.data !== undefined) out.data = new Uint8Array(Buffer.from(raw.data, 'base64'));
    return out;
  }

  /**
   * The certificate of an included blob, found in the block the node names, with each
   * attestation verified here against refnode's signing rule (not the node's word).
   */
  async certificate(blobId: string, opts?: RequestOptions): Promise<CertificateCheck | undefined> {
    const found = await this.blob(blobId, opts);
    if (!found.ok || found.status !== 'included' || found.blockHash === undefined) return undefined;
    const { json, status } = await this.#call('GET', `/blocks/${encodeURIComponent(found.blockHash)}`, opts);
    if (status !== 200) return undefined;
    const block = json as { da?: Certificate[] };
    const cert = (block.da ?? []).find((c) => c?.id === blobId);
    if (cert === undefined) return undefined;
    const attested = {
      chainId: this.#chainId ?? cert.header.chainId,
      id: cert.id,
      commitment: cert.commitment,
      size: cert.header.size,
      layout: { chunks: cert.chunks, dataChunks: cert.dataChunks, chunkBytes: 0 },
    };
    const out: CertificateCheck = { blobId, blockHash: found.blockHash, validSigners: [], invalid: [] };
    for (const a of cert.attestations ?? []) {
      if (verifyAttestation(a, attested)) out.validSigners.push(a.validator);
      else out.invalid.push({ signer: String(a?.validator), why: 'signature does not verify' });
    }
    return out;
  }

  /** This node's view of its gossip peers and queues (`GET /p2p/peers`), in chainlab's terms. */
  async gossipView(opts?: RequestOptions): Promise<GossipView> {
    const raw = await this.#get<RawPeerView>('/p2p/peers', opts);
    const queues: Record<string, number> = {};
    for (const [topic, n] of Object.entries(raw.validating)) queues[`validating.${topic}`] = n;
    for (const [name, n] of Object.entries(raw.queues)) queues[name] = n;
    return {
      peerId: raw.peerId,
      thresholds: raw.thresholds,
      penalties: raw.penalties,
      queues,
      peers: raw.peers.map((p) => {
        const view: GossipPeerView = {
          peerId: p.peerId,
          connected: p.connected,
          score: p.score,
          graylisted: p.graylisted,
          mesh: p.mesh,
          prunes: p.prunes,
          messages: { accepted: p.messages.accept, rejected: p.messages.reject, ignored: p.messages.ignore },
          queue: { outboundBytes: p.queue.outboundBytes, inboundBytes: p.queue.inboundBytes },
        };
        if (p.name !== null) view.name = p.name;
        return view;
      }),
    };
  }

  /** The node's libp2p peer id and the multiaddrs it announces (`GET /info`). */
  async peerAddress(opts?: RequestOptions): Promise<{ peerId: string; addrs: string[] }> {
    const raw = await this.#get<{ peerId: string; p2p: string[] }>('/info', opts);
    return { peerId: raw.peerId, addrs: raw.p2p };
  }

  /** Blocks `from..to` as refnode serves them (every header field, signed txs), at most one page. */
  async rawBlocks(from: number, to: number, opts?: RequestOptions): Promise<unknown[]> {
    const end = Math.min(to, from + BLOCKS_PAGE - 1);
    return (await this.#get<{ blocks: unknown[] }>(`/blocks?from=${from}&to=${end}`, opts)).blocks;
  }

  async channel(name: string, opts?: RequestOptions): Promise<ChannelInfo> {
    const raw = await this.#get<ChannelInfo>(`/da/channels/${encodeURIComponent(name)}`, opts);
    const out: ChannelInfo = { channel: raw.channel, owner: raw.owner, next: raw.next };
    if (raw.nextAccepted !== undefined) out.nextAccepted = raw.nextAccepted;
    return out;
  }

  async *blockFeed(signal: AbortSignal): AsyncIterable<FeedEvent> {
    if (this.#closed) return;
    // A dedicated connection: no body timeout (the stream is idle between blocks).
    const client = new Client(this.url, { bodyTimeout: 0, headersTimeout: this.#timeoutMs });
    this.#feeds.add(client);
    try {
      const res = await client.request({
        method: 'GET',
        path: '/events',
        signal,
        headers: { accept: 'text/event-stream' },
      });
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw new AdapterError('refnode', `GET ${this.url}/events answered ${res.statusCode}`, {
          status: res.statusCode,
        });
      }
      for await (const ev of parseSse(res.body)) {
        if (ev.event === 'block') {
          yield { type: 'block', header: toHeader(JSON.parse(ev.data)) };
        } else if (ev.event === 'finalized') {
          const f = JSON.parse(ev.data) as { height: number; hash: string };
          yield { type: 'finalized', height: f.height, hash: f.hash };
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      if (AdapterError.is(error)) throw error;
      throw new AdapterError('refnode', `block feed of ${this.url} failed: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      this.#feeds.delete(client);
      await client.destroy().catch(() => {});
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const feeds = [...this.#feeds];
    this.#feeds.clear();
    await Promise.allSettled([this.#pool.destroy(), ...feeds.map((c) => c.destroy())]);
  }
}
