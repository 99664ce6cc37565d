/**
 * The propagation workload (scenario 4): one batch of transfers, each tx sent to several
 * nodes, every node getting the batch in its own random order at random offsets within
 * `jitter`. A healthy cluster gossips each tx everywhere and includes it exactly once;
 * `toIncludeExactlyOnce` judges that from the recording. While it runs it samples every
 * node's pending tx ids, so the matcher can also say how fast each tx reached each node.
 */
import { z } from 'zod';
import type { SignedTx, SubmitResult, Wallet } from '../adapter/types.ts';
import { selectNodes } from '../cluster/node-selection.ts';
import type { StartedCluster, StartedNode } from '../cluster/types.ts';
import type { TxRecord } from '../observe/recording.ts';
import { systemClock } from '../support/clock.ts';
import { ConfigError } from '../support/errors.ts';
import { type AllowedText, parseOptions } from '../support/validate.ts';
import { watchMempools } from './mempool-watch.ts';
import { nonceBook } from './nonces.ts';
import { type StartedWorkload, type Workload, workloadNameSchema } from './workload.ts';

/** Options of {@link propagation}. */
export interface PropagationOptions {
  /** Txs in the batch. Required; 1..10 000. */
  batch: number;
  /** Nodes that each get the whole batch: a count (picked at random), `all`, `validators` or names. Default `validators`. */
  nodes?: number | 'all' | 'validators' | string[];
  /** Each (node, tx) delivery happens at a random offset in [0, jitter] ms. Default 500; 0..60 000. */
  jitter?: number;
  /** Wallets that sign the batch (the first `users`). Default: enough for ≤ 32 txs each. */
  users?: number;
  /** Fee of every tx. Default: the chain's minimum fee. */
  fee?: number;
  /** Period of the pending-id samples (ms). Default `batch / 3` within 200..2000 (listing big mempools costs). */
  watchEveryMs?: number;
  /** Name in the recording and rng fork label. Default `propagation`. */
  name?: string;
}

/** One delivery of one tx to one node. */
export interface Delivery {
  id: string;
  node: string;
  /** Recording time when it was sent. */
  at: number;
  outcome: 'accepted' | 'rejected' | 'failed';
  reason?: string;
}

/** A running propagation workload. */
export interface StartedPropagation extends StartedWorkload {
  /** Resolves when every delivery was answered. */
  readonly done: Promise<void>;
  /** Nodes that got the batch. */
  readonly targets: readonly string[];
  /** Every delivery, in the order answered. */
  deliveries(): Delivery[];
  /** Ids of the whole batch (known before any is sent). */
  ids(): string[];
}

const schema = z.strictObject({
  batch: z.int().min(1).max(10_000),
  nodes: z
    .union([z.int().min(1), z.enum(['all', 'validators']), z.array(z.string().min(1)).min(1)])
    .optional(),
  jitter: z.int().min(0).max(60_000).optional(),
  users: z.int().min(1).optional(),
  fee: z.int().min(0).optional(),
  watchEveryMs: z.int().min(50).max(5000).optional(),
  name: workloadNameSchema.optional(),
});

const allowed: AllowedText = {
  batch: 'an integer 1..10000 (txs)',
  nodes: `a count ≥ 1, 'all', 'validators' or a non-empty list of node names`,
  jitter: 'an integer 0..60000 (ms)',
  users: 'an integer ≥ 1 (at most the cluster’s wallets)',
  fee: 'an integer ≥ 0',
  watchEveryMs: 'an integer 50..5000 (ms)',
  name: 'a string of 1..40 letters, digits, ., - or _',
  '*': 'one of batch, nodes, jitter, users, fee, watchEveryMs, name',
};

type Parsed = z.output<typeof schema>;

/** Deliveries closer than this are sent in one request. */
const TICK_MS = 10;
/** Most txs per request (refnode takes up to 1000). */
const SUBMIT_CHUNK = 500;
/** A loaded node may take long to verify a big batch; no answer within this is a failed delivery. */
const SUBMIT_TIMEOUT_MS = 20_000;
/** Txs per wallet in the default `users` (well inside a mempool's nonce window). */
const PER_WALLET = 32;

/**
 * The same batch sent to several nodes in random order with random offsets.
 *
 * @example
 * const p = await background(propagation({ batch: 200, nodes: 3, jitter: 500 }));
 * await p.done;
 * await expect(cluster).toIncludeExactlyOnce(p, { within: 15_000 });
 */
export function propagation(options: PropagationOptions): Workload<StartedPropagation> {
  const parsed = parseOptions(schema, options, 'propagation options', allowed, 'propagation');
  const name = parsed.name ?? 'propagation';
  return { name, start: (cluster) => startPropagation(cluster, parsed, name) };
}

function pickTargets(
  cluster: StartedCluster,
  p: Parsed,
  pick: (xs: StartedNode[], n: number) => StartedNode[],
): StartedNode[] {
  const n = p.nodes ?? 'validators';
  if (typeof n === 'number') {
    if (n > cluster.nodes.length) {
      throw new ConfigError('propagation options', [
        { path: 'propagation.nodes', value: n, allowed: `1..${cluster.nodes.length} (the cluster's nodes)` },
      ]);
    }
    return pick([...cluster.nodes], n);
  }
  return selectNodes(cluster, n, 'propagation options', 'propagation.nodes');
}

interface Planned {
  tx: SignedTx;
  wallet: Wallet;
  to: string;
  amount: number;
  fee: number;
  nonce: number;
}

async function startPropagation(
  cluster: StartedCluster,
  p: Parsed,
  name: string,
): Promise<StartedPropagation> {
  const users = p.users ?? Math.min(cluster.wallets.length, Math.ceil(p.batch / PER_WALLET));
  if (users < 1 || users > cluster.wallets.length) {
    throw new ConfigError('propagation options', [
      {
        path: 'propagation.users',
        value: p.users ?? users,
        allowed: `1..${cluster.wallets.length} (the cluster's funded wallets; raise the cluster's wallets option)`,
      },
    ]);
  }
  const rng = cluster.rng.fork(name);
  const targets = pickTargets(cluster, p, (xs, n) => rng.shuffle(xs).slice(0, n));
  const wallets = cluster.wallets.slice(0, users);
  const fee = p.fee ?? cluster.facts.minFee;
  const jitter = p.jitter ?? 500;
  const book = nonceBook(cluster);
  await Promise.all(
    wallets.map((w) =>
      book.ensure(w, async () => (await targets[0]!.client.account(w.address, { timeoutMs: 3000 })).nonce),
    ),
  );

  // The batch: round-robin over the wallets so each wallet's nonces stay close together.
  const batch: Planned[] = [];
  for (let i = 0; i < p.batch; i++) {
    const wallet = wallets[i % wallets.length]!;
    let to = rng.pick(cluster.wallets).address;
    if (to === wallet.address) to = cluster.wallets[(wallet.index + 1) % cluster.wallets.length]!.address;
    const amount = rng.int(1, 1000);
    const nonce = book.take(wallet.address);
    batch.push({ tx: wallet.transfer(to, amount, fee, nonce), wallet, to, amount, fee, nonce });
  }
  // Each node gets every tx at its own random offset, hence in its own random order.
  const schedule: { at: number; node: StartedNode; t: Planned }[] = [];
  for (const node of targets) for (const t of batch) schedule.push({ at: rng.int(0, jitter), node, t });
  schedule.sort((a, b) => a.at - b.at);

  const rec = cluster.recording;
  const deliveries: Delivery[] = [];
  const inFlight = new Set<Promise<void>>();
  const ac = new AbortController();
  const watch = watchMempools(
    cluster,
    p.watchEveryMs ?? Math.min(2000, Math.max(200, Math.round(p.batch / 3))),
  );

  const settle = (t: Planned, node: string, at: number, r: SubmitResult | { failed: string }): void => {
    const base = { id: t.tx.id, node, at };
    const d: Delivery =
      'failed' in r
        ? { ...base, outcome: 'failed', reason: r.failed }
        : r.ok
          ? { ...base, outcome: 'accepted' }
          : { ...base, outcome: 'rejected', reason: r.code };
    deliveries.push(d);
    const record: TxRecord = {
      id: t.tx.id,
      from: t.wallet.address,
      to: t.to,
      amount: t.amount,
      fee: t.fee,
      nonce: t.nonce,
      workload: name,
      node,
      submittedAt: at,
      outcome: d.outcome,
      ...(d.reason === undefined ? {} : { reason: d.reason }),
    };
    // The recording keeps the first answer per tx, or the first acceptance after refusals.
    rec.recordTx(record);
  };

  // One request in flight per node: deliveries due meanwhile queue up and go in the next
  // request, so a busy node is not buried under concurrent requests it cannot answer in time.
  const queues = new Map<StartedNode, { due: Planned[]; busy: boolean }>();
  const flush = (node: StartedNode): void => {
    const q = queues.get(node);
    if (!q || q.busy || q.due.length === 0) return;
    const list = q.due.splice(0, SUBMIT_CHUNK);
    q.busy = true;
    const at = rec.now();
    const job = (async () => {
      try {
        const results = await node.client.submitTxs(
          list.map((t) => t.tx),
          { timeoutMs: SUBMIT_TIMEOUT_MS },
        );
        for (const [i, t] of list.entries()) settle(t, node.name, at, results[i]!);
      } catch (error) {
        for (const t of list)
          settle(t, node.name, at, { failed: (error as Error).message.split('\n', 1)[0]! });
      } finally {
        q.busy = false;
        flush(node);
      }
    })();
    inFlight.add(job);
    void job.finally(() => inFlight.delete(job));
  };
  const send = (node: StartedNode, list: Planned[]): void => {
    let q = queues.get(node);
    if (!q) {
      q = { due: [], busy: false };
      queues.set(node, q);
    }
    q.due.push(...list);
    flush(node);
  };

  const began = systemClock.monotonic();
  const loop = (async () => {
    let i = 0;
    while (i < schedule.length && !ac.signal.aborted) {
      const now = systemClock.monotonic() - began;
      const due = new Map<StartedNode, Planned[]>();
      while (i < schedule.length && schedule[i]!.at <= now + TICK_MS / 2) {
        const s = schedule[i++]!;
        const list = due.get(s.node);
        if (list) list.push(s.t);
        else due.set(s.node, [s.t]);
      }
      for (const [node, list] of due) send(node, list);
      if (i < schedule.length) {
        try {
          await systemClock.sleep(Math.max(1, Math.min(TICK_MS, schedule[i]!.at - now)), ac.signal);
        } catch {
          break;
        }
      }
    }
    while (inFlight.size > 0 || [...queues.values()].some((q) => q.due.length > 0)) {
      await Promise.allSettled([...inFlight]);
      if (inFlight.size === 0) for (const node of queues.keys()) flush(node);
    }
  })();

  let stopped: Promise<void> | undefined;
  const started: StartedPropagation = {
    name,
    done: loop,
    targets: targets.map((n) => n.name),
    deliveries: () => deliveries.slice(),
    ids: () => batch.map((t) => t.tx.id),
    submitted: () => batch.map((t) => rec.txs.get(t.tx.id)).filter((r): r is TxRecord => r !== undefined),
    stop() {
      stopped ??= (async () => {
        ac.abort();
        await loop;
        await watch.stop();
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
