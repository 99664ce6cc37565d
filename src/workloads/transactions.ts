/**
 * The transaction workload: open-loop transfers at `rate` tx/s spread over `users` funded
 * wallets, to random recipients, submitted to random target nodes. Every choice comes from
 * `cluster.rng.fork(name)`, so the same seed sends the same tx sequence. Every tx is
 * recorded in `cluster.recording` (submitted at, accepted/rejected and why; the observer
 * adds inclusion and finality).
 */
import { z } from 'zod';
import type { SignedTx, SubmitResult, Wallet } from '../adapter/types.ts';
import { type NodeSelection, nodeSelectionSchema, selectNodes } from '../cluster/node-selection.ts';
import type { StartedCluster, StartedNode } from '../cluster/types.ts';
import type { TxRecord } from '../observe/recording.ts';
import { systemClock } from '../support/clock.ts';
import { ConfigError } from '../support/errors.ts';
import type { Rng } from '../support/rng.ts';
import { type AllowedText, parseOptions } from '../support/validate.ts';
import { nonceBook } from './nonces.ts';
import { type StartedWorkload, type Workload, workloadNameSchema } from './workload.ts';

/** A fixed value or an inclusive range drawn uniformly per tx. */
export type IntRange = number | { min: number; max: number };

/** Options of {@link transactions}. */
export interface TransactionsOptions {
  /** Transactions per second (open loop: sends on schedule whatever the answers). Required; 0 < rate ≤ 5000. */
  rate: number;
  /** Funded wallets that send (the first `users` of the cluster's wallets). Required; ≥ 1. */
  users: number;
  /** Amount per transfer. Default `{ min: 1, max: 1000 }`. */
  amount?: IntRange;
  /** Fee per transfer. Default: the chain's minimum fee. */
  fee?: IntRange;
  /** Nodes to submit to: `all`, `validators`, `executors` or node names. Default `validators`. */
  targets?: NodeSelection;
  /** Stop after this many txs. Default: no limit. */
  count?: number;
  /** Stop after this long (ms). Default: no limit. */
  durationMs?: number;
  /** Name in the recording and the rng fork label. Default `transactions`. */
  name?: string;
}

/** A running transaction workload. */
export interface StartedTransactions extends StartedWorkload {
  /** Resolves when `count` or `durationMs` is reached (never, without either) or on stop. */
  readonly done: Promise<void>;
  /** Txs sent so far. */
  readonly sent: number;
  /** Ids of every tx sent, in send order. */
  ids(): string[];
}

const intRange = z.union([
  z.int().min(0),
  z
    .strictObject({ min: z.int().min(0), max: z.int().min(0) })
    .refine((r) => r.min <= r.max, { path: ['max'] }),
]);

const schema = z.strictObject({
  rate: z.number().gt(0).lte(5000),
  users: z.int().min(1),
  amount: intRange.optional(),
  fee: intRange.optional(),
  targets: nodeSelectionSchema.optional(),
  count: z.int().min(1).optional(),
  durationMs: z.int().min(1).optional(),
  name: workloadNameSchema.optional(),
});

const allowed: AllowedText = {
  rate: 'a number of tx/s with 0 < rate ≤ 5000',
  users: 'an integer ≥ 1 (at most the cluster’s wallets)',
  amount: 'an integer ≥ 1 or { min, max } with 1 ≤ min ≤ max',
  'amount.max': 'max ≥ min',
  fee: 'an integer ≥ 0 or { min, max } with min ≤ max',
  'fee.max': 'max ≥ min',
  targets: `'all', 'validators', 'executors' or a non-empty list of node names`,
  count: 'an integer ≥ 1',
  durationMs: 'an integer ≥ 1 (ms)',
  name: 'a string of 1..40 letters, digits, ., - or _',
  '*': 'one of rate, users, amount, fee, targets, count, durationMs, name',
};

type Parsed = z.output<typeof schema>;

/** Longest time between scheduling ticks; at high rates ticks come every 10 ms. */
const MAX_TICK_MS = 100;
const MIN_TICK_MS = 10;
/** A tx that got no answer is retried on another node this many times. */
const RETRIES = 2;
/** Refusals that did not consume the nonce, so it is handed out again. */
const NONCE_NOT_CONSUMED = new Set([
  'mempool_full',
  'rate_limited',
  'fee_too_low',
  'too_large',
  'malformed',
  'insufficient_funds',
  'bad_signature',
  'wrong_chain',
]);

function draw(rng: Rng, r: IntRange): number {
  return typeof r === 'number' ? r : rng.int(r.min, r.max);
}

/**
 * Open-loop transfers at `rate` tx/s over `users` wallets.
 *
 * @example
 * await using load = await transactions({ rate: 10, users: 5 }).start(cluster);
 * await sleep(5000);
 * await load.stop();
 * await expect(cluster).toIncludeAll(load, { within: 10_000 });
 */
export function transactions(options: TransactionsOptions): Workload<StartedTransactions> {
  const parsed = parseOptions(schema, options, 'transactions options', allowed, 'transactions');
  const amount = parsed.amount ?? { min: 1, max: 1000 };
  if ((typeof amount === 'number' ? amount : amount.min) < 1) {
    throw new ConfigError('transactions options', [
      { path: 'transactions.amount', value: parsed.amount, allowed: allowed.amount! },
    ]);
  }
  const name = parsed.name ?? 'transactions';
  return { name, start: (cluster) => startTransactions(cluster, parsed, name) };
}

interface Planned {
  tx: SignedTx;
  wallet: Wallet;
  to: string;
  amount: number;
  fee: number;
  nonce: number;
  target: StartedNode;
  attempt: number;
}

async function startTransactions(
  cluster: StartedCluster,
  p: Parsed,
  name: string,
): Promise<StartedTransactions> {
  const clock = systemClock;
  if (p.users > cluster.wallets.length) {
    throw new ConfigError('transactions options', [
      {
        path: 'transactions.users',
        value: p.users,
        allowed: `1..${cluster.wallets.length} (the cluster's funded wallets; raise the cluster's wallets option)`,
      },
    ]);
  }
  const targets = selectNodes(
    cluster,
    p.targets ?? 'validators',
    'transactions options',
    'transactions.targets',
  );
  if (targets.length === 0) {
    throw new ConfigError('transactions options', [
      {
        path: 'transactions.targets',
        value: p.targets ?? 'validators',
        allowed: 'a selection with at least one node',
      },
    ]);
  }
  const users = cluster.wallets.slice(0, p.users);
  const recipients = cluster.wallets.map((w) => w.address);
  const fee = p.fee ?? cluster.facts.minFee;
  const amount = p.amount ?? { min: 1, max: 1000 };
  const rng = cluster.rng.fork(name);
  const retryRng = rng.fork('retry');
  const book = nonceBook(cluster);
  const recording = cluster.recording;

  // Learn starting nonces once; a fresh wallet of a fresh cluster starts at 0.
  await Promise.all(
    users.map((w) =>
      book.ensure(w, async () => (await targets[0]!.client.account(w.address, { timeoutMs: 3000 })).nonce),
    ),
  );

  const ids: string[] = [];
  const records: TxRecord[] = [];
  const inFlight = new Set<Promise<void>>();
  const ac = new AbortController();
  let sent = 0;

  const plan = (): Planned => {
    // Fixed draw order per tx keeps the sequence a pure function of the seed.
    const wallet = rng.pick(users);
    let to = rng.pick(recipients);
    if (to === wallet.address && recipients.length > 1)
      to = recipients[(recipients.indexOf(to) + 1) % recipients.length]!;
    const amt = draw(rng, amount);
    const f = draw(rng, fee);
    const target = rng.pick(targets);
    const nonce = book.take(wallet.address);
    return {
      tx: wallet.transfer(to, amt, f, nonce),
      wallet,
      to,
      amount: amt,
      fee: f,
      nonce,
      target,
      attempt: 0,
    };
  };

  const record = (t: Planned, submittedAt: number, r: SubmitResult | { failed: string }): TxRecord => {
    const base = {
      id: t.tx.id,
      from: t.wallet.address,
      to: t.to,
      amount: t.amount,
      fee: t.fee,
      nonce: t.nonce,
      workload: name,
      node: t.target.name,
      submittedAt,
    };
    const rec: TxRecord =
      'failed' in r
        ? { ...base, outcome: 'failed', reason: r.failed }
        : r.ok
          ? { ...base, outcome: 'accepted' }
          : { ...base, outcome: 'rejected', reason: r.code };
    recording.recordTx(rec);
    return recording.txs.get(rec.id) ?? rec;
  };

  const settle = (t: Planned, submittedAt: number, r: SubmitResult | { failed: string }): void => {
    if ('failed' in r && t.attempt < RETRIES && !ac.signal.aborted) {
      // No answer (node down or restarting): the same signed tx goes to another node.
      const others = targets.filter((n) => n !== t.target);
      const next = {
        ...t,
        attempt: t.attempt + 1,
        target: others.length > 0 ? retryRng.pick(others) : t.target,
      };
      submit([next]);
      return;
    }
    const rec = record(t, submittedAt, r);
    if (t.attempt === 0) records.push(rec);
    else if (!records.some((x) => x.id === rec.id)) records.push(rec);
    if (!('failed' in r) && !r.ok && NONCE_NOT_CONSUMED.has(r.code)) book.giveBack(t.wallet.address, t.nonce);
  };

  const submit = (batch: Planned[]): void => {
    const byTarget = new Map<StartedNode, Planned[]>();
    for (const t of batch) {
      const list = byTarget.get(t.target);
      if (list) list.push(t);
      else byTarget.set(t.target, [t]);
    }
    for (const [node, list] of byTarget) {
      const submittedAt = recording.now();
      const job = (async () => {
        try {
          const results =
            list.length === 1
              ? [await node.client.submitTx(list[0]!.tx)]
              : await node.client.submitTxs(list.map((t) => t.tx));
          for (const [i, t] of list.entries()) settle(t, submittedAt, results[i]!);
        } catch (error) {
          const why = (error as Error).message;
          for (const t of list) settle(t, submittedAt, { failed: why });
        }
      })();
      inFlight.add(job);
      void job.finally(() => inFlight.delete(job));
    }
  };

  const began = clock.monotonic();
  const tickMs = Math.max(MIN_TICK_MS, Math.min(MAX_TICK_MS, 1000 / p.rate));
  const limit = p.count ?? Number.POSITIVE_INFINITY;
  const loop = (async () => {
    while (!ac.signal.aborted && sent < limit) {
      const elapsed = clock.monotonic() - began;
      if (p.durationMs !== undefined && elapsed >= p.durationMs) break;
      // Open loop: everything due by now is sent, whether earlier txs were answered or not.
      const due = Math.min(limit, Math.floor((elapsed * p.rate) / 1000) + 1);
      const batch: Planned[] = [];
      while (sent < due) {
        const t = plan();
        ids.push(t.tx.id);
        batch.push(t);
        sent++;
      }
      if (batch.length > 0) submit(batch);
      try {
        await clock.sleep(tickMs, ac.signal);
      } catch {
        break;
      }
    }
  })();

  let stopped: Promise<void> | undefined;
  const drain = async (): Promise<void> => {
    await loop;
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  };
  const done = drain();
  const started: StartedTransactions = {
    name,
    done,
    get sent() {
      return sent;
    },
    ids: () => ids.slice(),
    submitted: () => records.map((r) => recording.txs.get(r.id) ?? r),
    stop() {
      stopped ??= (async () => {
        ac.abort();
        await done;
      })();
      return stopped;
    },
    [Symbol.asyncDispose]() {
      return this.stop();
    },
  };
  cluster.defer(started);
  return started;
}
