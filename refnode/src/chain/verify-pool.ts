import { extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type SignedTx, txSigningString } from '../codec.ts';
import { verifyTx } from '../tx-signature.ts';
import type { VerifyCache } from './tx-check.ts';
import { MAX_MESSAGE_BYTES, packBatch } from './verify-batch.ts';

/** `block` jobs (txs of a block being imported) overtake `tx` jobs (API and gossip admission). */
export type VerifyPriority = 'block' | 'tx';

/** Options of a {@link VerifyPool}. */
export interface VerifyPoolOptions {
  /** Where verified (id, sig) pairs are remembered; a pair already there is not verified again. */
  cache: VerifyCache;
  /** Worker threads; default 1. 0 verifies on the calling thread in small slices (tests, fallback). */
  workers?: number;
  /** Most signatures handed to a worker in one message; default 64 (about 5 ms of work). */
  batchSize?: number;
  /** Told when a worker fails; its batches are verified again elsewhere. */
  onWorkerError?: (error: Error) => void;
}

/** Thrown to callers still waiting when the pool stops. */
export class VerifyPoolStopped extends Error {
  constructor() {
    super('the verify pool stopped');
    this.name = 'VerifyPoolStopped';
  }
}

interface Job {
  tx: SignedTx;
  id: string;
  priority: VerifyPriority;
  state: 'queued' | 'sent' | 'done';
  promise: Promise<boolean>;
  resolve: (ok: boolean) => void;
  reject: (error: Error) => void;
}

interface Lane {
  worker: Worker;
  /** Batches sent and not answered yet, by id. */
  inflight: Map<number, Job[]>;
}

/** A queue with O(1) shift (Array.prototype.shift is O(n) on long queues). */
class Fifo<T> {
  #items: T[] = [];
  #head = 0;
  get length(): number {
    return this.#items.length - this.#head;
  }
  push(item: T): void {
    this.#items.push(item);
  }
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head++];
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
  drain(): T[] {
    const rest = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    return rest;
  }
}

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;
/**
 * Batches in flight per worker: queued work keeps a worker busy while a busy event loop is slow
 * to collect its answers, and an urgent job still waits for at most this many small batches.
 */
const inflightPerWorker = 4;
/** Starting guess of signatures per second per worker, until batches have been timed. */
const initialRate = 5000;
/** Weight of the newest batch in the rate estimate. */
const rateWeight = 0.2;
/** Signatures verified per slice when verifying on the calling thread. */
const inlineSlice = 32;

/**
 * Verifies tx signatures off the event loop, once per (id, sig): worker threads take packed
 * batches, txs of blocks being imported go first, and a tx already verified or already
 * waiting is not verified twice. The backlog (txs waiting for a verdict) and the time it
 * will take to clear, from the measured rate, tell admission when to push back.
 *
 * @example
 * const pool = new VerifyPool({ cache: new VerifyCache() });
 * const [ok] = await pool.verify([{ tx, id: txId(tx) }], 'tx');
 * await pool.stop();
 */
export class VerifyPool {
  readonly #cache: VerifyCache;
  readonly #batchSize: number;
  readonly #onWorkerError: ((error: Error) => void) | undefined;
  readonly #lanes: Lane[] = [];
  /** Workers still to start: they start with the first job, so an idle node never pays their boot. */
  #unstarted: number;
  readonly #workerUrl: URL;
  readonly #urgent = new Fifo<Job>();
  readonly #normal = new Fifo<Job>();
  /** Unsettled jobs by tx id (the first sig seen for an id; a forged copy gets its own job). */
  readonly #jobs = new Map<string, Job>();
  #unsettled = 0;
  #nextBatchId = 0;
  /** Signatures per second one lane verifies, smoothed. */
  #rate = initialRate;
  #inlineScheduled = false;
  #stopped = false;
  #workerFailures = 0;

  constructor(options: VerifyPoolOptions) {
    this.#cache = options.cache;
    this.#batchSize = options.batchSize ?? 64;
    this.#onWorkerError = options.onWorkerError;
    // The worker is a sibling module with our own extension: .ts from source, .js once compiled.
    this.#workerUrl = new URL(`./verify-worker${extname(import.meta.url)}`, import.meta.url);
    this.#unstarted = options.workers ?? 1;
  }

  /** Txs waiting for a verdict (queued or being verified). */
  get backlog(): number {
    return this.#unsettled;
  }

  /** Worker threads verifying now (0 before the first tx, and after every worker failed). */
  get workers(): number {
    return this.#lanes.length;
  }

  /** Workers that failed and left the pool since start. */
  get workerFailures(): number {
    return this.#workerFailures;
  }

  /** Signatures per second the pool verifies, as measured (wall clock, so a starved machine lowers it). */
  get rate(): number {
    return this.#rate * Math.max(1, this.#lanes.length + this.#unstarted);
  }

  /** How long a tx submitted now would wait for its verdict, in ms. */
  expectedWaitMs(): number {
    return (this.#unsettled / this.rate) * 1000;
  }

  /**
   * Verdicts for `txs`, in order. Pairs already in the cache answer at once; valid ones are
   * added to it. Rejects with {@link VerifyPoolStopped} if the pool stops first.
   */
  verify(txs: readonly { tx: SignedTx; id: string }[], priority: VerifyPriority): Promise<boolean[]> {
    if (this.#stopped) return Promise.reject(new VerifyPoolStopped());
    const verdicts = txs.map(({ tx, id }) => this.#enqueue(tx, id, priority));
    this.#pump();
    return Promise.all(verdicts);
  }

  /** Stops the workers; callers still waiting get {@link VerifyPoolStopped}. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#unstarted = 0;
    const error = new VerifyPoolStopped();
    for (const job of [...this.#urgent.drain(), ...this.#normal.drain()]) this.#fail(job, error);
    for (const lane of this.#lanes) {
      for (const jobs of lane.inflight.values()) for (const job of jobs) this.#fail(job, error);
      lane.inflight.clear();
    }
    await Promise.all(this.#lanes.map((lane) => lane.worker.terminate()));
    this.#lanes.length = 0;
  }

  #enqueue(tx: SignedTx, id: string, priority: VerifyPriority): boolean | Promise<boolean> {
    if (this.#cache.has(id, tx.sig)) return true;
    // The worker reads raw hex: anything else cannot be a valid signature by a valid key.
    if (
      typeof tx.from !== 'string' ||
      !HEX64.test(tx.from) ||
      typeof tx.sig !== 'string' ||
      !HEX128.test(tx.sig)
    )
      return false;
    const waiting = this.#jobs.get(id);
    if (waiting !== undefined && waiting.tx.sig === tx.sig) {
      if (priority === 'block' && waiting.priority === 'tx' && waiting.state === 'queued') {
        // Promoted: the urgent queue sends it; the normal queue skips it once sent.
        waiting.priority = 'block';
        this.#urgent.push(waiting);
      }
      return waiting.promise;
    }
    let resolve!: (ok: boolean) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<boolean>((ok, fail) => {
      resolve = ok;
      reject = fail;
    });
    const job: Job = { tx, id, priority, state: 'queued', promise, resolve, reject };
    if (waiting === undefined) this.#jobs.set(id, job);
    this.#unsettled++;
    (priority === 'block' ? this.#urgent : this.#normal).push(job);
    return promise;
  }

  /** Next jobs to verify, urgent first; jobs the cache answered meanwhile are settled on the way. */
  #take(max: number): Job[] {
    const out: Job[] = [];
    for (const queue of [this.#urgent, this.#normal]) {
      while (out.length < max) {
        const job = queue.shift();
        if (job === undefined) break;
        if (job.state !== 'queued') continue;
        if (this.#cache.has(job.id, job.tx.sig)) {
          this.#settle(job, true);
          continue;
        }
        job.state = 'sent';
        out.push(job);
      }
    }
    return out;
  }

  #pump(): void {
    if (this.#stopped) return;
    for (; this.#unstarted > 0; this.#unstarted--) this.#lanes.push(this.#startLane(this.#workerUrl));
    if (this.#lanes.length === 0) {
      this.#scheduleInline();
      return;
    }
    for (const lane of this.#lanes) {
      while (lane.inflight.size < inflightPerWorker) {
        const jobs = this.#take(this.#batchSize);
        if (jobs.length === 0) return;
        this.#send(lane, jobs);
      }
    }
  }

  #send(lane: Lane, jobs: Job[]): void {
    const entries: { publicKey: string; sig: string; message: string }[] = [];
    for (const job of jobs) {
      const message = txSigningString(job.tx);
      // Longer than any real tx; the entry format cannot carry it, and it is refused anyway.
      if (message.length > MAX_MESSAGE_BYTES / 4) this.#settle(job, false);
      else entries.push({ publicKey: job.tx.from, sig: job.tx.sig, message });
    }
    const sent = jobs.filter((job) => job.state === 'sent');
    if (sent.length === 0) return;
    const id = this.#nextBatchId++;
    lane.inflight.set(id, sent);
    const batch = packBatch(entries);
    lane.worker.postMessage({ id, batch }, [batch]);
  }

  /** A worker's verdicts, with how long it took over them (`ms`, timed on the worker). */
  #onAnswer(lane: Lane, answer: { id: number; results: Uint8Array; ms: number }): void {
    const jobs = lane.inflight.get(answer.id);
    if (jobs === undefined) return;
    lane.inflight.delete(answer.id);
    this.#observe(jobs.length, answer.ms);
    for (const [index, job] of jobs.entries()) this.#settle(job, answer.results[index] === 1);
    this.#pump();
  }

  #observe(count: number, ms: number): void {
    if (count < 8 || ms <= 0) return;
    this.#rate += rateWeight * ((count * 1000) / ms - this.#rate);
  }

  #settle(job: Job, ok: boolean): void {
    if (job.state === 'done') return;
    job.state = 'done';
    this.#unsettled--;
    if (this.#jobs.get(job.id) === job) this.#jobs.delete(job.id);
    if (ok) this.#cache.remember(job.id, job.tx.sig);
    job.resolve(ok);
  }

  #fail(job: Job, error: Error): void {
    if (job.state === 'done') return;
    job.state = 'done';
    this.#unsettled--;
    if (this.#jobs.get(job.id) === job) this.#jobs.delete(job.id);
    job.reject(error);
  }

  #startLane(url: URL): Lane {
    const worker = new Worker(url);
    // The node's servers keep the process alive; an idle verifier must not.
    worker.unref();
    const lane: Lane = { worker, inflight: new Map() };
    worker.on('message', (answer: { id: number; results: Uint8Array; ms: number }) =>
      this.#onAnswer(lane, answer),
    );
    worker.on('error', (error) => this.#retire(lane, error));
    worker.on('exit', (code) => {
      if (!this.#stopped) this.#retire(lane, new Error(`verify worker exited with code ${code}`));
    });
    return lane;
  }

  /** A failed worker leaves the pool; its batches go back to the front (verified inline if none is left). */
  #retire(lane: Lane, error: Error): void {
    const index = this.#lanes.indexOf(lane);
    if (index === -1) return;
    this.#lanes.splice(index, 1);
    this.#workerFailures++;
    this.#onWorkerError?.(error);
    for (const jobs of lane.inflight.values()) {
      for (const job of jobs) {
        if (job.state !== 'sent') continue;
        job.state = 'queued';
        this.#urgent.push(job);
      }
    }
    lane.inflight.clear();
    void lane.worker.terminate().catch(() => undefined);
    this.#pump();
  }

  /** Without workers: small slices between event-loop turns, so timers and I/O still run. */
  #scheduleInline(): void {
    if (this.#inlineScheduled) return;
    this.#inlineScheduled = true;
    setImmediate(() => {
      this.#inlineScheduled = false;
      if (this.#stopped) return;
      const jobs = this.#take(inlineSlice);
      const started = performance.now();
      for (const job of jobs) this.#settle(job, verifyTx(job.tx));
      this.#observe(jobs.length, performance.now() - started);
      if (this.#urgent.length + this.#normal.length > 0) this.#scheduleInline();
    });
  }
}
