/**
 * The one open-loop runner under every tx workload: it pulls planned submissions from a
 * workload's schedule (an async iterator of `{ at, node, prepare }` in time order), sends
 * each when due whether earlier ones were answered or not, batches what falls due together
 * per node, records every submission in the cluster's recording with the id the node
 * answered, and retries in two cases only:
 * - no answer (node down, restarting): the same prepared tx goes to another node, at most
 *   `retryUnanswered` times;
 * - `overloaded` with the node's Retry-After: the same tx goes to the same node after that
 *   delay, at most `overloadRetries` times, counted in the record's `retries`; never dropped
 *   silently (when retries run out, the refusal is recorded).
 * Start/stop/dispose, `done` and `submitted()` are the same for every workload.
 */
import type { PreparedTx, SubmitResult } from '../adapter/types.ts';
import type { StartedNode } from '../cluster/types.ts';
import type { Recording, TxRecord } from '../observe/recording.ts';
import { type Clock, systemClock } from '../support/clock.ts';
import type { Rng } from '../support/rng.ts';

/** One submission a workload plans. `T` carries the workload's own bookkeeping. */
export interface PlannedTx<T = unknown> {
  /** When to send it, ms after the run started. Must not decrease along the schedule. */
  at: number;
  node: StartedNode;
  /** Builds (and maybe signs) the tx; called when the submission is due. */
  prepare(): Promise<PreparedTx>;
  /** The workload's data, handed back in `onAnswer`. */
  meta?: T;
}

/** What a submission ended with. */
export type Answer = SubmitResult | { ok: false; failed: string };

/** Options of {@link runOpenLoop}. */
export interface OpenLoopOptions<T> {
  /** Where submissions are recorded (the cluster's recording). */
  recording: Recording;
  /** Workload name (its label in the recording). */
  name: string;
  /** The schedule, pulled lazily in time order; it may await between items (e.g. resync nonces). */
  schedule: AsyncIterable<PlannedTx<T>> | Iterable<PlannedTx<T>>;
  /** Called once per submission with its final answer (after retries) and when it was first sent (recording ms). */
  onAnswer?(planned: PlannedTx<T>, tx: PreparedTx, answer: Answer, sentAt: number): void;
  /** Retries to another node of a submission that got no answer. Default 2. */
  retryUnanswered?: number;
  /** Nodes a no-answer retry may go to. Default: the nodes the schedule used so far. */
  retryNodes?: readonly StartedNode[];
  /** Retries of a submission answered `overloaded` (after its Retry-After). Default 5. */
  overloadRetries?: number;
  /** Requests in flight per node; more due submissions queue and go in the next request. Default: unlimited. */
  perNodeInFlight?: number;
  /** Per-request timeout (ms). Default: the client's. */
  requestTimeoutMs?: number;
  /** Seeded stream for retry targets. */
  rng: Rng;
  clock?: Clock;
}

/** A running open loop. */
export interface OpenLoop {
  /** Resolves when the schedule ended (or `stop`) and every submission was answered. */
  readonly done: Promise<void>;
  /** Submissions sent so far (retries not counted). */
  readonly sent: number;
  /** Every record this run made, as the recording has it now (inclusion filled in). */
  submitted(): TxRecord[];
  /** Ids of every recorded submission, in send order. */
  ids(): string[];
  /** Retries after `overloaded` answers so far, over all submissions. */
  readonly overloadRetries: number;
  /** Stops pulling the schedule and waits for what is in flight. Idempotent. */
  stop(): Promise<void>;
}

/** Longest sleep between checks of the schedule (a late item never waits longer). */
const MAX_TICK_MS = 100;
/**
 * Shortest sleep: submissions due within it go out together in one request per node (at
 * high rates a per-item wake-up would cost more than the sending).
 */
const MIN_TICK_MS = 10;
/** Default Retry-After when an `overloaded` answer carries none. */
const DEFAULT_RETRY_AFTER_MS = 1000;

interface Pending<T> {
  planned: PlannedTx<T>;
  tx: PreparedTx;
  node: StartedNode;
  firstAt: number;
  unanswered: number;
  overloaded: number;
  seq: number;
}

/**
 * Runs `schedule` open loop against the cluster.
 *
 * @example
 * const loop = runOpenLoop({ recording: cluster.recording, name: 'transactions', rng, schedule });
 * await loop.stop();
 */
export function runOpenLoop<T>(opts: OpenLoopOptions<T>): OpenLoop {
  const clock = opts.clock ?? systemClock;
  const rec = opts.recording;
  const retryUnanswered = opts.retryUnanswered ?? 2;
  const overloadRetries = opts.overloadRetries ?? 5;
  const perNode = opts.perNodeInFlight ?? Number.POSITIVE_INFINITY;
  const ac = new AbortController();
  // Indexed by send sequence, so ids() is in send order whatever order the answers came in.
  const idBySeq: (string | undefined)[] = [];
  const seen = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  const queues = new Map<StartedNode, { due: Pending<T>[]; busy: number }>();
  const used = new Set<StartedNode>();
  let sent = 0;
  let seq = 0;
  let retriesAfterOverload = 0;

  const record = (p: Pending<T>, answer: Answer): void => {
    // The node's answer names the tx; a refusal keeps the id the wallet knew, if any.
    const id = answer.ok ? answer.id : (p.tx.id ?? `${opts.name}#${p.seq}`);
    const base: TxRecord = {
      id,
      ...p.tx.summary,
      workload: opts.name,
      node: p.node.name,
      submittedAt: p.firstAt,
      outcome: 'accepted',
      ...(p.overloaded > 0 ? { retries: p.overloaded } : {}),
    };
    const r: TxRecord = answer.ok
      ? base
      : 'failed' in answer
        ? { ...base, outcome: 'failed', reason: answer.failed }
        : { ...base, outcome: 'rejected', reason: answer.code };
    rec.recordTx(r);
    if (!seen.has(id)) {
      seen.add(id);
      idBySeq[p.seq] = id;
    }
  };

  const settle = (p: Pending<T>, answer: Answer): void => {
    if (!answer.ok && 'failed' in answer && p.unanswered < retryUnanswered && !ac.signal.aborted) {
      const pool = (opts.retryNodes ?? [...used]).filter((n) => n !== p.node);
      p.unanswered++;
      if (pool.length > 0) p.node = opts.rng.pick(pool);
      enqueue([p]);
      return;
    }
    if (
      !answer.ok &&
      !('failed' in answer) &&
      answer.code === 'overloaded' &&
      p.overloaded < overloadRetries
    ) {
      // Backpressure: the node asked us to come back later; the tx is not dropped.
      p.overloaded++;
      retriesAfterOverload++;
      const wait = answer.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
      const job = clock.sleep(wait, ac.signal).then(
        () => enqueue([p]),
        // Stopped while waiting: the refusal is the answer.
        () => finish(p, answer),
      );
      track(job);
      return;
    }
    finish(p, answer);
  };

  const finish = (p: Pending<T>, answer: Answer): void => {
    record(p, answer);
    opts.onAnswer?.(p.planned, p.tx, answer, p.firstAt);
  };

  const track = (job: Promise<void>): void => {
    inFlight.add(job);
    void job.finally(() => inFlight.delete(job));
  };

  const flush = (node: StartedNode): void => {
    const q = queues.get(node);
    if (!q) return;
    while (q.due.length > 0 && q.busy < perNode) {
      const list = q.due.splice(0, q.due.length);
      q.busy++;
      const req = opts.requestTimeoutMs === undefined ? undefined : { timeoutMs: opts.requestTimeoutMs };
      const job = (async () => {
        try {
          const results =
            list.length === 1
              ? [await node.client.submitTx(list[0]!.tx, req)]
              : await node.client.submitTxs(
                  list.map((p) => p.tx),
                  req,
                );
          for (const [i, p] of list.entries()) settle(p, results[i]!);
        } catch (error) {
          const failed = (error as Error).message.split('\n', 1)[0]!;
          for (const p of list) settle(p, { ok: false, failed });
        } finally {
          q.busy--;
          flush(node);
        }
      })();
      track(job);
    }
  };

  function enqueue(list: Pending<T>[]): void {
    const touched = new Set<StartedNode>();
    for (const p of list) {
      let q = queues.get(p.node);
      if (!q) {
        q = { due: [], busy: 0 };
        queues.set(p.node, q);
      }
      q.due.push(p);
      touched.add(p.node);
    }
    for (const node of touched) flush(node);
  }

  const loop = (async () => {
    await pace(
      opts.schedule,
      async (due) => {
        const at = rec.now();
        const pending = await Promise.all(
          due.map(async (planned) => {
            used.add(planned.node);
            return {
              planned,
              tx: await planned.prepare(),
              node: planned.node,
              firstAt: at,
              unanswered: 0,
              overloaded: 0,
              seq: seq++,
            };
          }),
        );
        sent += pending.length;
        enqueue(pending);
      },
      { clock, signal: ac.signal },
    );
    while (inFlight.size > 0 || [...queues.values()].some((q) => q.due.length > 0)) {
      await Promise.allSettled([...inFlight]);
      if (inFlight.size === 0) for (const node of queues.keys()) flush(node);
    }
  })();

  const sentIds = (): string[] => idBySeq.filter((id): id is string => id !== undefined);
  let stopped: Promise<void> | undefined;
  return {
    done: loop,
    get sent() {
      return sent;
    },
    get overloadRetries() {
      return retriesAfterOverload;
    },
    ids: () => sentIds(),
    submitted: () =>
      sentIds()
        .map((id) => rec.txs.get(id))
        .filter((r): r is TxRecord => r?.workload === opts.name),
    stop() {
      stopped ??= (async () => {
        ac.abort();
        await loop;
      })();
      return stopped;
    },
  };
}

/** Something due `at` ms after a paced run started. */
export interface Due {
  at: number;
}

/** Options of {@link pace}. */
export interface PaceOptions {
  /** Stops pulling the schedule (what was handed out stays handed out). */
  signal: AbortSignal;
  clock?: Clock;
}

/**
 * The open loop's pacing, shared by everything that sends on a schedule (the tx runner, the
 * API flood, the control probe): pulls `schedule` (time order, `at` ms after the start) and
 * hands everything due by now to `dispatch` in one batch, whether earlier batches were
 * answered or not, sleeping 10..100 ms between ticks. Resolves when the schedule ends or
 * `signal` aborts (after the batch being dispatched).
 *
 * @example
 * await pace(paced(100, { durationMs: 5000 }).map((at) => ({ at })), (due) => send(due.length), { signal });
 */
export async function pace<P extends Due>(
  schedule: AsyncIterable<P> | Iterable<P>,
  dispatch: (due: P[]) => void | Promise<void>,
  opts: PaceOptions,
): Promise<void> {
  const clock = opts.clock ?? systemClock;
  const began = clock.monotonic();
  const it = (
    Symbol.asyncIterator in schedule
      ? schedule[Symbol.asyncIterator]()
      : (schedule as Iterable<P>)[Symbol.iterator]()
  ) as AsyncIterator<P> | Iterator<P>;
  try {
    let next = await it.next();
    while (!next.done && !opts.signal.aborted) {
      const now = clock.monotonic() - began;
      // Everything due by now goes out in one batch.
      const due: P[] = [];
      while (!next.done && next.value.at <= now) {
        due.push(next.value);
        next = await it.next();
      }
      if (due.length > 0) await dispatch(due);
      if (next.done) break;
      const wait = Math.max(MIN_TICK_MS, Math.min(MAX_TICK_MS, next.value.at - (clock.monotonic() - began)));
      try {
        await clock.sleep(wait, opts.signal);
      } catch {
        break;
      }
    }
  } finally {
    await it.return?.();
  }
}

/**
 * Times of an open loop at `rate` per second: the i-th submission (0-based) is due at
 * `i · 1000 / rate` ms, until `count` or `durationMs`.
 *
 * @example
 * for (const at of paced(10, { count: 3 })) console.log(at); // 0, 100, 200
 */
export function* paced(
  rate: number,
  limits: { count?: number; durationMs?: number; from?: number },
): Generator<number> {
  const from = limits.from ?? 0;
  const count = limits.count ?? Number.POSITIVE_INFINITY;
  for (let i = 0; i < count; i++) {
    const at = from + (i * 1000) / rate;
    if (limits.durationMs !== undefined && at >= from + limits.durationMs) return;
    yield at;
  }
}
