/**
 * The transaction workload: open-loop transfers at `rate` tx/s spread over `users` funded
 * wallets, to random recipients, submitted to random target nodes. Every choice comes from
 * `cluster.rng.fork(name)`, so the same seed sends the same tx sequence. Every tx is
 * recorded in `cluster.recording` (submitted at, accepted/rejected and why; the observer
 * adds inclusion and finality).
 */
import { z } from 'zod';
import { nonceNotConsumed } from '../adapter/reasons.ts';
import type { Wallet } from '../adapter/types.ts';
import { type NodeSelection, nodeSelectionSchema, selectNodes } from '../cluster/node-selection.ts';
import type { StartedCluster } from '../cluster/types.ts';
import { ConfigError } from '../support/errors.ts';
import type { Rng } from '../support/rng.ts';
import { type AllowedText, parseOptions } from '../support/validate.ts';
import { walletNonces } from './nonces.ts';
import { type PlannedTx, paced, runOpenLoop } from './runner.ts';
import {
  amountSchema,
  type StartedLoopWorkload,
  startedLoop,
  type Workload,
  workloadNameSchema,
} from './workload.ts';

/** A fixed value or an inclusive range drawn uniformly per tx (smallest units). */
export type IntRange = number | bigint | { min: number | bigint; max: number | bigint };

type BigRange = bigint | { min: bigint; max: bigint };

function toBigRange(r: IntRange): BigRange {
  return typeof r === 'object' ? { min: BigInt(r.min), max: BigInt(r.max) } : BigInt(r);
}

function draw(rng: Rng, r: BigRange): bigint {
  if (typeof r === 'bigint') return r;
  // Ranges wider than a safe integer draw an offset in safe steps.
  const span = r.max - r.min;
  return span <= BigInt(Number.MAX_SAFE_INTEGER)
    ? r.min + BigInt(rng.int(0, Number(span)))
    : r.min + (span * BigInt(rng.int(0, 1_000_000))) / 1_000_000n;
}

/** Options of {@link transactions}. */
export interface TransactionsOptions {
  /** Transactions per second (open loop: sends on schedule whatever the answers). Required; 0 < rate ≤ 5000. */
  rate: number;
  /** Funded wallets that send (the first `users` of the cluster's wallets). Required; ≥ 1. */
  users: number;
  /** Amount per transfer. Default: the chain's `facts.defaultAmount`, else `{ min: 1, max: 1000 }`. */
  amount?: IntRange;
  /** Flat fee per transfer. Default: the chain's default fee (`facts.defaultFee`, flat or per byte). */
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
export type StartedTransactions = StartedLoopWorkload;

const intRange = z.union([
  amountSchema,
  z
    .strictObject({ min: amountSchema, max: amountSchema })
    .refine((r) => BigInt(r.min) <= BigInt(r.max), { path: ['max'] }),
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
  amount: 'an integer ≥ 1 (number or bigint) or { min, max } with 1 ≤ min ≤ max',
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
  if (BigInt(typeof amount === 'object' ? amount.min : amount) < 1n) {
    throw new ConfigError('transactions options', [
      { path: 'transactions.amount', value: parsed.amount, allowed: allowed.amount! },
    ]);
  }
  const name = parsed.name ?? 'transactions';
  return { name, start: (cluster) => startTransactions(cluster, parsed, name) };
}

async function startTransactions(
  cluster: StartedCluster,
  p: Parsed,
  name: string,
): Promise<StartedTransactions> {
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
  const fee = p.fee === undefined ? undefined : toBigRange(p.fee);
  const amount = toBigRange(p.amount ?? cluster.facts.defaultAmount ?? { min: 1, max: 1000 });
  const rng = cluster.rng.fork(name);
  const nonces = await walletNonces(cluster, users, targets[0]!, name);

  const schedule = function* (): Generator<PlannedTx<{ wallet: Wallet; nonce: number | undefined }>> {
    for (const at of paced(p.rate, p)) {
      // Fixed draw order per tx keeps the sequence a pure function of the seed.
      const wallet = rng.pick(users);
      let to = rng.pick(recipients);
      if (to === wallet.address && recipients.length > 1)
        to = recipients[(recipients.indexOf(to) + 1) % recipients.length]!;
      const amt = draw(rng, amount);
      const f = fee === undefined ? undefined : draw(rng, fee);
      const node = rng.pick(targets);
      const meta = { wallet, nonce: undefined as number | undefined };
      yield {
        at,
        node,
        meta,
        prepare: () => {
          meta.nonce = nonces?.take(wallet.address);
          return wallet.transfer({
            to,
            amount: amt,
            ...(f === undefined ? {} : { fee: { flat: f } }),
            ...(meta.nonce === undefined ? {} : { nonce: meta.nonce }),
          });
        },
      };
    }
  };
  const loop = runOpenLoop({
    recording: cluster.recording,
    name,
    rng: rng.fork('retry'),
    schedule: schedule(),
    retryNodes: targets,
    onAnswer: ({ meta }, _tx, answer) => {
      if (
        nonces &&
        meta?.nonce !== undefined &&
        !answer.ok &&
        !('failed' in answer) &&
        nonceNotConsumed.has(answer.code)
      )
        nonces.giveBack(meta.wallet.address, meta.nonce);
    },
  });
  return startedLoop(cluster, name, loop);
}
