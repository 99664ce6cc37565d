/**
 * Invalid transaction fuzzing (scenario 7): fast-check arbitraries for every kind of
 * invalid tx, and a workload that runs them as a fast-check property against the cluster
 * (each generated tx is submitted and must be refused with its kind's reason). The
 * fast-check seed derives from the chainlab seed, so `CHAINLAB_SEED` replays a run; a
 * failure keeps fast-check's shrunk counterexample and its `{ seed, path }`, which replay
 * that one case (`invalidTxs({ …, replay: { seed, path } })`).
 *
 * The kinds, their expected reasons and how a case becomes a tx come from the adapter's
 * forging facet (`cluster.forger`); cases are plain data so they print and shrink well, and
 * become txs only when run, against the fuzz wallet's current account.
 */
import fc from 'fast-check';
import { z } from 'zod';
import { requireFacet } from '../adapter/facets.ts';
import { type CanonicalReason, canonicalReasons } from '../adapter/reasons.ts';
import type { ForgeCase, Forger, PreparedTx } from '../adapter/types.ts';
import { selectNodes } from '../cluster/node-selection.ts';
import type { StartedCluster } from '../cluster/types.ts';
import type { TxRecord } from '../observe/recording.ts';
import { ConfigError, WorkloadError } from '../support/errors.ts';
import { type AllowedText, parseOptions } from '../support/validate.ts';
import { type AttemptContext, attemptCase, rightAnswer } from './fuzz-attempt.ts';
import { forgerOf, primeFuzzWallet } from './fuzz-wallet.ts';
import { type StartedWorkload, type Workload, workloadNameSchema } from './workload.ts';

/** Options of {@link invalidTxs}. */
export interface InvalidTxsOptions {
  /** Generated invalid txs (fast-check runs). Required; 1..100 000. */
  count: number;
  /** Kinds to generate (the adapter's `forger.kinds`). Default: every kind the adapter forges. */
  kinds?: string[];
  /** Nodes to submit to: `all`, `validators` or names. Default `all`. */
  targets?: 'all' | 'validators' | string[];
  /** Index of the fuzz wallet (its account only ever gets the priming tx). Default: the last wallet. */
  wallet?: number;
  /** Canonical reasons to accept per kind, where they differ from the adapter's. */
  reasons?: Record<string, CanonicalReason[]>;
  /** Replays one case: fast-check's `{ seed, path }` printed by a failure. */
  replay?: { seed: number; path: string };
  /**
   * Fast-check runs in parallel (lanes), each with its own seed (the failing lane's seed and
   * path replay its case). Default 1; 1..64.
   */
  concurrency?: number;
  /**
   * Fill every target's mempool first (`Forger.fillMempool`), so the kinds that need a full
   * mempool join (refnode: `mempool_full`); the fillers are released when the run ends.
   * Needs facet `mempool` and spare wallets before the fuzz wallet. Default false.
   */
  fullMempool?: boolean;
  /** Name in the recording and rng fork label. Default `invalid-txs`. */
  name?: string;
}

/** One submission of a generated case. */
export interface InvalidAttempt {
  /** 1-based run number; shrink attempts carry the run they shrink. */
  run: number;
  phase: 'run' | 'shrink';
  case: ForgeCase;
  /** Tx id when the body has one (not for malformed encodings). */
  id?: string;
  node: string;
  at: number;
  expected: readonly CanonicalReason[];
  outcome: 'accepted' | 'rejected' | 'failed';
  /** The chain's reason code (rejected) or the request error (failed). */
  code?: string;
  message?: string;
  /** Resends after backpressure (`overloaded`, `rate_limited`) before this answer. */
  retries?: number;
}

/** fast-check's verdict on the whole run (every lane). */
export interface FuzzSummary {
  /** fast-check seed (derived from the chainlab seed): the failing lane's, else the first lane's. */
  seed: number;
  /** Every lane's seed, in lane order. */
  seeds: number[];
  /** Runs asked for (`count`; 1 when replaying). */
  planned: number;
  /** Runs done (submitted): all of them, or up to the first failure or a stop. */
  numRuns: number;
  /** True when `stop()` cut the run short. */
  stopped: boolean;
  numShrinks: number;
  failed: boolean;
  /** Replays the shrunk counterexample alone. */
  path?: string;
  counterexample?: ForgeCase;
  /** The attempt of the shrunk counterexample (what the node answered). */
  counterexampleAttempt?: InvalidAttempt;
  /** An exception thrown by the property (not a wrong answer). */
  error?: string;
}

/** A running (or finished) fuzzing workload. */
export interface StartedInvalidTxs extends StartedWorkload {
  /** Resolves with fast-check's summary once every case ran (and a failure was shrunk). */
  readonly done: Promise<FuzzSummary>;
  /** The summary once done, else undefined. */
  summary(): FuzzSummary | undefined;
  /** Every submission, in order (runs and shrinks). */
  attempts(): InvalidAttempt[];
  /** Ids that must never be in a block (every attempt with an id except duplicates of an included tx). */
  ids(): string[];
  /** Ids of included txs that were resent as duplicates (each must stay on a chain once). */
  duplicateOf(): string[];
}

const schema = z.strictObject({
  count: z.int().min(1).max(1_000_000),
  kinds: z.array(z.string().min(1)).min(1).optional(),
  targets: z.union([z.enum(['all', 'validators']), z.array(z.string().min(1)).min(1)]).optional(),
  wallet: z.int().min(0).optional(),
  reasons: z
    .record(z.string(), z.array(z.enum(canonicalReasons as [CanonicalReason, ...CanonicalReason[]])).min(1))
    .optional(),
  replay: z.strictObject({ seed: z.int(), path: z.string().min(1) }).optional(),
  concurrency: z.int().min(1).max(64).optional(),
  fullMempool: z.boolean().optional(),
  name: workloadNameSchema.optional(),
});

const allowed: AllowedText = {
  count: 'an integer 1..1000000 (generated txs)',
  kinds: `a non-empty list of the adapter's forge kinds`,
  targets: `'all', 'validators' or a non-empty list of node names`,
  wallet: 'a wallet index of the cluster (≥ 0)',
  reasons: `{ [kind]: canonical reasons }, from ${canonicalReasons.join(', ')}`,
  replay: 'fast-check’s { seed, path } from a failure message',
  concurrency: 'an integer 1..64 (parallel fast-check runs)',
  fullMempool: 'true or false',
  name: 'a string of 1..40 letters, digits, ., - or _',
  '*': 'one of count, kinds, targets, wallet, reasons, replay, concurrency, fullMempool, name',
};

type Parsed = z.output<typeof schema>;

/**
 * Fuzzes the cluster with `count` generated invalid txs, every kind mixed, as a fast-check
 * property: each must be refused with its kind's reason. Judge with `toRejectWith(fuzz)`
 * and `toNeverInclude(fuzz)`; run valid load beside it with `transactions(…)`.
 *
 * @example
 * await background(transactions({ rate: 10, users: 4 }));
 * const fuzz = await background(invalidTxs({ count: 1000 }));
 * await fuzz.done;
 * await expect(cluster).toRejectWith(fuzz);
 * await expect(cluster).toNeverInclude(fuzz);
 */
export function invalidTxs(options: InvalidTxsOptions): Workload<StartedInvalidTxs> {
  const parsed = parseOptions(schema, options, 'invalidTxs options', allowed, 'invalidTxs');
  const name = parsed.name ?? 'invalid-txs';
  return { name, start: (cluster) => startInvalidTxs(cluster, parsed, name) };
}

/** The kinds to fuzz: the chosen ones, else every kind the forger can make refused here. */
function chooseKinds(forger: Forger, p: Parsed): string[] {
  const known = forger.kinds.map((k) => k.kind);
  const needsFull = new Set(forger.kinds.filter((k) => k.needs === 'full-mempool').map((k) => k.kind));
  const kinds = p.kinds ?? known.filter((k) => p.fullMempool === true || !needsFull.has(k));
  const issues = kinds.flatMap((k, i) =>
    !known.includes(k)
      ? [{ path: `invalidTxs.kinds[${i}]`, value: k, allowed: `one of ${known.join(', ')}` }]
      : needsFull.has(k) && p.fullMempool !== true
        ? [
            {
              path: `invalidTxs.kinds[${i}]`,
              value: k,
              allowed: 'a kind that needs a full mempool only with fullMempool: true',
            },
          ]
        : [],
  );
  if (issues.length > 0) throw new ConfigError('invalidTxs options', issues);
  return kinds;
}

/** Records mempool fillers (and their release) so a balance replay finds them once included. */
function recordFillers(
  rec: StartedCluster['recording'],
  name: string,
  node: string,
  txs: readonly PreparedTx[],
): void {
  const at = rec.now();
  for (const tx of txs) {
    if (tx.id === undefined) continue;
    rec.recordTx({
      id: tx.id,
      ...tx.summary,
      workload: `${name}-fill`,
      node,
      submittedAt: at,
      outcome: 'accepted',
    });
  }
}

/** The merged verdict of every lane. */
function summarize(
  lanes: readonly { seed: number; details: fc.RunDetails<[ForgeCase]> }[],
  planned: number,
  attempts: readonly InvalidAttempt[],
  stopped: boolean,
): FuzzSummary {
  const failing =
    lanes.find((l) => l.details.failed && !l.details.interrupted) ?? lanes.find((l) => l.details.failed);
  const main = failing ?? lanes[0]!;
  const details = main.details;
  const summary: FuzzSummary = {
    seed: main.seed,
    seeds: lanes.map((l) => l.seed),
    planned,
    numRuns: attempts.filter((a) => a.phase === 'run').length,
    stopped,
    numShrinks: details.numShrinks,
    failed: failing !== undefined,
  };
  if (details.counterexamplePath !== null) summary.path = details.counterexamplePath;
  if (details.counterexample !== null) {
    const c = details.counterexample[0];
    summary.counterexample = c;
    // The last attempt of exactly this case is what the node answered to it.
    const key = JSON.stringify(c);
    const last = attempts.findLast((a) => JSON.stringify(a.case) === key);
    if (last !== undefined) summary.counterexampleAttempt = last;
  }
  // A thrown error (a bug of ours or the client), as opposed to a wrong answer.
  const e = details.errorInstance;
  if (e !== null && e !== undefined && !(e instanceof Error && e.message.includes('returning false'))) {
    summary.error = e instanceof Error ? e.message : String(e);
  }
  return summary;
}

async function startInvalidTxs(cluster: StartedCluster, p: Parsed, name: string): Promise<StartedInvalidTxs> {
  const forger = forgerOf(cluster, name);
  const kinds = chooseKinds(forger, p);
  if (p.fullMempool) {
    requireFacet(cluster, name, 'mempool');
    if (forger.fillMempool === undefined)
      throw new WorkloadError(
        name,
        `the ${cluster.facts.adapter} forger cannot fill mempools (fullMempool: true)`,
      );
  }
  const targets = selectNodes(cluster, p.targets ?? 'all', 'invalidTxs options', 'invalidTxs.targets');
  const rec = cluster.recording;
  const first = targets[0]!;
  // Prime the fuzz wallet: one included tx gives stale-nonce kinds a used nonce and `duplicate` a tx to resend.
  const {
    wallet,
    other,
    primed: included,
    primedId: includedId,
  } = await primeFuzzWallet(cluster, name, {
    wallet: p.wallet,
    node: first,
    targets,
    subject: 'invalidTxs options',
    path: 'invalidTxs.wallet',
  });
  // Fillers come from the wallets just before the fuzz wallet (workloads take theirs from the front).
  const fill = p.fullMempool
    ? await forger.fillMempool!({
        wallets: cluster.wallets.filter((w) => w !== wallet && w !== other).reverse(),
        clients: targets.map((t) => ({ name: t.name, client: t.client })),
      })
    : undefined;
  if (fill !== undefined) recordFillers(rec, name, first.name, fill.txs);

  const arb = fc.oneof(...kinds.map((k) => forger.arbitrary(k, { targets: targets.length })));
  const attempts: InvalidAttempt[] = [];
  const ac = new AbortController();
  const ctx: AttemptContext = {
    name,
    forger,
    targets,
    ground: { wallet, other, primed: included },
    reasons: p.reasons,
    includedId,
    recording: rec,
  };
  let run = 0;
  // The first lane that sees a wrong answer shrinks it; the others stop sending.
  let failedLane: number | undefined;

  const property = (lane: number) =>
    fc.asyncProperty(arb, async (c) => {
      if (ac.signal.aborted || (failedLane !== undefined && failedLane !== lane)) return true;
      const shrinking = failedLane === lane;
      const a = await attemptCase(
        ctx,
        c,
        shrinking ? { run, phase: 'shrink' } : { run: ++run, phase: 'run' },
      );
      attempts.push(a);
      const ok = rightAnswer(a);
      if (!ok) failedLane ??= lane;
      return ok;
    });
  const planned = p.replay ? 1 : p.count;
  const lanes = p.replay ? 1 : Math.min(p.concurrency ?? 1, planned);
  const baseSeed = p.replay?.seed ?? cluster.rng.fork(name).int(0, 0x7fff_ffff);
  const done = (async (): Promise<FuzzSummary> => {
    try {
      const results = await Promise.all(
        Array.from({ length: lanes }, async (_, lane) => {
          const seed = (baseSeed + lane) % 0x8000_0000;
          const numRuns = Math.floor(planned / lanes) + (lane < planned % lanes ? 1 : 0);
          const details = await fc.check(property(lane), {
            seed,
            numRuns,
            ...(p.replay ? { path: p.replay.path } : {}),
          });
          return { seed, details };
        }),
      );
      return summarize(results, planned, attempts, ac.signal.aborted);
    } finally {
      if (fill !== undefined) recordFillers(rec, name, first.name, await fill.release());
    }
  })();
  let summary: FuzzSummary | undefined;
  void done.then(
    (s) => {
      summary = s;
    },
    () => undefined,
  );

  let stopped: Promise<void> | undefined;
  const started: StartedInvalidTxs = {
    name,
    done,
    summary: () => summary,
    attempts: () => attempts.slice(),
    ids: () => [
      ...new Set(attempts.filter((a) => a.id !== undefined && a.id !== includedId).map((a) => a.id!)),
    ],
    duplicateOf: () => [includedId],
    submitted: () => {
      const out: TxRecord[] = [];
      for (const id of new Set(attempts.map((a) => a.id))) {
        const r = id === undefined ? undefined : rec.txs.get(id);
        if (r && r.workload === name) out.push(r);
      }
      return out;
    },
    stop() {
      stopped ??= (async () => {
        ac.abort();
        await done.catch(() => undefined);
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
