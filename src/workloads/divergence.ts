/**
 * The divergence workload (scenario 5): every validator gets its own batch at the same
 * moment — disjoint txs from disjoint wallets (`disjoint`), or the same txs in a different
 * order per validator (`shuffled`) — so the mempools start out different. A healthy cluster
 * gossips them back together; `toConvergeMempools` judges that from the pending-id samples
 * this workload takes while it runs.
 */
import { z } from 'zod';
import { requireFacet } from '../adapter/facets.ts';
import type { PreparedTx, Wallet } from '../adapter/types.ts';
import type { StartedCluster, StartedNode } from '../cluster/types.ts';
import { ConfigError } from '../support/errors.ts';
import { type AllowedText, parseOptions } from '../support/validate.ts';
import { planBatch } from './batch.ts';
import { watchMempools } from './mempool-watch.ts';
import { walletNonces } from './nonces.ts';
import { type PlannedTx, runOpenLoop } from './runner.ts';
import {
  flatFeeAllowed,
  flatFeeSchema,
  type StartedWorkload,
  type Workload,
  workloadNameSchema,
} from './workload.ts';

/** Options of {@link divergence}. */
export interface DivergenceOptions {
  /** Txs per validator: one count for all, or one per validator. Required; each 1..10 000. */
  batches: number | number[];
  /** `disjoint`: each validator its own txs; `shuffled`: the same txs, in its own order. Default `disjoint`. */
  order?: 'disjoint' | 'shuffled';
  /** Wallets signing each batch (disjoint per validator). Default: enough for ≤ 32 txs each. */
  usersPerBatch?: number;
  /** Flat fee of every tx. Default: the chain's default fee. */
  fee?: number | bigint;
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
  fee: flatFeeSchema.optional(),
  watchEveryMs: z.int().min(50).max(5000).optional(),
  name: workloadNameSchema.optional(),
});

const allowed: AllowedText = {
  batches: 'an integer 1..10000 or one such count per validator',
  order: `'disjoint' or 'shuffled'`,
  usersPerBatch: 'an integer ≥ 1 (wallets per batch; all batches together at most the cluster’s wallets)',
  fee: flatFeeAllowed,
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

async function startDivergence(cluster: StartedCluster, p: Parsed, name: string): Promise<StartedDivergence> {
  // Judged from pending-id samples of every mempool.
  requireFacet(cluster, 'divergence', 'mempool');
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
  const fee = p.fee === undefined ? undefined : BigInt(p.fee);
  const used = cluster.wallets.slice(0, per * groups);
  const nonces = await walletNonces(cluster, used, validators[0]!, name);
  // Planned up front: every validator's batch must be ready to go at the same moment.
  const plan = (senders: readonly Wallet[], count: number): Promise<PreparedTx[]> =>
    planBatch({ cluster, senders, count, rng, nonces, fee });
  const perNode = new Map<StartedNode, PreparedTx[]>();
  if (order === 'disjoint') {
    for (const [i, v] of validators.entries())
      perNode.set(v, await plan(used.slice(i * per, (i + 1) * per), counts[i]!));
  } else {
    const shared = await plan(used, Math.max(...counts));
    for (const [i, v] of validators.entries()) perNode.set(v, rng.shuffle(shared).slice(0, counts[i]!));
  }

  const total = [...perNode.values()].reduce((n, list) => n + list.length, 0);
  const watch = watchMempools(
    cluster,
    p.watchEveryMs ?? Math.min(2000, Math.max(200, Math.round(total / 3))),
  );
  // Every validator gets its batch at once: the mempools diverge before gossip can help.
  const schedule: PlannedTx[] = [...perNode].flatMap(([node, list]) =>
    list.map((tx) => ({ at: 0, node, prepare: async () => tx })),
  );
  const batches: Record<string, string[]> = Object.fromEntries(validators.map((v) => [v.name, []]));
  const loop = runOpenLoop({
    recording: cluster.recording,
    name,
    rng: rng.fork('retry'),
    schedule,
    retryUnanswered: 0,
    onAnswer: (planned, tx, answer) => {
      const id = answer.ok ? answer.id : tx.id;
      if (id !== undefined) batches[planned.node.name]!.push(id);
    },
  });

  let stopped: Promise<void> | undefined;
  const started: StartedDivergence = {
    name,
    done: loop.done,
    batches,
    ids: () => loop.ids(),
    submitted: () => loop.submitted(),
    stop() {
      stopped ??= (async () => {
        await loop.done.catch(() => undefined);
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
