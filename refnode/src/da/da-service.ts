import type { KeyObject } from 'node:crypto';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { DaProvider } from '../p2p/da-protocol.ts';
import { DEFAULT_MAX_BLOB_BYTES } from './blob.ts';
import { applyBlockCertificates, type DaBlockFault } from './block-rules.ts';
import { type Attestation, type Certificate, verifyCertificate } from './certificate.ts';
import { CertificatePool, DEFAULT_MAX_CERTIFICATES_PER_BLOCK } from './certificate-pool.ts';
import { ChannelBook } from './channels.ts';
import { ChunkHolder } from './chunk-holder.ts';
import type { Chunk } from './chunks.ts';
import { type Accepted, BlobDisperser } from './disperser.ts';
import { DaError, type DaRejection } from './errors.ts';
import { createDaMetrics, type DaMetrics } from './metrics.ts';
import { BlobRetriever } from './retriever.ts';
import { DaStore } from './store.ts';
import type { ChunkMessage, DaTransport } from './transport.ts';

/** DA settings of a node (config section `da`); defaults in brackets. */
export interface DaSettings {
  /** Largest blob payload accepted by `POST /da/blobs`, bytes [524288]. */
  maxBlobBytes: number;
  /** How far from a channel's next sequence a published blob may be [16]. */
  maxSequenceGap: number;
  /** Most certificates per block [128]. */
  maxCertificatesPerBlock: number;
}

export const defaultDaSettings: DaSettings = {
  maxBlobBytes: DEFAULT_MAX_BLOB_BYTES,
  maxSequenceGap: 16,
  maxCertificatesPerBlock: DEFAULT_MAX_CERTIFICATES_PER_BLOCK,
};

/** What the DA service needs from the node. */
export interface DaServiceOptions {
  role: 'validator' | 'executor';
  chainId: string;
  dataDir: string;
  /** Genesis validators in genesis order (chunk i ↔ validator i) and executors (asked for chunks as a last resort). */
  validators: readonly { nodeId: string; publicKey: string; peerId: string; stake: number }[];
  executors: readonly { nodeId: string; peerId: string }[];
  /** This node's key; used to attest on validators. */
  key: { secret: KeyObject; publicKey: string };
  settings?: Partial<DaSettings>;
  logger: Logger;
  registry: Registry;
}

/** How the service reaches the network once p2p is up. */
export interface DaNetwork extends DaTransport {
  /** Publishes a certificate gossip message on the `da` topic. */
  publish(data: Uint8Array): Promise<void>;
}

/** `GET /da/blobs/:id` answer. */
export interface BlobStatus {
  id: string;
  /** `pending`: known here but not certified yet; `certified`: certificate known, not in a block; `included`: in a best-chain block. */
  status: 'pending' | 'certified' | 'included';
  channel: string;
  owner: string;
  sequence: number;
  size: number;
  commitment?: string;
  height?: number;
  blockHash?: string;
}

/** Blocks as the DA service sees them. */
interface BlockLike {
  hash: string;
  height: number;
  da: unknown[];
}

const republishMs = 3000;

/**
 * Data availability in one node: the disk store, the executor pipeline (accept, disperse,
 * certify, gossip), the validator side (verify + store chunks, attest), the certificate pool
 * and block rules for proposers, the inclusion index, and retrieval. The node wires it to
 * p2p (DaProvider + DaNetwork), the chain (applyBlock, select, onBestChainChange) and the API.
 */
export class DaService {
  readonly store: DaStore;
  readonly holder: ChunkHolder;
  readonly pool = new CertificatePool();
  readonly settings: DaSettings;
  readonly metrics: DaMetrics;
  readonly #options: DaServiceOptions;
  readonly #included = new Map<string, { height: number; blockHash: string }>();
  #disperser: BlobDisperser | undefined;
  #retriever: BlobRetriever | undefined;
  #network: DaNetwork | undefined;
  #republish: NodeJS.Timeout | undefined;
  #retrievalFailures = 0;
  #stopped = false;

  constructor(options: DaServiceOptions) {
    this.#options = options;
    this.settings = { ...defaultDaSettings, ...options.settings };
    this.metrics = createDaMetrics(options.registry);
    this.store = new DaStore(options.dataDir);
    this.holder = new ChunkHolder({
      chainId: options.chainId,
      validators: options.validators,
      key: options.role === 'validator' ? options.key : undefined,
      store: this.store,
    });
  }

  /** What this node serves over the DA protocol. */
  get provider(): DaProvider {
    return {
      receiveChunk: (message: ChunkMessage): Attestation | DaRejection => {
        const result = this.holder.receive(message);
        if (!('code' in result)) this.metrics.chunksStored.inc();
        return result;
      },
      chunk: (id: string, index: number): Chunk | undefined => this.holder.chunk(id, index),
      countRequest: (direction, kind, outcome) => this.metrics.requests.inc({ direction, kind, outcome }),
    };
  }

  /** Starts the network-facing parts: dispersal (executors, resuming uncertified blobs), retrieval, republishing. */
  attach(network: DaNetwork): void {
    const { validators, chainId, logger } = this.#options;
    this.#network = network;
    if (this.#options.role === 'executor') {
      this.#disperser = new BlobDisperser({
        chainId,
        validators,
        store: this.store,
        transport: network,
        maxBlobBytes: this.settings.maxBlobBytes,
        maxSequenceGap: this.settings.maxSequenceGap,
        logger,
        onCertificate: (certificate) => {
          this.metrics.blobsCertified.inc();
          this.#gossip([certificate]);
        },
        onDispersed: () => this.metrics.blobsDispersed.inc(),
      });
      this.#disperser.resume();
      this.#republish = setInterval(() => this.#republishPending(), republishMs);
      this.#republish.unref();
    }
    this.#retriever = new BlobRetriever({
      validators,
      transport: network,
      store: this.store,
      localChunk: (id, index) => this.holder.chunk(id, index),
      extraPeers: () => this.#options.executors.map((e) => e.peerId),
      logger,
    });
  }

  // ---- executors ---------------------------------------------------------------------------

  /** `POST /da/blobs`: accepts a signed blob on an executor. */
  submit(raw: unknown): Accepted | DaRejection | { code: 'wrong_role'; message: string } {
    if (this.#disperser === undefined)
      return {
        code: 'wrong_role',
        message: `blobs are published to executors (${this.#options.executors.map((e) => e.nodeId).join(', ') || 'none in genesis'}); this node is a ${this.#options.role}`,
      };
    const result = this.#disperser.submit(raw);
    if (!('code' in result) && !result.duplicate) this.metrics.blobsReceived.inc();
    return result;
  }

  /** An executor's view of a channel (owner, next free sequence); undefined on validators or for unknown channels. */
  channel(name: string): { owner: string; next: number } | undefined {
    return this.#disperser?.channel(name);
  }

  /** Certified blobs not yet included, gossiped again (a validator may have missed them, e.g. while restarting). */
  #republishPending(): void {
    const stale = Date.now() - republishMs;
    const pending = [...this.#certifiedHere.values()].filter(
      (entry) => entry.at < stale && !this.#included.has(entry.certificate.id),
    );
    for (const entry of this.#certifiedHere.values())
      if (this.#included.has(entry.certificate.id)) this.#certifiedHere.delete(entry.certificate.id);
    if (pending.length > 0)
      this.#gossip(
        pending.slice(0, 256).map((entry) => entry.certificate),
        false,
      );
  }

  readonly #certifiedHere = new Map<string, { certificate: Certificate; at: number }>();

  #gossip(certificates: Certificate[], record = true): void {
    if (record)
      for (const certificate of certificates)
        this.#certifiedHere.set(certificate.id, { certificate, at: Date.now() });
    for (const certificate of certificates) this.#learn(certificate);
    // sentAt makes a re-publish differ from the first one (gossipsub drops repeated bytes).
    const bytes = Buffer.from(JSON.stringify({ certificates, sentAt: Date.now() }));
    this.#network?.publish(bytes).catch((error: Error) => {
      this.#options.logger.warn(
        { err: error.message },
        `publishing ${certificates.length} certificates failed`,
      );
    });
  }

  // ---- certificates from gossip -------------------------------------------------------------

  /** Validates a `da` gossip message: `reject` if any certificate is invalid, `accept` if any is new. */
  onGossip(data: Uint8Array): 'accept' | 'reject' | 'ignore' {
    let message: { certificates?: unknown };
    try {
      message = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
    } catch {
      return this.#verdict('reject');
    }
    const list = message?.certificates;
    if (!Array.isArray(list) || list.length === 0 || list.length > 256) return this.#verdict('reject');
    let fresh = 0;
    for (const raw of list) {
      const id = (raw as { id?: unknown })?.id;
      if (typeof id === 'string' && this.#known(id)) continue;
      const verified = verifyCertificate(raw, this.#options.validators, this.#options.chainId);
      if (!('ok' in verified)) {
        this.#options.logger.warn(
          { err: verified.message },
          `refused gossiped certificate: ${verified.message}`,
        );
        return this.#verdict('reject');
      }
      if (this.#learn(verified.certificate)) fresh++;
    }
    return this.#verdict(fresh > 0 ? 'accept' : 'ignore');
  }

  #verdict(verdict: 'accept' | 'reject' | 'ignore'): 'accept' | 'reject' | 'ignore' {
    this.metrics.gossip.inc({ verdict });
    return verdict;
  }

  #known(id: string): boolean {
    return this.#included.has(id) || this.pool.has(id);
  }

  /** Records a verified certificate: store, pool (validators), channel view (executors). True if new here. */
  #learn(certificate: Certificate): boolean {
    if (this.#included.has(certificate.id)) return false;
    const stored = this.store.getBlob(certificate.id)?.certificate !== undefined;
    if (!stored) this.store.putCertificate(certificate);
    this.#disperser?.noteBlob(certificate.header);
    const pooled = this.#options.role === 'validator' && this.pool.add(certificate);
    this.metrics.certificatePool.set(this.pool.size);
    return pooled || !stored;
  }

  // ---- blocks -------------------------------------------------------------------------------

  /** The channel state at genesis. */
  genesisBook(): ChannelBook {
    return new ChannelBook();
  }

  /** Block rule: checks a block's certificates on top of `parent`; the channel state after it, or the fault. */
  applyBlock(da: readonly unknown[], parent: ChannelBook): { book: ChannelBook } | DaBlockFault {
    return applyBlockCertificates(da, parent, {
      validators: this.#options.validators,
      chainId: this.#options.chainId,
      maxCertificates: this.settings.maxCertificatesPerBlock,
    });
  }

  /** Certificates a proposer puts in its next block on top of a block with channel state `book`. */
  select(book: ChannelBook): Certificate[] {
    this.pool.prune(book);
    this.metrics.certificatePool.set(this.pool.size);
    return this.pool.select(book, this.settings.maxCertificatesPerBlock);
  }

  /** Keeps the inclusion index and pool in step with the best chain (also called for replayed blocks). */
  onBestChainChange(removed: readonly BlockLike[], joined: readonly BlockLike[]): void {
    // A certificate that only moved to another block in a reorg is not counted twice.
    const moved = new Set<string>();
    for (const block of removed) {
      for (const raw of block.da) {
        const certificate = raw as Certificate;
        if (this.#included.delete(certificate.id)) moved.add(certificate.id);
        if (this.#options.role === 'validator') this.pool.add(certificate);
      }
    }
    for (const block of joined) {
      for (const raw of block.da) {
        const certificate = raw as Certificate;
        this.#included.set(certificate.id, { height: block.height, blockHash: block.hash });
        this.pool.remove(certificate.id);
        if (this.store.getBlob(certificate.id)?.certificate === undefined)
          this.store.putCertificate(certificate);
        this.#disperser?.noteBlob(certificate.header);
        if (!moved.delete(certificate.id)) this.metrics.blobsIncluded.inc();
      }
    }
    this.metrics.certificatePool.set(this.pool.size);
  }

  // ---- queries ------------------------------------------------------------------------------

  /** Status of a blob as far as this node knows it; undefined when unknown. */
  status(id: string): BlobStatus | undefined {
    const blob = this.store.getBlob(id);
    if (blob === undefined) return undefined;
    const { header } = blob;
    const included = this.#included.get(id);
    const base = {
      id,
      channel: header.channel,
      owner: header.owner,
      sequence: header.sequence,
      size: header.size,
      ...(blob.commitment ? { commitment: blob.commitment } : {}),
    };
    if (included)
      return { ...base, status: 'included', height: included.height, blockHash: included.blockHash };
    return { ...base, status: blob.certificate ? 'certified' : 'pending' };
  }

  /**
   * The blob's payload, verified: held whole here, or rebuilt from chunks of other nodes.
   * Throws DaError `not_found` (unknown or not certified yet, so no commitment to check against),
   * `unavailable` or `inconsistent`.
   */
  async data(id: string): Promise<Buffer> {
    const blob = this.store.getBlob(id);
    if (blob === undefined) throw new DaError('not_found', `no blob ${id} known here`);
    if (blob.certificate === undefined) {
      // The executor it was published to holds the signed payload itself.
      if (blob.data !== undefined) return Buffer.from(blob.data);
      throw new DaError(
        'not_found',
        `blob ${id} has no certificate here yet, so it cannot be rebuilt and verified`,
      );
    }
    if (this.#retriever === undefined) throw new DaError('unavailable', 'the network is not started');
    try {
      const data = await this.#retriever.retrieve(blob.certificate);
      this.metrics.retrievals.inc();
      return data;
    } catch (error) {
      this.#retrievalFailures++;
      this.metrics.retrievalFailures.inc();
      throw error;
    }
  }

  /** Counters for `/info`. */
  info(): {
    received: number;
    dispersed: number;
    certified: number;
    included: number;
    retrievalFailures: number;
    pool: number;
    stored: { blobs: number; withData: number; certified: number; chunks: number };
  } {
    const counters = this.#disperser?.counters ?? { received: 0, dispersed: 0, certified: 0 };
    return {
      ...counters,
      included: this.#included.size,
      retrievalFailures: this.#retrievalFailures,
      pool: this.pool.size,
      stored: this.store.counts(),
    };
  }

  /** Stops dispersal and closes the store. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#republish);
    await this.#disperser?.stop();
    this.store.close();
  }
}
