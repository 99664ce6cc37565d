/**
 * One direction of one proxied connection: reads chunks from `src`, holds each until its
 * flow says it is due, and writes them to `dst` in order. Backpressure is TCP's: when too
 * much waits in the queue or `dst` is full, `src` stops being read, so a slow link slows the
 * sender instead of filling memory. A gated pipe (its flow blackholed) reads nothing.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Flow } from './flow.ts';

/** Bytes queued in one pipe before its source is paused, and the level that resumes it. */
const HIGH_WATER = 1 << 20;
const LOW_WATER = HIGH_WATER / 2;
/** Chunks due within this much of now go out together (timers fire at ms granularity). */
const DUE_SLACK_MS = 0.5;

type PauseReason = 'queue' | 'drain' | 'gate';

export class Pipe {
  readonly #src: Socket;
  readonly #dst: Socket;
  readonly #flow: Flow;
  readonly #onBytes: (n: number) => void;
  readonly #queue: { due: number; chunk: Buffer }[] = [];
  #head = 0;
  #queued = 0;
  #lastDue = 0;
  #timer: NodeJS.Timeout | undefined;
  #ended = false;
  #stopped = false;
  readonly #paused = new Set<PauseReason>();

  constructor(src: Socket, dst: Socket, flow: Flow, onBytes: (n: number) => void) {
    this.#src = src;
    this.#dst = dst;
    this.#flow = flow;
    this.#onBytes = onBytes;
  }

  /** Starts reading `src` (unless gated meanwhile). */
  start(): void {
    this.#src.on('data', (chunk: Buffer) => this.#push(chunk));
    this.#src.on('end', () => {
      this.#ended = true;
      this.#maybeEnd();
    });
    this.#dst.on('drain', () => this.#resume('drain'));
    this.#update();
  }

  /** Gated: read nothing from `src` (the flow is blackholed); ungated: read again. */
  gate(on: boolean): void {
    if (on) this.#pause('gate');
    else this.#resume('gate');
  }

  /** Drops what is queued and reads no more (the connection is going away). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.length = 0;
    this.#head = 0;
    this.#queued = 0;
  }

  #push(chunk: Buffer): void {
    if (this.#stopped) return;
    const now = performance.now();
    // A TCP stream arrives in order whatever the jitter: never let a chunk overtake.
    const due = Math.max(this.#flow.schedule(now, chunk.length), this.#lastDue);
    this.#lastDue = due;
    if (due <= now + DUE_SLACK_MS && this.#head === this.#queue.length) {
      this.#write(chunk);
      return;
    }
    this.#queue.push({ due, chunk });
    this.#queued += chunk.length;
    if (this.#queued > HIGH_WATER) this.#pause('queue');
    this.#arm();
  }

  #arm(): void {
    if (this.#timer || this.#head === this.#queue.length) return;
    const wait = this.#queue[this.#head]!.due - performance.now();
    this.#timer = setTimeout(() => this.#flush(), Math.max(0, Math.ceil(wait)));
  }

  #flush(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    const now = performance.now();
    while (this.#head < this.#queue.length && this.#queue[this.#head]!.due <= now + DUE_SLACK_MS) {
      const { chunk } = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined as never;
      this.#queued -= chunk.length;
      this.#write(chunk);
    }
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    if (this.#queued < LOW_WATER) this.#resume('queue');
    this.#arm();
    this.#maybeEnd();
  }

  #write(chunk: Buffer): void {
    this.#flow.bytes += chunk.length;
    this.#onBytes(chunk.length);
    if (!this.#dst.write(chunk)) this.#pause('drain');
  }

  /** The source finished and everything it sent went out: finish the other side too. */
  #maybeEnd(): void {
    if (this.#ended && this.#head === this.#queue.length && !this.#stopped) this.#dst.end();
  }

  #pause(reason: PauseReason): void {
    this.#paused.add(reason);
    this.#update();
  }

  #resume(reason: PauseReason): void {
    this.#paused.delete(reason);
    this.#update();
  }

  #update(): void {
    if (this.#paused.size > 0) this.#src.pause();
    else if (!this.#stopped) this.#src.resume();
  }
}
