/**
 * The divergence workload (scenario 5): every validator gets its own batch at the same
 * moment — disjoint txs from disjoint wallets (`disjoint`), or the same txs in a different
 * order per validator (`shuffled`) — so the mempools start out different. A healthy cluster
 * gossips them back together; `toConvergeMempools` judges that from the pending-id samples
 * this workload takes while it runs.
 */
import { z } from 'zod';
import type { SignedTx, SubmitResult, Wallet } from '../adapter/types.ts';
import type { StartedCluster, StartedNode } from '../cluster/types.ts';
import type { TxRecord } from '../observe/recording.ts';
import { ConfigError } from '../support/errors.ts';
import { type AllowedText, parseOptions } from '../support/validate.ts';
import { watchMempools } from './mempool-watch.ts';
import { nonceBook } from './nonces.ts';
import { type StartedWorkload, type Workload, workloadNameSchema } from './workload.ts';

/** Options of {@link divergence}. */
export interface DivergenceOptions {
  /** Txs per validator: one count for all, or one per validator. Required; each 1..10 000. */
  batches: number | number[];
  /** `disjoint`: each validator its own txs; `shuffled`: the same txs, in its own order. Default `disjoint`. */
  order?: 'disjoint' | 'shuffled';
  /** Wallets signing each batch (disjoint per validator). Default: enough for ≤ 32 txs each. */
  usersPerBatch?: number;
  /** Fee of every tx. Default: the chain's minimum fee. */
  fee?: number;
  /** Period of the pending-id samples (ms). Default `all txs / 3` within 200..2000 (listing big mempools costs). */
  watchEveryMs?: number;
  /** Name in the recording and rng fork label. Default `divergence`. */
  name?: string;
}

/** A running divergence workload. */
export interface StartedDivergence extends StartedWorkload {
  /** Resolves when every batch was answered. */
  readonly done: Promise<void>;
  /** Tx ids given to each validator. */
  readonly batches: Readonly<Record<string, readonly string[]>>;
  /** Ids of every tx (all batches). */
  ids(): string[];
}

const schema = z.strictObject({
  batches: z.union([z.int().min(1).max(10_000), z.array(z.int().min(1).max(10_000)).min(1)]),
  order: z.enum(['disjoint', 'shuffled']).optional(),
  usersPerBatch: z.int().min(1).optional(),
  fee: z.int().min(0).optional(),
  watchEveryMs: z.int().min(50).max(5000).optional(),
  name: workloadNameSchema.optional(),
});

const allowed: AllowedText = {
  batches: 'an integer 1..10000 or one such count per validator',
  order: `'disjoint' or 'shuffled'`,
  usersPerBatch: 'an integer ≥ 1 (wallets per batch; all batches together at most the cluster’s wallets)',
  fee: 'an integer ≥ 0',
  watchEveryMs: 'an integer 50..5000 (ms)',
  name: 'a string of 1..40 letters, digits, ., - or _',
  '*': 'one of batches, order, usersPerBatch, fee, watchEveryMs, name',
};

type Parsed = z.output<typeof schema>;

const PER_WALLET = 32;

/**
 * Different batches (or orders) per validator, all sent at once.
 *
 * @example
 * const d = await background(divergence({ batches: 100 }));
 * await d.done;
 * await expect(cluster).toConvergeMempools(d, { within: 5000 });
 */
export function divergence(options: DivergenceOptions): Workload<StartedDivergence> {
  const parsed = parseOptions(schema, options, 'divergence options', allowed, 'divergence');
  const name = parsed.name ?? 'divergence';
  return { name, start: (cluster) => startDivergence(cluster, parsed, name) };
}

interface Planned {
  tx: SignedTx;
  wallet: Wallet;
  to: string;
  amount: number;
  fee: number;
  nonce: number;
}

async function startDivergence(cluster: StartedCluster, p: Parsed, name: string): Promise<StartedDivergence> {
  const validators = cluster.validators;
  const counts = Array.isArray(p.batches) ? p.batches : validators.map(() => p.batches as number);
  if (counts.length !== validators.length) {
    throw new ConfigError('divergence options', [
      {
        path: 'divergence.batches',
        value: p.batches,
        allowed: `one count per validator (${validators.length}) or a single count`,
      },
    ]);
  }
  const order = p.order ?? 'disjoint';
  const groups = order === 'disjoint' ? validators.length : 1;
  const per = p.usersPerBatch ?? Math.ceil(Math.max(...counts) / PER_WALLET);
  if (per * groups > cluster.wallets.length) {
    throw new ConfigError('divergence options', [
      {
        path: 'divergence.usersPerBatch',
        value: per,
        allowed: `at most ${Math.floor(cluster.wallets.length / groups)} (${groups} batch${groups === 1 ? '' : 'es'} share the cluster's ${cluster.wallets.length} wallets; raise the cluster's wallets option)`,
      },
    ]);
  }
  const rng = cluster.rng.fork(name);
  const fee = p.fee ?? cluster.facts.minFee;
  const book = nonceBook(cluster);
  const used = cluster.wallets.slice(0, per * groups);
  await Promise.all(
    used.map((w) =>
      book.ensure(w, async () => (await validators[0]!.client.account(w.address, { timeoutMs: 3000 })).nonce),
    ),
  );
  const plan = (wallets: readonly Wallet[], n: number): Planned[] => {
    const out: Planned[] = [];
    for (let i = 0; i < n; i++) {
      const wallet = wallets[i % wallets.length]!;
      let to = rng.pick(cluster.wallets).address;
      if (to === wallet.address) to = cluster.wallets[(wallet.index + 1) % cluster.wallets.length]!.address;
      const amount = rng.int(1, 1000);
      const nonce = book.take(wallet.address);
      out.push({ tx: wallet.transfer(to, amount, fee, nonce), wallet, to, amount, fee, nonce });
    }
    return out;
  };
  const perNode = new Map<StartedNode, Planned[]>();
  if (order === 'disjoint') {
    for (const [i, v] of validators.entries())
      perNode.set(v, plan(used.slice(i * per, (i + 1) * per), counts[i]!));
  } else {
    const shared = plan(used, Math.max(...counts));
    for (const [i, v] of validators.entries()) perNode.set(v, rng.shuffle(shared).slice(0, counts[i]!));
  }

  const rec = cluster.recording;
  const total = [...perNode.values()].reduce((n, list) => n + list.length, 0);
  const watch = watchMempools(
    cluster,
    p.watchEveryMs ?? Math.min(2000, Math.max(200, Math.round(total / 3))),
  );
  const settle = (t: Planned, node: string, at: number, r: SubmitResult | { failed: string }): void => {
    const base = {
      id: t.tx.id,
      from: t.wallet.address,
      to: t.to,
      amount: t.amount,
      fee: t.fee,
      nonce: t.nonce,
      workload: name,
      node,
      submittedAt: at,
    };
    const record: TxRecord =
      'failed' in r
        ? { ...base, outcome: 'failed', reason: r.failed }
        : r.ok
          ? { ...base, outcome: 'accepted' }
          : { ...base, outcome: 'rejected', reason: r.code };
    rec.recordTx(record);
  };
  // Every validator gets its batch at once: the mempools diverge before gossip can help.
  const done = Promise.all(
    [...perNode].map(async ([node, list]) => {
      const at = rec.now();
      try {
        const results = await node.client.submitTxs(list.map((t) => t.tx));
        for (const [i, t] of list.entries()) settle(t, node.name, at, results[i]!);
      } catch (error) {
        for (const t of list)
          settle(t, node.name, at, { failed: (error as Error).message.split('\n', 1)[0]! });
      }
    }),
  ).then(() => undefined);

  const all = [...new Set([...perNode.values()].flat().map((t) => t.tx.id))];
  const batches = Object.fromEntries([...perNode].map(([n, list]) => [n.name, list.map((t) => t.tx.id)]));
  let stopped: Promise<void> | undefined;
  const started: StartedDivergence = {
    name,
    done,
    batches,
    ids: () => all.slice(),
    submitted: () => all.map((id) => rec.txs.get(id)).filter((r): r is TxRecord => r !== undefined),
    stop() {
      stopped ??= (async () => {
        await done.catch(() => undefined);
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
