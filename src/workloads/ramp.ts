/**
 * The ramp workload (scenario 6, adaptive mempool pressure): open-loop transfers whose
 * rate climbs from `from` to `to` tx/s by `step` every `every` ms, then holds. Each wallet
 * pays one fee tier for all its txs (wallet i → tier i mod tiers), so an eviction of a
 * sender's later nonces never crosses tiers and "lowest fee first" stays checkable. The
 * steps are recorded as marks (`ramp-step`), and pending ids are sampled for
 * `toBoundMempool`.
 *
 * The ramp keeps its own nonces for its wallets (evictions leave gaps it must refill), so
 * other workloads should use other wallets: it sends from the last `users` wallets.
 */
import { z } from 'zod';
import { requireFacet } from '../adapter/facets.ts';
import type { Wallet } from '../adapter/types.ts';
import { selectNodes } from '../cluster/node-selection.ts';
import type { StartedCluster } from '../cluster/types.ts';
import { ConfigError } from '../support/errors.ts';
import { type AllowedText, parseOptions } from '../support/validate.ts';
import { watchMempools } from './mempool-watch.ts';
import { type PlannedTx, paced, runOpenLoop } from './runner.ts';
import { amountSchema, type StartedWorkload, type Workload, workloadNameSchema } from './workload.ts';

/** Options of {@link ramp}. */
export interface RampOptions {
  /** Starting rate, tx/s. Required; 0 < from ≤ 5000. */
  from: number;
  /** Final rate, tx/s. Required; from ≤ to ≤ 5000. */
  to: number;
  /** Rate added at every step, tx/s. Required; > 0. */
  step: number;
  /** Duration of each step (ms). Required; 200..600 000. */
  every: number;
  /** Flat fee of each tier, strictly ascending. Default `[fee, 2·fee, 4·fee]` of the chain's default fee (at least 1, 2, 4). */
  feeTiers?: (number | bigint)[];
  /** Wallets that send (the last `users` of the cluster). Default: every wallet. */
  users?: number;
  /** How long to hold `to` after the last step (ms). Default: one more `every`. */
  hold?: number;
  /** Nodes to submit to: `all`, `validators` or names. Default `validators`. */
  targets?: 'all' | 'validators' | string[];
  /** Period of the pending-id samples (ms). Default 500; 50..5000. */
  watchEveryMs?: number;
  /** Name in the recording and rng fork label. Default `ramp`. */
  name?: string;
}

/** One step of the ramp, in recording time. */
export interface RampStep {
  rate: number;
  from: number;
  /** Unset while the step runs. */
  to?: number;
}

/** A running ramp. */
export interface StartedRamp extends StartedWorkload {
  /** Resolves when the last step and the hold are over (or on stop). */
  readonly done: Promise<void>;
  /** Fee per tier, ascending. */
  readonly feeTiers: readonly bigint[];
  /** The steps so far. */
  steps(): RampStep[];
  /** Tier index (0 = lowest fee) of a fee, or undefined. */
  tierOf(fee: bigint | undefined): number | undefined;
}

const schema = z
  .strictObject({
    from: z.number().gt(0).lte(5000),
    to: z.number().gt(0).lte(5000),
    step: z.number().gt(0),
    every: z.int().min(200).max(600_000),
    feeTiers: z
      .array(amountSchema.transform((x) => BigInt(x)))
      .min(1)
      .refine((xs) => xs.every((x, i) => i === 0 || x > xs[i - 1]!), { message: 'ascending' })
      .optional(),
    users: z.int().min(1).optional(),
    hold: z.int().min(0).optional(),
    targets: z.union([z.enum(['all', 'validators']), z.array(z.string().min(1)).min(1)]).optional(),
    watchEveryMs: z.int().min(50).max(5000).optional(),
    name: workloadNameSchema.optional(),
  })
  .refine((o) => o.to >= o.from, { path: ['to'] });

const allowed: AllowedText = {
  from: 'a rate in tx/s with 0 < from ≤ 5000',
  to: 'a rate in tx/s with from ≤ to ≤ 5000',
  step: 'a rate increment in tx/s > 0',
  every: 'an integer 200..600000 (ms per step)',
  feeTiers: 'a non-empty, strictly ascending list of integer fees ≥ 0',
  users: 'an integer ≥ 1 (at most the cluster’s wallets)',
  hold: 'an integer ≥ 0 (ms)',
  targets: `'all', 'validators' or a non-empty list of node names`,
  watchEveryMs: 'an integer 50..5000 (ms)',
  name: 'a string of 1..40 letters, digits, ., - or _',
  '*': 'one of from, to, step, every, feeTiers, users, hold, targets, watchEveryMs, name',
};

type Parsed = z.output<typeof schema>;

/**
 * A rising tx rate with fee tiers, for mempool pressure.
 *
 * @example
 * const r = await background(ramp({ from: 20, to: 200, step: 60, every: 4000, feeTiers: [1, 2, 4] }));
 * await r.done;
 * await expect(cluster).toBoundMempool(r);
 */
export function ramp(options: RampOptions): Workload<StartedRamp> {
  const parsed = parseOptions(schema, options, 'ramp options', allowed, 'ramp');
  const name = parsed.name ?? 'ramp';
  return { name, start: (cluster) => startRamp(cluster, parsed, name) };
}

/** Amount of a wallet's nonce-n tx: fixed, so a resent nonce is the very same tx (same id). */
function amountOf(wallet: Wallet, nonce: number): bigint {
  return BigInt(1 + ((wallet.index * 7919 + nonce) % 1000));
}

async function startRamp(cluster: StartedCluster, p: Parsed, name: string): Promise<StartedRamp> {
  // Fee tiers are flat fees, gaps are refilled from account nonces, and the judge is the mempool.
  requireFacet(cluster, 'ramp', 'accounts', 'mempool');
  const users = p.users ?? cluster.wallets.length;
  if (users > cluster.wallets.length || users < 2) {
    throw new ConfigError('ramp options', [
      {
        path: 'ramp.users',
        value: users,
        allowed: `2..${cluster.wallets.length} (the cluster's funded wallets)`,
      },
    ]);
  }
  const base = 'flat' in cluster.facts.defaultFee ? cluster.facts.defaultFee.flat : 1n;
  const big = (a: bigint, b: bigint): bigint => (a > b ? a : b);
  const feeTiers = p.feeTiers ?? [big(1n, base), big(2n, 2n * base), big(4n, 4n * base)];
  if (feeTiers[0]! < base) {
    throw new ConfigError('ramp options', [
      { path: 'ramp.feeTiers', value: feeTiers, allowed: `fees ≥ the chain's minimum fee ${base}` },
    ]);
  }
  const targets = selectNodes(cluster, p.targets ?? 'validators', 'ramp options', 'ramp.targets');
  const wallets = cluster.wallets.slice(cluster.wallets.length - users);
  const tierOfWallet = new Map(wallets.map((w, i) => [w.address, i % feeTiers.length]));
  const rng = cluster.rng.fork(name);
  const rec = cluster.recording;
  const next = new Map<string, number>();
  const lastSeenNonce = new Map<string, number>();
  const resync = async (): Promise<void> => {
    // A wallet whose account nonce stood still while we kept sending has a gap (an evicted
    // or refused tx): start again from the account nonce. Resent nonces are the same txs.
    await Promise.all(
      wallets.map(async (w) => {
        try {
          const { nonce } = await targets[0]!.client.account!(w.address, { timeoutMs: 3000 });
          const before = lastSeenNonce.get(w.address);
          lastSeenNonce.set(w.address, nonce);
          const n = next.get(w.address);
          if (n === undefined || n < nonce || (before === nonce && n > nonce)) next.set(w.address, nonce);
        } catch {
          // Keep going with what we have; the next step tries again.
        }
      }),
    );
  };
  await resync();

  const steps: RampStep[] = [];
  const watch = watchMempools(cluster, p.watchEveryMs ?? 500, { counters: true });
  const rates: number[] = [];
  for (let r = p.from; r < p.to; r += p.step) rates.push(r);
  rates.push(p.to);
  const hold = p.hold ?? p.every;

  const plan = (at: number): PlannedTx => {
    const wallet = rng.pick(wallets);
    const node = rng.pick(targets);
    return {
      at,
      node,
      prepare: () => {
        const nonce = next.get(wallet.address) ?? 0;
        next.set(wallet.address, nonce + 1);
        const fee = feeTiers[tierOfWallet.get(wallet.address)!]!;
        const to = wallets[(wallets.indexOf(wallet) + 1) % wallets.length]!.address;
        return wallet.transfer({ to, amount: amountOf(wallet, nonce), fee: { flat: fee }, nonce });
      },
    };
  };
  // Steps one after another on one clock: each step's txs are paced from its own start.
  let stepStart = 0;
  const schedule = async function* (): AsyncGenerator<PlannedTx> {
    for (const [i, rate] of rates.entries()) {
      const last = i === rates.length - 1;
      const length = last ? p.every + hold : p.every;
      if (i > 0) await resync();
      const step: RampStep = { rate, from: rec.now() };
      const previous = steps.at(-1);
      if (previous) previous.to = step.from;
      steps.push(step);
      rec.mark('ramp-step', `${name}: ${rate} tx/s`);
      for (const at of paced(rate, { from: stepStart, durationMs: length })) yield plan(at);
      stepStart += length;
    }
  };
  const loop = runOpenLoop({
    recording: cluster.recording,
    name,
    rng: rng.fork('retry'),
    schedule: schedule(),
    retryUnanswered: 0,
  });
  const done = loop.done.then(() => {
    const lastStep = steps.at(-1);
    if (lastStep && lastStep.to === undefined) lastStep.to = rec.now();
  });

  let stopped: Promise<void> | undefined;
  const started: StartedRamp = {
    name,
    done,
    feeTiers,
    steps: () => steps.map((s) => ({ ...s })),
    tierOf: (fee) => {
      const i = fee === undefined ? -1 : feeTiers.indexOf(fee);
      return i < 0 ? undefined : i;
    },
    submitted: () => loop.submitted(),
    stop() {
      stopped ??= (async () => {
        await loop.stop();
        await done;
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
