/**
 * Double-spend races: pairs of valid txs that spend the same thing (the same nonce on an
 * account chain, the same outputs on a UTXO chain; the adapter's forger makes them), the
 * two sent to two different nodes at the same moment. A correct cluster includes exactly
 * one of each pair, the same one on every node; `toIncludeOneOfEach` judges that and
 * `toConserveSupply` replays the balances.
 */
import { z } from 'zod';
import { requireFacet } from '../adapter/facets.ts';
import type { PreparedTx, Wallet } from '../adapter/types.ts';
import { type NodeSelection, nodeSelectionSchema, selectNodes } from '../cluster/node-selection.ts';
import type { StartedCluster, StartedNode } from '../cluster/types.ts';
import { ConfigError, WorkloadError } from '../support/errors.ts';
import { type AllowedText, parseOptions } from '../support/validate.ts';
import { walletNonces } from './nonces.ts';
import { type PlannedTx, paced, runOpenLoop } from './runner.ts';
import { type StartedLoopWorkload, startedLoop, type Workload, workloadNameSchema } from './workload.ts';

/** Options of {@link doubleSpends}. */
export interface DoubleSpendsOptions {
  /** Races (pairs of conflicting txs). Required; 1..100 000. */
  pairs: number;
  /** Races per second. Default 2. */
  rate?: number;
  /** Wallets that spend (the first `users`). Default 4. */
  users?: number;
  /** Nodes the two txs of a race go to (two different ones each time). Default `validators`. */
  targets?: NodeSelection;
  /** Name in the recording and rng fork label. Default `double-spends`. */
  name?: string;
}

/** A running double-spend workload. */
export interface StartedDoubleSpends extends StartedLoopWorkload {
  /** The tx ids of every race sent so far: exactly one of each may ever be included. */
  pairs(): [string, string][];
}

const schema = z.strictObject({
  pairs: z.int().min(1).max(100_000),
  rate: z.number().positive().max(1000).optional(),
  users: z.int().min(1).optional(),
  targets: nodeSelectionSchema.optional(),
  name: workloadNameSchema.optional(),
});

const allowed: AllowedText = {
  pairs: 'an integer 1..100000 (races)',
  rate: 'a number > 0 and ≤ 1000 (races per second)',
  users: 'an integer ≥ 1 (at most the cluster’s wallets)',
  targets: `'all', 'validators', 'executors' or a list of at least two node names`,
  name: 'a string of 1..40 letters, digits, ., - or _',
  '*': 'one of pairs, rate, users, targets, name',
};

type Parsed = z.output<typeof schema>;

/**
 * Races two conflicting valid txs (facet `forging`: `Forger.doubleSpend`) to two nodes at
 * once, `pairs` times at `rate` per second.
 *
 * @example
 * const races = await background(doubleSpends({ pairs: 50, rate: 5 }));
 * await races.done;
 * await expect(cluster).toIncludeOneOfEach(races);
 * await expect(cluster).toConserveSupply();
 */
export function doubleSpends(options: DoubleSpendsOptions): Workload<StartedDoubleSpends> {
  const parsed = parseOptions(schema, options, 'doubleSpends options', allowed, 'doubleSpends');
  const name = parsed.name ?? 'double-spends';
  return { name, start: (cluster) => startDoubleSpends(cluster, parsed, name) };
}

interface Race {
  wallet: Wallet;
  nodes: [StartedNode, StartedNode];
  to: [string, string];
  txs?: Promise<[PreparedTx, PreparedTx]>;
  /** The id each side was answered with (or its own, when refused). */
  ids: [string | undefined, string | undefined];
}

function checkSizes(
  cluster: StartedCluster,
  p: Parsed,
  targets: readonly StartedNode[],
  users: number,
): void {
  const issues = [];
  if (users > cluster.wallets.length || cluster.wallets.length < 3)
    issues.push({
      path: 'doubleSpends.users',
      value: users,
      allowed: `1..${cluster.wallets.length} of a cluster with ≥ 3 wallets (two recipients per race)`,
    });
  if (targets.length < 2)
    issues.push({
      path: 'doubleSpends.targets',
      value: p.targets ?? 'validators',
      allowed: allowed.targets!,
    });
  if (issues.length > 0) throw new ConfigError('doubleSpends options', issues);
}

async function startDoubleSpends(
  cluster: StartedCluster,
  p: Parsed,
  name: string,
): Promise<StartedDoubleSpends> {
  requireFacet(cluster, name, 'forging');
  const forger = cluster.forger;
  if (forger?.doubleSpend === undefined)
    throw new WorkloadError(name, `the ${cluster.facts.adapter} forger makes no double spends`);
  const targets = selectNodes(
    cluster,
    p.targets ?? 'validators',
    'doubleSpends options',
    'doubleSpends.targets',
  );
  const userCount = p.users ?? Math.min(4, cluster.wallets.length);
  checkSizes(cluster, p, targets, userCount);
  const users = cluster.wallets.slice(0, userCount);
  const rng = cluster.rng.fork(name);
  const nonces = await walletNonces(cluster, users, targets[0]!, name);
  const races: Race[] = [];
  const spend = forger.doubleSpend.bind(forger);

  // Both txs of a race come from one forger call, made when the first of the two is due.
  const txsOf = (race: Race): Promise<[PreparedTx, PreparedTx]> => {
    race.txs ??= spend({
      wallet: race.wallet,
      to: race.to,
      client: race.nodes[0].client,
      ...(nonces ? { nonce: nonces.take(race.wallet.address) } : {}),
    });
    return race.txs;
  };
  const schedule = function* (): Generator<PlannedTx<{ race: Race; side: 0 | 1 }>> {
    for (const at of paced(p.rate ?? 2, { count: p.pairs })) {
      const wallet = rng.pick(users);
      const others = cluster.wallets.filter((w) => w !== wallet);
      const a = rng.pick(others);
      const b = rng.pick(others.filter((w) => w !== a));
      const first = rng.pick(targets);
      const second = rng.pick(targets.filter((n) => n !== first));
      const race: Race = {
        wallet,
        nodes: [first, second],
        to: [a.address, b.address],
        ids: [undefined, undefined],
      };
      races.push(race);
      yield { at, node: first, meta: { race, side: 0 }, prepare: async () => (await txsOf(race))[0] };
      yield { at, node: second, meta: { race, side: 1 }, prepare: async () => (await txsOf(race))[1] };
    }
  };
  const loop = runOpenLoop({
    recording: cluster.recording,
    name,
    rng: rng.fork('retry'),
    schedule: schedule(),
    retryNodes: targets,
    onAnswer: ({ meta }, tx, answer) => {
      if (meta !== undefined) meta.race.ids[meta.side] = answer.ok ? answer.id : tx.id;
    },
  });
  const started = startedLoop(cluster, name, loop);
  return Object.assign(started, {
    pairs: (): [string, string][] =>
      races.flatMap((r) => {
        const [a, b] = r.ids;
        return a !== undefined && b !== undefined ? [[a, b] as [string, string]] : [];
      }),
  });
}
