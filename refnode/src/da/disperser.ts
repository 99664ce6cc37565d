import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { type BlobHeader, checkBlob, DEFAULT_MAX_BLOB_BYTES } from './blob.ts';
import {
  type Attestation,
  buildCertificate,
  type Certificate,
  certificateThreshold,
  type DaValidator,
  verifyAttestation,
} from './certificate.ts';
import { encodeBlob } from './chunks.ts';
import { DaError, type DaErrorCode, type DaRejection } from './errors.ts';
import type { DaStore } from './store.ts';
import type { DaTransport } from './transport.ts';

/** Options of a {@link BlobDisperser}; defaults in brackets. */
export interface BlobDisperserOptions {
  chainId: string;
  /** Genesis validators in genesis order, with the peer ids to reach them. */
  validators: readonly (DaValidator & { peerId: string; nodeId?: string })[];
  store: DaStore;
  transport: DaTransport;
  /** Largest payload accepted [512 KiB]. */
  maxBlobBytes?: number;
  /**
   * How far from a channel's next sequence (as this executor knows it) a blob's sequence may
   * be [16]; 0 = exactly the next one. Lets an owner spread consecutive blobs over several
   * executors before the others' certificates arrive here. Blocks still include a channel's
   * blobs strictly in order, and a sequence already held by another blob is always refused.
   */
  maxSequenceGap?: number;
  /** Waits between attempts to reach a validator; the last repeats [100, 250, 500, 1000, 2000]. */
  retryDelaysMs?: readonly number[];
  /** After certification, how long to keep retrying validators that have not attested yet, ms [30000]. */
  lingerMs?: number;
  /** Called once per blob when it is certified (the node gossips the certificate). */
  onCertificate?: (certificate: Certificate) => void;
  /** Called once per blob when every validator has attested its chunk. */
  onDispersed?: (id: string) => void;
  logger?: Pick<Logger, 'info' | 'warn' | 'debug' | 'error'>;
}

/** Answer to an accepted publish. */
export interface Accepted {
  id: string;
  /** `certified` when the blob was known and certified before (a repeated publish). */
  status: 'pending' | 'certified';
  /** True when this exact blob was published before (the call changed nothing). */
  duplicate: boolean;
}

/** Blob counts of an executor since start. */
export interface DisperserCounters {
  /** Blobs accepted from clients. */
  received: number;
  /** Blobs whose chunks every validator attested. */
  dispersed: number;
  /** Blobs that got a certificate. */
  certified: number;
}

/** Refusals that a validator will repeat however often it is asked: stop sending to it. */
const finalRefusals = new Set<DaErrorCode>([
  'malformed',
  'wrong_chain',
  'bad_signature',
  'wrong_index',
  'bad_chunk',
]);

interface Waiter {
  promise: Promise<Certificate>;
  resolve(certificate: Certificate): void;
  reject(error: Error): void;
}

/**
 * The executor side of data availability: accepts signed blobs (stateless checks, then channel
 * ownership and order as this executor knows them), stores them, encodes them into one chunk
 * per validator, sends each validator its chunk through the transport, collects attestations
 * and builds the certificate once they hold ≥ 2/3 of the stake. Dispersal retries unreachable
 * validators with backoff and resumes after a restart for blobs stored but not yet certified.
 */
export class BlobDisperser implements AsyncDisposable {
  readonly counters: DisperserCounters = { received: 0, dispersed: 0, certified: 0 };
  readonly #options: BlobDisperserOptions;
  readonly #maxBlobBytes: number;
  readonly #maxGap: number;
  /** Channel → owner and highest sequence this executor knows of. */
  readonly #channels = new Map<string, { owner: string; last: number }>();
  readonly #waiters = new Map<string, Waiter>();
  readonly #inflight = new Set<Promise<void>>();
  readonly #active = new Set<string>();
  readonly #abort = new AbortController();

  constructor(options: BlobDisperserOptions) {
    this.#options = options;
    this.#maxBlobBytes = options.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES;
    this.#maxGap = options.maxSequenceGap ?? 16;
    // The lowest-sequence claim of a channel is its owner's (sequence 0 claims it).
    for (const head of options.store.channelHeads()) {
      const known = this.#channels.get(head.channel);
      if (known === undefined) this.#channels.set(head.channel, { owner: head.owner, last: head.last });
      else if (known.owner === head.owner) known.last = Math.max(known.last, head.last);
    }
  }

  /** What this executor knows of a channel: owner and the next free sequence. */
  channel(name: string): { owner: string; next: number } | undefined {
    const known = this.#channels.get(name);
    return known && { owner: known.owner, next: known.last + 1 };
  }

  /** Records a blob learned elsewhere (a certificate from gossip or a block), so order checks see it. */
  noteBlob(header: Pick<BlobHeader, 'channel' | 'owner' | 'sequence'>): void {
    const known = this.#channels.get(header.channel);
    if (known === undefined)
      this.#channels.set(header.channel, { owner: header.owner, last: header.sequence });
    else if (known.owner === header.owner) known.last = Math.max(known.last, header.sequence);
    else if (header.sequence === 0) this.#channels.set(header.channel, { owner: header.owner, last: 0 });
  }

  /**
   * Accepts a `POST /da/blobs` body: returns its id and starts dispersal, or the typed refusal
   * (`malformed`, `wrong_chain`, `bad_channel`, `bad_signature`, `too_large`, `bad_order`).
   * Publishing the same signed blob again is harmless and reports `duplicate`.
   */
  submit(raw: unknown): Accepted | DaRejection {
    if (this.#abort.signal.aborted) return { code: 'unavailable', message: 'the executor is stopping' };
    const checked = checkBlob(raw, this.#options.chainId, this.#maxBlobBytes);
    if ('code' in checked) return checked;
    const { id, header, data } = checked;
    const { store } = this.#options;
    const existing = store.getBlob(id);
    if (existing?.data !== undefined || existing?.certificate !== undefined) {
      return { id, status: existing.certificate ? 'certified' : 'pending', duplicate: true };
    }
    const known = this.#channels.get(header.channel);
    if (known !== undefined && known.owner !== header.owner)
      return {
        code: 'bad_channel',
        message: `channel ${header.channel} is owned by ${known.owner.slice(0, 12)}…, not ${header.owner.slice(0, 12)}…`,
      };
    const next = known === undefined ? 0 : known.last + 1;
    if (store.blobsAt(header.channel, header.sequence).length > 0)
      return {
        code: 'bad_order',
        message: `sequence ${header.sequence} on channel ${header.channel} is already taken by another blob; the next free one is ${next}`,
      };
    if (Math.abs(header.sequence - next) > this.#maxGap)
      return {
        code: 'bad_order',
        message: `sequence ${header.sequence} on channel ${header.channel} is not the next one (${next})${this.#maxGap > 0 ? `; at most ${this.#maxGap} away allowed` : ''}`,
      };
    store.putBlob({ id, header, data });
    this.noteBlob(header);
    this.counters.received++;
    this.#options.logger?.info(
      { blob: id, channel: header.channel, sequence: header.sequence, size: header.size },
      `accepted blob ${id.slice(0, 12)} (${header.channel}#${header.sequence}, ${header.size} bytes); dispersing`,
    );
    this.#start(id);
    return { id, status: 'pending', duplicate: false };
  }

  /** Resolves with the blob's certificate once it has one (immediately if it already has). */
  certificate(id: string): Promise<Certificate> {
    const stored = this.#options.store.getBlob(id)?.certificate;
    if (stored !== undefined) return Promise.resolve(stored);
    return this.#waiter(id).promise;
  }

  /** Restarts dispersal of every stored blob that has data but no certificate; returns how many. */
  resume(): number {
    const ids = this.#options.store.uncertified();
    for (const id of ids) this.#start(id);
    if (ids.length > 0)
      this.#options.logger?.info(
        { blobs: ids.length },
        `resuming dispersal of ${ids.length} uncertified blobs`,
      );
    return ids.length;
  }

  #waiter(id: string): Waiter {
    let waiter = this.#waiters.get(id);
    if (waiter === undefined) {
      let resolve!: (certificate: Certificate) => void;
      let reject!: (error: Error) => void;
      const promise = new Promise<Certificate>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // A waiter nobody awaits must not crash the process when rejected at stop.
      promise.catch(() => undefined);
      waiter = { promise, resolve, reject };
      this.#waiters.set(id, waiter);
    }
    return waiter;
  }

  #start(id: string): void {
    if (this.#active.has(id)) return;
    this.#active.add(id);
    const run = this.#disperse(id)
      .catch((error: Error) => {
        this.#options.logger?.error(
          { err: error, blob: id },
          `dispersal of blob ${id.slice(0, 12)} failed: ${error.message}`,
        );
        this.#waiters.get(id)?.reject(error);
        this.#waiters.delete(id);
      })
      .finally(() => {
        this.#active.delete(id);
        this.#inflight.delete(run);
      });
    this.#inflight.add(run);
  }

  async #disperse(id: string): Promise<void> {
    const { store, validators, transport, chainId, logger } = this.#options;
    const blob = store.getBlob(id);
    if (blob?.data === undefined) throw new DaError('not_found', `blob ${id} has no data to disperse`);
    const { header } = blob;
    const encoded = encodeBlob(blob.data, validators.length);
    store.putBlob({ id, header, commitment: encoded.commitment });
    const attested = {
      chainId,
      id,
      commitment: encoded.commitment,
      size: header.size,
      layout: encoded.layout,
    };
    const attestations: Attestation[] = [];
    const threshold = certificateThreshold(validators);
    const delays = this.#options.retryDelaysMs ?? [100, 250, 500, 1000, 2000];
    const lingerMs = this.#options.lingerMs ?? 30_000;
    const signal = this.#abort.signal;
    let stake = 0;
    let certifiedAt: number | undefined;
    const refused: string[] = [];

    const sendTo = async (index: number): Promise<void> => {
      const validator = validators[index]!;
      const name = validator.nodeId ?? `validator ${index}`;
      for (let attempt = 0; !signal.aborted; attempt++) {
        if (certifiedAt !== undefined && Date.now() - certifiedAt > lingerMs) return;
        try {
          const attestation = await transport.sendChunk(validator.peerId, {
            id,
            header,
            commitment: encoded.commitment,
            chunk: encoded.chunks[index]!,
          });
          if (attestation.validator !== validator.publicKey || !verifyAttestation(attestation, attested)) {
            refused.push(`${name}: invalid attestation`);
            return;
          }
          attestations.push({ validator: attestation.validator, sig: attestation.sig });
          stake += validator.stake;
          if (certifiedAt === undefined && stake >= threshold) {
            certifiedAt = Date.now();
            this.#certify(id, header, encoded.commitment, attestations);
          }
          return;
        } catch (error) {
          const code = (error as Partial<DaError>).code;
          if ((error as Partial<DaError>).isDaError && code !== undefined && finalRefusals.has(code)) {
            refused.push(`${name}: ${code}: ${(error as Error).message}`);
            logger?.warn(
              { blob: id, validator: name, code },
              `${name} refused chunk ${index} of blob ${id.slice(0, 12)}: ${(error as Error).message}`,
            );
            return;
          }
          if (attempt === 2)
            logger?.debug(
              { blob: id, validator: name, err: (error as Error).message },
              `still trying to reach ${name} for blob ${id.slice(0, 12)}`,
            );
          try {
            await sleep(delays[Math.min(attempt, delays.length - 1)]!, undefined, { signal });
          } catch {
            return;
          }
        }
      }
    };

    await Promise.all(validators.map((_, index) => sendTo(index)));
    if (attestations.length === validators.length) {
      this.counters.dispersed++;
      this.#options.onDispersed?.(id);
    }
    if (certifiedAt === undefined && !signal.aborted)
      throw new DaError(
        'unavailable',
        `attestations hold stake ${stake}, the certificate needs ${threshold}; refused by ${refused.join('; ') || 'nobody'}`,
      );
  }

  #certify(id: string, header: BlobHeader, commitment: string, attestations: Attestation[]): void {
    const certificate = buildCertificate({ id, header, commitment }, attestations, this.#options.validators);
    this.#options.store.putCertificate(certificate);
    this.counters.certified++;
    this.#options.logger?.info(
      {
        blob: id,
        channel: header.channel,
        sequence: header.sequence,
        signers: certificate.attestations.length,
      },
      `certified blob ${id.slice(0, 12)} (${header.channel}#${header.sequence}) with ${certificate.attestations.length} of ${this.#options.validators.length} validators`,
    );
    this.#waiters.get(id)?.resolve(certificate);
    this.#waiters.delete(id);
    try {
      this.#options.onCertificate?.(certificate);
    } catch (error) {
      this.#options.logger?.error({ err: error, blob: id }, 'onCertificate listener failed');
    }
  }

  /** Stops retries and waits for in-flight sends to settle; pending waiters reject. Idempotent. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.allSettled([...this.#inflight]);
    for (const waiter of this.#waiters.values())
      waiter.reject(new DaError('unavailable', 'the executor stopped'));
    this.#waiters.clear();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

export type { DaRejection };
