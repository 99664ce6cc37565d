/**
 * The propagation workload (scenario 4): one batch of transfers, each tx sent to several
 * nodes, every node getting the batch in its own random order at random offsets within
 * `jitter`. A healthy cluster gossips each tx everywhere and includes it exactly once;
 * `toIncludeExactlyOnce` judges that from the recording. While it runs it samples every
 * node's pending tx ids, so the matcher can also say how fast each tx reached each node.
 */
import { z } from 'zod';
import { requireFacet } from '../adapter/facets.ts';
import { selectNodes } from '../cluster/node-selection.ts';
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
  /** Flat fee of every tx. Default: the chain's default fee. */
  fee?: number | bigint;
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
  /** Ids of the whole batch (known before any is sent where the wallet signs offline, else as answered). */
  ids(): string[];
}

const schema = z.strictObject({
  batch: z.int().min(1).max(10_000),
  nodes: z
    .union([z.int().min(1), z.enum(['all', 'validators']), z.array(z.string().min(1)).min(1)])
    .optional(),
  jitter: z.int().min(0).max(60_000).optional(),
  users: z.int().min(1).optional(),
  fee: flatFeeSchema.optional(),
  watchEveryMs: z.int().min(50).max(5000).optional(),
  name: workloadNameSchema.optional(),
});

const allowed: AllowedText = {
  batch: 'an integer 1..10000 (txs)',
  nodes: `a count ≥ 1, 'all', 'validators' or a non-empty list of node names`,
  jitter: 'an integer 0..60000 (ms)',
  users: 'an integer ≥ 1 (at most the cluster’s wallets)',
  fee: flatFeeAllowed,
  watchEveryMs: 'an integer 50..5000 (ms)',
  name: 'a string of 1..40 letters, digits, ., - or _',
  '*': 'one of batch, nodes, jitter, users, fee, watchEveryMs, name',
};

type Parsed = z.output<typeof schema>;

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

async function startPropagation(
  cluster: StartedCluster,
  p: Parsed,
  name: string,
): Promise<StartedPropagation> {
  // Judged from pending-id samples of every mempool.
  requireFacet(cluster, 'propagation', 'mempool');
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
  const fee = p.fee === undefined ? undefined : BigInt(p.fee);
  const jitter = p.jitter ?? 500;
  const nonces = await walletNonces(cluster, wallets, targets[0]!, name);

  const batch = await planBatch({ cluster, senders: wallets, count: p.batch, rng, nonces, fee });
  // Each node gets every tx at its own random offset, hence in its own random order.
  const schedule: PlannedTx[] = [];
  for (const node of targets)
    for (const tx of batch) schedule.push({ at: rng.int(0, jitter), node, prepare: async () => tx });
  schedule.sort((a, b) => a.at - b.at);

  const deliveries: Delivery[] = [];
  const watch = watchMempools(
    cluster,
    p.watchEveryMs ?? Math.min(2000, Math.max(200, Math.round(p.batch / 3))),
  );
  // One request in flight per node: deliveries due meanwhile queue up and go in the next
  // request, so a busy node is not buried under concurrent requests it cannot answer in time.
  const loop = runOpenLoop({
    recording: cluster.recording,
    name,
    rng: rng.fork('retry'),
    schedule,
    retryUnanswered: 0,
    perNodeInFlight: 1,
    requestTimeoutMs: SUBMIT_TIMEOUT_MS,
    onAnswer: (planned, tx, answer, sentAt) => {
      const base = { id: answer.ok ? answer.id : (tx.id ?? ''), node: planned.node.name, at: sentAt };
      deliveries.push(
        answer.ok
          ? { ...base, outcome: 'accepted' }
          : 'failed' in answer
            ? { ...base, outcome: 'failed', reason: answer.failed }
            : { ...base, outcome: 'rejected', reason: answer.code },
      );
    },
  });

  let stopped: Promise<void> | undefined;
  const started: StartedPropagation = {
    name,
    done: loop.done,
    targets: targets.map((n) => n.name),
    deliveries: () => deliveries.slice(),
    ids: () => (batch.every((t) => t.id !== undefined) ? batch.map((t) => t.id!) : loop.ids()),
    submitted: () => loop.submitted(),
    stop() {
      stopped ??= (async () => {
        await loop.stop();
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
