/**
 * The API flood's sender: undici connection pools per target (one for fast requests, one
 * for slow bodies), paced by the shared open-loop pacing (`pace`, src/workloads/runner.ts)
 * at a number `qps`, or keeping every connection busy at `qps: 'max'`. What it may have in
 * flight is bounded (a planned request beyond the bound is counted `unsent`, never queued
 * without limit), it ends by itself after `durationMs`, and it tallies every request per
 * second (tally.ts). It runs in the flood's worker thread (flood-worker.ts), so the test's
 * own event loop — its observer and control probe — does not queue behind it.
 */
import { Readable } from 'node:stream';
import { Pool } from 'undici';
import type { ApiRequest, ApiRequestKind } from '../../adapter/types.ts';
import { type Clock, systemClock } from '../../support/clock.ts';
import { Rng } from '../../support/rng.ts';
import { pace } from '../runner.ts';
import { type FloodPlan, floodSchedule, kindPicker } from './plan.ts';
import { type RawFloodRow, Tally } from './tally.ts';

/** A running flood. */
export interface FloodRun {
  /** Resolves when the flood ended (its duration passed, or `stop`) and every request it sent ended. */
  readonly done: Promise<void>;
  /** Ends the flood now: nothing more is sent, what is in flight is aborted. Idempotent. */
  stop(): void;
}

/** Planned fast requests in flight per connection at a number `qps` (more are `unsent`). */
const QUEUE_PER_CONNECTION = 8;
/** Pause before a `max` flood refills after a failed request (a node that refuses connections must not spin the thread). */
const FAILURE_BACKOFF_MS = 10;
/** Pieces a slow body is sent in. */
const SLOW_PIECES = 10;

interface Target {
  node: string;
  fast: Pool;
  slow: Pool;
  fastInFlight: number;
  slowInFlight: number;
}

/** A short, stable name for a request that got no answer. */
export function failureOf(error: unknown): string {
  const e = error as { code?: unknown; name?: string };
  // A request aborted by `stop()` rejects with the signal's DOMException, whose `code` is a number.
  if (e?.name === 'AbortError') return 'aborted';
  if (typeof e?.code !== 'string') return 'error';
  switch (e.code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'timeout';
    case 'UND_ERR_ABORTED':
      return 'aborted';
    case 'UND_ERR_SOCKET':
      return 'socket';
    case 'ECONNREFUSED':
      return 'connection-refused';
    case 'ECONNRESET':
      return 'connection-reset';
    case 'EPIPE':
      return 'broken-pipe';
    case 'EADDRNOTAVAIL':
      return 'address-not-available';
    default:
      return e.code.toLowerCase();
  }
}

/**
 * Starts flooding as `plan` says; `onRows` gets each second's tallied rows once that second
 * is over (and the rest at the end).
 *
 * @example
 * const run = runFlood(plan, (rows) => post(rows));
 * await run.done;
 */
export function runFlood(
  plan: FloodPlan,
  onRows: (rows: RawFloodRow[]) => void,
  clock: Clock = systemClock,
): FloodRun {
  const began = clock.monotonic();
  const second = (): number => Math.floor((clock.monotonic() - began) / 1000);
  const tally = new Tally();
  const abort = new AbortController();
  const hurry = new AbortController();
  const pacing = new AbortController();
  const inFlight = new Set<Promise<void>>();
  const max = plan.qps === 'max';
  const fastCap = max ? plan.connections : plan.connections * QUEUE_PER_CONNECTION;
  const fastKinds =
    plan.mix.slowBody === sum(plan.mix)
      ? undefined
      : kindPicker(plan.mix, new Rng(plan.seed, 'api-flood').fork('max-kinds'), ['slowBody']);
  const cursor = new Map<ApiRequestKind, number>();
  let ending = false;

  const pool = (url: string, connections: number, headersTimeout: number): Pool =>
    new Pool(url, {
      connections,
      pipelining: 1,
      keepAliveTimeout: 10_000,
      headersTimeout,
      bodyTimeout: plan.timeoutMs,
      ...(plan.from === undefined ? {} : { localAddress: plan.from }),
    });
  const targets: Target[] = plan.targets.map((t) => ({
    node: t.node,
    fast: pool(t.url, plan.connections, plan.timeoutMs),
    // A slow body's answer comes only after the body, so its headers may take that long.
    slow: pool(t.url, plan.slowConnections, plan.slowBodyMs + plan.timeoutMs),
    fastInFlight: 0,
    slowInFlight: 0,
  }));

  const pick = (kind: ApiRequestKind): ApiRequest => {
    const list = plan.catalog[kind];
    const i = cursor.get(kind) ?? 0;
    cursor.set(kind, i + 1);
    return list[i % list.length]!;
  };

  async function* trickle(bytes: Buffer): AsyncGenerator<Buffer> {
    const size = Math.max(1, Math.ceil(bytes.length / SLOW_PIECES));
    for (let i = 0; i < bytes.length; i += size) {
      // At the flood's end the rest goes at once, so the flood ends on time.
      if (i > 0 && !hurry.signal.aborted)
        await clock.sleep(plan.slowBodyMs / SLOW_PIECES, hurry.signal).catch(() => undefined);
      yield bytes.subarray(i, i + size);
    }
  }

  const issue = async (t: Target, kind: ApiRequestKind, req: ApiRequest): Promise<number | string> => {
    const slow = kind === 'slowBody' && req.body !== undefined;
    const bytes = req.body === undefined ? undefined : Buffer.from(req.body);
    try {
      const res = await (slow ? t.slow : t.fast).request({
        method: req.method,
        path: req.path,
        headers: slow ? { ...req.headers, 'content-length': String(bytes!.length) } : (req.headers ?? {}),
        body: slow ? Readable.from(trickle(bytes!)) : bytes,
        signal: abort.signal,
      });
      // Read the whole answer: latency is to its last byte, and the connection stays reusable.
      for await (const _ of res.body);
      return res.statusCode;
    } catch (error) {
      return failureOf(error);
    }
  };

  const send = (i: number, kind: ApiRequestKind, burst: boolean): void => {
    const t = targets[i]!;
    const slow = kind === 'slowBody';
    if (ending) return;
    if (slow ? t.slowInFlight >= plan.slowConnections : !burst && t.fastInFlight >= fastCap) {
      tally.unsent(second(), t.node, kind);
      return;
    }
    if (slow) t.slowInFlight++;
    else t.fastInFlight++;
    const started = clock.monotonic();
    const job = issue(t, kind, pick(kind)).then(async (status) => {
      tally.add(second(), t.node, kind, status, clock.monotonic() - started);
      if (slow) t.slowInFlight--;
      else t.fastInFlight--;
      if (!max || ending) return;
      if (typeof status === 'string') await clock.sleep(FAILURE_BACKOFF_MS).catch(() => undefined);
      refill(i);
    });
    inFlight.add(job);
    void job.finally(() => inFlight.delete(job));
  };

  /** `max`: keeps the target's connections (and slow slots) busy. */
  function refill(i: number): void {
    const t = targets[i]!;
    while (!ending && fastKinds !== undefined && t.fastInFlight < fastCap) send(i, fastKinds(), false);
    while (!ending && plan.mix.slowBody > 0 && t.slowInFlight < plan.slowConnections)
      send(i, 'slowBody', false);
  }

  const flushing = clock.setInterval(() => onRows(tally.take(second())), 1000);
  const done = (async () => {
    try {
      if (max) for (let i = 0; i < targets.length; i++) refill(i);
      await pace(
        floodSchedule(plan),
        (due) => {
          for (const r of due) send(r.target, r.kind, r.burst);
        },
        { signal: pacing.signal, clock },
      );
      // `max` schedules only bursts: the flood lasts its duration whatever is scheduled.
      const left = plan.durationMs - (clock.monotonic() - began);
      if (left > 0) await clock.sleep(left, pacing.signal).catch(() => undefined);
      ending = true;
      hurry.abort();
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    } finally {
      flushing[Symbol.dispose]();
      onRows(tally.take());
      await Promise.allSettled(targets.flatMap((t) => [t.fast.destroy(), t.slow.destroy()]));
    }
  })();

  return {
    done,
    stop() {
      ending = true;
      pacing.abort();
      hurry.abort();
      abort.abort();
    },
  };
}

function sum(mix: Record<string, number>): number {
  return Object.values(mix).reduce((a, b) => a + b, 0);
}
