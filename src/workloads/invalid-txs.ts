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
import { type CanonicalReason, canonicalReasons } from '../adapter/reasons.ts';
import type { ForgeCase, SubmitResult } from '../adapter/types.ts';
import { selectNodes } from '../cluster/node-selection.ts';
import type { StartedCluster } from '../cluster/types.ts';
import type { TxRecord } from '../observe/recording.ts';
import { ConfigError, WorkloadError } from '../support/errors.ts';
import { type AllowedText, parseOptions } from '../support/validate.ts';
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
}

/** fast-check's verdict on the whole run. */
export interface FuzzSummary {
  /** fast-check seed (derived from the chainlab seed). */
  seed: number;
  /** Runs asked for (`count`; 1 when replaying). */
  planned: number;
  /** Runs done: all of them, or up to the first failure. */
  numRuns: number;
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
  count: z.int().min(1).max(100_000),
  kinds: z.array(z.string().min(1)).min(1).optional(),
  targets: z.union([z.enum(['all', 'validators']), z.array(z.string().min(1)).min(1)]).optional(),
  wallet: z.int().min(0).optional(),
  reasons: z
    .record(z.string(), z.array(z.enum(canonicalReasons as [CanonicalReason, ...CanonicalReason[]])).min(1))
    .optional(),
  replay: z.strictObject({ seed: z.int(), path: z.string().min(1) }).optional(),
  name: workloadNameSchema.optional(),
});

const allowed: AllowedText = {
  count: 'an integer 1..100000 (generated txs)',
  kinds: `a non-empty list of the adapter's forge kinds`,
  targets: `'all', 'validators' or a non-empty list of node names`,
  wallet: 'a wallet index of the cluster (≥ 0)',
  reasons: `{ [kind]: canonical reasons }, from ${canonicalReasons.join(', ')}`,
  replay: 'fast-check’s { seed, path } from a failure message',
  name: 'a string of 1..40 letters, digits, ., - or _',
  '*': 'one of count, kinds, targets, wallet, reasons, replay, name',
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

async function startInvalidTxs(cluster: StartedCluster, p: Parsed, name: string): Promise<StartedInvalidTxs> {
  const known = forgerOf(cluster, name).kinds.map((k) => k.kind);
  const kinds = p.kinds ?? known;
  const unknown = kinds.flatMap((k, i) =>
    known.includes(k)
      ? []
      : [{ path: `invalidTxs.kinds[${i}]`, value: k, allowed: `one of ${known.join(', ')}` }],
  );
  if (unknown.length > 0) throw new ConfigError('invalidTxs options', unknown);
  const targets = selectNodes(cluster, p.targets ?? 'all', 'invalidTxs options', 'invalidTxs.targets');
  const rec = cluster.recording;
  // Prime the fuzz wallet: one included tx gives stale-nonce kinds a used nonce and `duplicate` a tx to resend.
  const {
    forger,
    wallet,
    other,
    primed: included,
    primedId: includedId,
  } = await primeFuzzWallet(cluster, name, {
    wallet: p.wallet,
    node: targets[0]!,
    subject: 'invalidTxs options',
    path: 'invalidTxs.wallet',
  });
  const arb = fc.oneof(...kinds.map((k) => forger.arbitrary(k, { targets: targets.length })));
  const attempts: InvalidAttempt[] = [];
  const ac = new AbortController();
  let run = 0;
  let shrinking = false;

  const attempt = async (c: ForgeCase): Promise<InvalidAttempt> => {
    const node = targets[c.node % targets.length]!;
    const m = await forger.build(c, { wallet, other, client: node.client, primed: included });
    const at = rec.now();
    const expected = p.reasons?.[c.kind] ?? m.expect;
    let result: SubmitResult | { failed: string };
    try {
      if (m.raw !== undefined) {
        const client = node.client;
        if (!client.submitRaw)
          throw new WorkloadError(name, `${node.name}'s client cannot submit raw bodies`);
        result = await client.submitRaw(m.raw);
      } else result = await node.client.submitTx(m.tx);
    } catch (error) {
      result = { failed: (error as Error).message.split('\n', 1)[0]! };
    }
    const id = m.tx === undefined ? undefined : 'ok' in result && result.ok ? result.id : m.tx.id;
    const a: InvalidAttempt = {
      run,
      phase: shrinking ? 'shrink' : 'run',
      case: c,
      node: node.name,
      at,
      expected,
      ...('failed' in result
        ? { outcome: 'failed' as const, message: result.failed }
        : result.ok
          ? { outcome: 'accepted' as const, code: 'accepted' }
          : { outcome: 'rejected' as const, code: result.code, message: result.message }),
      ...(id === undefined ? {} : { id }),
    };
    attempts.push(a);
    if (m.tx !== undefined && id !== undefined && id !== includedId) {
      rec.recordTx({
        id,
        ...m.tx.summary,
        workload: name,
        node: node.name,
        submittedAt: at,
        outcome: a.outcome,
        ...(a.outcome === 'rejected' && a.code !== undefined ? { reason: a.code } : {}),
        ...(a.outcome === 'failed' && a.message !== undefined ? { reason: a.message } : {}),
      });
    }
    return a;
  };

  const fcSeed = p.replay?.seed ?? cluster.rng.fork(name).int(0, 0x7fff_ffff);
  const property = fc.asyncProperty(arb, async (c) => {
    if (ac.signal.aborted) return true;
    if (!shrinking) run++;
    const a = await attempt(c);
    const ok =
      a.outcome === 'rejected' && a.code !== undefined && a.expected.includes(a.code as CanonicalReason);
    // Every later call is fast-check shrinking this failure.
    if (!ok) shrinking = true;
    return ok;
  });
  const done = (async (): Promise<FuzzSummary> => {
    const details = await fc.check(property, {
      seed: fcSeed,
      numRuns: p.replay ? 1 : p.count,
      ...(p.replay ? { path: p.replay.path } : {}),
    });
    const summary: FuzzSummary = {
      seed: details.seed,
      planned: p.replay ? 1 : p.count,
      numRuns: details.numRuns,
      numShrinks: details.numShrinks,
      failed: details.failed,
    };
    if (details.counterexamplePath !== null) summary.path = details.counterexamplePath;
    if (details.counterexample !== null) {
      const c = details.counterexample[0];
      summary.counterexample = c;
      // The last attempt of exactly this case is what the node answered to it.
      for (let i = attempts.length - 1; i >= 0; i--) {
        if (JSON.stringify(attempts[i]!.case) === JSON.stringify(c)) {
          summary.counterexampleAttempt = attempts[i]!;
          break;
        }
      }
    }
    // A thrown error (a bug of ours or the client), as opposed to a wrong answer.
    const e = details.errorInstance;
    if (e !== null && e !== undefined && !(e instanceof Error && e.message.includes('returning false'))) {
      summary.error = e instanceof Error ? e.message : String(e);
    }
    return summary;
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
