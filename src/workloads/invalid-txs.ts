/**
 * Invalid transaction fuzzing (scenario 7): fast-check arbitraries for every kind of
 * invalid tx, and a workload that runs them as a fast-check property against the cluster
 * (each generated tx is submitted and must be refused with its kind's reason). The
 * fast-check seed derives from the chainlab seed, so `CHAINLAB_SEED` replays a run; a
 * failure keeps fast-check's shrunk counterexample and its `{ seed, path }`, which replay
 * that one case (`invalidTxs({ …, replay: { seed, path } })`).
 *
 * Cases are plain data (`InvalidTxCase`) so they print and shrink well; they become signed
 * txs only when run, against the fuzz wallet's current account.
 */
import fc from 'fast-check';
import { z } from 'zod';
import type { SignedTx, SubmitResult, Wallet } from '../adapter/types.ts';
import { selectNodes } from '../cluster/node-selection.ts';
import type { StartedCluster, StartedNode } from '../cluster/types.ts';
import type { TxRecord } from '../observe/recording.ts';
import { systemClock } from '../support/clock.ts';
import { ConfigError, WorkloadError } from '../support/errors.ts';
import { type AllowedText, parseOptions } from '../support/validate.ts';
import { type StartedWorkload, type Workload, workloadNameSchema } from './workload.ts';

/** Every kind of invalid tx the fuzzer generates. */
export const invalidKinds = [
  'bad_signature',
  'wrong_key',
  'nonce_too_low',
  'nonce_too_high',
  'insufficient_funds',
  'zero_amount',
  'negative_amount',
  'overflow_amount',
  'malformed_encoding',
  'oversized',
  'wrong_chain',
  'duplicate',
  'fee_too_low',
] as const;
export type InvalidKind = (typeof invalidKinds)[number];

/** The typed reason a chain must answer per kind (the reasons of chainlab's design brief). */
export const expectedRejections: Readonly<Record<InvalidKind, readonly string[]>> = {
  bad_signature: ['bad_signature'],
  wrong_key: ['bad_signature'],
  nonce_too_low: ['bad_nonce'],
  nonce_too_high: ['bad_nonce'],
  insufficient_funds: ['insufficient_funds'],
  zero_amount: ['malformed'],
  negative_amount: ['malformed'],
  overflow_amount: ['malformed'],
  malformed_encoding: ['malformed'],
  oversized: ['too_large'],
  wrong_chain: ['wrong_chain'],
  duplicate: ['duplicate'],
  fee_too_low: ['fee_too_low'],
};

/** How a malformed body is made from a valid tx's JSON. */
export type MalformedBody =
  | { variant: 'truncated'; keep: number }
  | { variant: 'garbage'; text: string }
  | { variant: 'wrong-type'; field: string; value: unknown }
  | { variant: 'missing-field'; field: string }
  | { variant: 'extra-field'; key: string; value: unknown }
  | { variant: 'bad-hex'; field: 'from' | 'to' | 'sig'; char: string };

/** One generated invalid tx, as plain data. `node` picks the target among the workload's targets. */
export type InvalidTxCase = { node: number } & (
  | { kind: 'bad_signature'; amount: number; nonceAhead: number }
  | { kind: 'wrong_key'; amount: number; nonceAhead: number }
  | { kind: 'nonce_too_low'; amount: number }
  | { kind: 'nonce_too_high'; amount: number; beyond: number }
  | { kind: 'insufficient_funds'; excess: number }
  | { kind: 'zero_amount'; nonceAhead: number }
  | { kind: 'negative_amount'; amount: number }
  | { kind: 'overflow_amount'; variant: 'sum'; extraFee: number; under: number }
  | { kind: 'overflow_amount'; variant: 'unsafe'; amount: number }
  | { kind: 'malformed_encoding'; body: MalformedBody }
  | { kind: 'oversized'; bytes: number }
  | { kind: 'wrong_chain'; suffix: string; amount: number }
  | { kind: 'duplicate' }
  | { kind: 'fee_too_low'; fee: number; amount: number }
);

/** What the arbitraries need to know about the chain. */
export interface InvalidTxContext {
  /** The chain's minimum fee (`fee_too_low` is left out when it is 0). */
  minFee: number;
  /** Number of target nodes (cases pick one by index). */
  targets: number;
  /** Kinds to generate. Default: all. */
  kinds?: readonly InvalidKind[];
}

const TX_FIELDS = ['chainId', 'from', 'to', 'amount', 'fee', 'nonce', 'sig'] as const;
const HEX_FIELDS = ['from', 'to', 'sig'] as const;
/** Amount of the priming tx; generated valid-looking amounts start above it so ids never collide. */
const PRIME_AMOUNT = 1;

const amountArb = fc.integer({ min: PRIME_AMOUNT + 1, max: 1_000_000 });
// Values no field accepts: strings that are not hex (the leading x), booleans, null, arrays, fractions.
const wrongValue = fc.oneof(
  fc.string({ maxLength: 12 }).map((s) => `x${s}`),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.nat(9), { maxLength: 2 }),
  fc.integer({ min: 1, max: 999 }).map((n) => n + 0.5),
);

function malformedBodyArb(): fc.Arbitrary<MalformedBody> {
  return fc.oneof(
    fc.record({ variant: fc.constant('truncated' as const), keep: fc.nat(400) }),
    // A leading `~` keeps garbage from ever being valid JSON (an array would be a batch).
    fc.record({
      variant: fc.constant('garbage' as const),
      text: fc.string({ maxLength: 60 }).map((s) => `~${s}`),
    }),
    fc
      .record({
        variant: fc.constant('wrong-type' as const),
        field: fc.constantFrom(...TX_FIELDS),
        value: wrongValue,
      })
      .map((b) => (b.field === 'chainId' && typeof b.value === 'string' ? { ...b, value: 7 } : b)),
    fc.record({ variant: fc.constant('missing-field' as const), field: fc.constantFrom(...TX_FIELDS) }),
    fc.record({
      variant: fc.constant('extra-field' as const),
      key: fc.string({ minLength: 1, maxLength: 12 }).map((s) => `x_${s}`),
      value: fc.oneof(fc.nat(), fc.string({ maxLength: 20 }), fc.boolean()),
    }),
    fc.record({
      variant: fc.constant('bad-hex' as const),
      field: fc.constantFrom(...HEX_FIELDS),
      char: fc.constantFrom('g', 'G', 'A', 'z', ' ', '-'),
    }),
  );
}

/**
 * The fast-check arbitrary of one kind of invalid tx.
 *
 * @example
 * fc.sample(invalidTxArbitrary('nonce_too_high', { minFee: 1, targets: 3 }), 3);
 */
export function invalidTxArbitrary(kind: InvalidKind, ctx: InvalidTxContext): fc.Arbitrary<InvalidTxCase> {
  const node = fc.nat(Math.max(0, ctx.targets - 1));
  const nonceAhead = fc.nat(32);
  switch (kind) {
    case 'bad_signature':
      return fc.record({ kind: fc.constant(kind), node, amount: amountArb, nonceAhead });
    case 'wrong_key':
      return fc.record({ kind: fc.constant(kind), node, amount: amountArb, nonceAhead });
    case 'nonce_too_low':
      return fc.record({ kind: fc.constant(kind), node, amount: amountArb });
    case 'nonce_too_high':
      // Far beyond any plausible nonce window (refnode's is 64).
      return fc.record({
        kind: fc.constant(kind),
        node,
        amount: amountArb,
        beyond: fc.integer({ min: 1000, max: 1_000_000 }),
      });
    case 'insufficient_funds':
      return fc.record({ kind: fc.constant(kind), node, excess: fc.nat(1_000_000) });
    case 'zero_amount':
      return fc.record({ kind: fc.constant(kind), node, nonceAhead });
    case 'negative_amount':
      return fc.record({ kind: fc.constant(kind), node, amount: fc.integer({ min: -1_000_000, max: -1 }) });
    case 'overflow_amount':
      return fc.oneof(
        fc
          .record({ node, extraFee: fc.nat(1000), under: fc.nat(1000) })
          .map((r) => ({
            kind,
            variant: 'sum' as const,
            node: r.node,
            extraFee: r.extraFee,
            under: Math.min(r.under, ctx.minFee + r.extraFee - 1),
          }))
          .filter((r) => r.under >= 0),
        fc
          .record({ node, k: fc.nat(1000) })
          .map((r) => ({ kind, variant: 'unsafe' as const, node: r.node, amount: 2 ** 53 + 2 * (r.k + 1) })),
      );
    case 'malformed_encoding':
      return fc.record({ kind: fc.constant(kind), node, body: malformedBodyArb() });
    case 'oversized':
      return fc.record({ kind: fc.constant(kind), node, bytes: fc.integer({ min: 1100, max: 16_000 }) });
    case 'wrong_chain':
      return fc.record({
        kind: fc.constant(kind),
        node,
        amount: amountArb,
        suffix: fc.stringMatching(/^[a-z0-9-]{1,8}$/),
      });
    case 'duplicate':
      return fc.record({ kind: fc.constant(kind), node });
    case 'fee_too_low':
      return fc.record({
        kind: fc.constant(kind),
        node,
        amount: amountArb,
        fee: fc.integer({ min: 0, max: Math.max(0, ctx.minFee - 1) }),
      });
  }
}

/** Kinds that can be generated for `ctx` (no `fee_too_low` when the minimum fee is 0). */
export function feasibleKinds(ctx: InvalidTxContext): InvalidKind[] {
  return (ctx.kinds ?? invalidKinds).filter((k) => k !== 'fee_too_low' || ctx.minFee > 0);
}

/**
 * One arbitrary over every feasible kind, uniformly.
 *
 * @example
 * const arb = anyInvalidTx({ minFee: 1, targets: 3 });
 */
export function anyInvalidTx(ctx: InvalidTxContext): fc.Arbitrary<InvalidTxCase> {
  return fc.oneof(...feasibleKinds(ctx).map((k) => invalidTxArbitrary(k, ctx)));
}

/** Options of {@link invalidTxs}. */
export interface InvalidTxsOptions {
  /** Generated invalid txs (fast-check runs). Required; 1..100 000. */
  count: number;
  /** Kinds to generate. Default: every kind. */
  kinds?: InvalidKind[];
  /** Nodes to submit to: `all`, `validators` or names. Default `all`. */
  targets?: 'all' | 'validators' | string[];
  /** Index of the fuzz wallet (its account only ever gets the priming tx). Default: the last wallet. */
  wallet?: number;
  /** Reasons your chain gives, per kind, where they differ from {@link expectedRejections}. */
  reasons?: Partial<Record<InvalidKind, string[]>>;
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
  case: InvalidTxCase;
  /** Tx id when the body has one (not for malformed encodings). */
  id?: string;
  node: string;
  at: number;
  expected: readonly string[];
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
  counterexample?: InvalidTxCase;
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
  kinds: z.array(z.enum(invalidKinds)).min(1).optional(),
  targets: z.union([z.enum(['all', 'validators']), z.array(z.string().min(1)).min(1)]).optional(),
  wallet: z.int().min(0).optional(),
  reasons: z.partialRecord(z.enum(invalidKinds), z.array(z.string().min(1)).min(1)).optional(),
  replay: z.strictObject({ seed: z.int(), path: z.string().min(1) }).optional(),
  name: workloadNameSchema.optional(),
});

const allowed: AllowedText = {
  count: 'an integer 1..100000 (generated txs)',
  kinds: `a non-empty list of ${invalidKinds.join(', ')}`,
  targets: `'all', 'validators' or a non-empty list of node names`,
  wallet: 'a wallet index of the cluster (≥ 0)',
  reasons: `{ [kind]: reason codes }, kinds from ${invalidKinds.join(', ')}`,
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

/** What a case needs at run time: the fuzz wallet, its account and a known included tx. */
interface Ground {
  wallet: Wallet;
  other: Wallet;
  recipient: string;
  /** The fuzz wallet's account nonce (only the priming tx ever applies). */
  nonce: number;
  /** An included tx (the priming tx), resent by `duplicate` cases. */
  included: SignedTx;
  chainId: string;
  minFee: number;
  supply: number;
}

/** Turns a case into what to submit: a signed (forged) tx, or a raw body. */
export function materialize(c: InvalidTxCase, g: Ground): { tx: SignedTx } | { raw: string } {
  const forge = g.wallet.forge!.bind(g.wallet);
  const base = { to: g.recipient, fee: g.minFee, nonce: g.nonce };
  switch (c.kind) {
    case 'bad_signature':
      return {
        tx: forge({ ...base, amount: c.amount, nonce: g.nonce + c.nonceAhead, signature: 'corrupt' }),
      };
    case 'wrong_key':
      return {
        tx: forge({
          ...base,
          amount: c.amount,
          nonce: g.nonce + c.nonceAhead,
          signature: 'foreign',
          foreignKeyOf: g.other,
        }),
      };
    case 'nonce_too_low':
      return { tx: forge({ ...base, amount: c.amount, nonce: g.nonce - 1 }) };
    case 'nonce_too_high':
      return { tx: forge({ ...base, amount: c.amount, nonce: g.nonce + c.beyond }) };
    case 'insufficient_funds':
      return { tx: forge({ ...base, amount: g.supply + c.excess }) };
    case 'zero_amount':
      return { tx: forge({ ...base, amount: 0, nonce: g.nonce + c.nonceAhead }) };
    case 'negative_amount':
      return { tx: forge({ ...base, amount: c.amount }) };
    case 'overflow_amount':
      return c.variant === 'sum'
        ? { tx: forge({ ...base, fee: g.minFee + c.extraFee, amount: Number.MAX_SAFE_INTEGER - c.under }) }
        : { tx: forge({ ...base, amount: c.amount }) };
    case 'oversized':
      return { tx: forge({ ...base, amount: PRIME_AMOUNT + 1, padToBytes: c.bytes }) };
    case 'wrong_chain':
      return { tx: forge({ ...base, amount: c.amount, chainId: `${g.chainId}-${c.suffix}` }) };
    case 'duplicate':
      return { tx: g.included };
    case 'fee_too_low':
      return { tx: forge({ ...base, amount: c.amount, fee: c.fee }) };
    case 'malformed_encoding':
      return { raw: malformedBody(c.body, g) };
  }
}

function malformedBody(b: MalformedBody, g: Ground): string {
  const valid = g.wallet.transfer(g.recipient, PRIME_AMOUNT + 1, g.minFee, g.nonce).payload as Record<
    string,
    unknown
  >;
  const json = JSON.stringify(valid);
  switch (b.variant) {
    case 'truncated':
      return json.slice(0, Math.min(b.keep, json.length - 1));
    case 'garbage':
      return b.text;
    case 'wrong-type':
      return JSON.stringify({ ...valid, [b.field]: b.value });
    case 'missing-field': {
      const copy = { ...valid };
      delete copy[b.field];
      return JSON.stringify(copy);
    }
    case 'extra-field':
      return JSON.stringify({ ...valid, [b.key]: b.value });
    case 'bad-hex': {
      const v = String(valid[b.field]);
      return JSON.stringify({ ...valid, [b.field]: b.char + v.slice(1) });
    }
  }
}

/** Fields of a forged tx for the recording (numbers as sent, even when absurd). */
function recordFields(tx: SignedTx): Pick<TxRecord, 'from' | 'to' | 'amount' | 'fee' | 'nonce'> {
  const p = tx.payload as Partial<Record<'from' | 'to' | 'amount' | 'fee' | 'nonce', unknown>>;
  const num = (x: unknown): number => (typeof x === 'number' ? x : Number.NaN);
  return {
    from: String(p.from ?? ''),
    to: String(p.to ?? ''),
    amount: num(p.amount),
    fee: num(p.fee),
    nonce: num(p.nonce),
  };
}

async function waitIncluded(node: StartedNode, id: string, timeoutMs: number): Promise<boolean> {
  const deadline = systemClock.monotonic() + timeoutMs;
  while (systemClock.monotonic() < deadline) {
    try {
      if ((await node.client.txStatus(id)).status === 'included') return true;
    } catch {
      // The node may be busy; ask again.
    }
    await systemClock.sleep(100);
  }
  return false;
}

async function startInvalidTxs(cluster: StartedCluster, p: Parsed, name: string): Promise<StartedInvalidTxs> {
  const targets = selectNodes(cluster, p.targets ?? 'all', 'invalidTxs options', 'invalidTxs.targets');
  const walletIndex = p.wallet ?? cluster.wallets.length - 1;
  const wallet = cluster.wallets[walletIndex];
  const other = cluster.wallets.find((w) => w !== wallet);
  if (wallet === undefined || other === undefined) {
    throw new ConfigError('invalidTxs options', [
      {
        path: 'invalidTxs.wallet',
        value: p.wallet ?? walletIndex,
        allowed: `a wallet index 0..${cluster.wallets.length - 1} of a cluster with ≥ 2 wallets`,
      },
    ]);
  }
  if (typeof wallet.forge !== 'function') {
    throw new WorkloadError(
      name,
      `the chain's wallets cannot forge invalid txs (Wallet.forge is missing in this adapter)`,
    );
  }
  const rec = cluster.recording;
  const first = targets[0]!;
  const account = await first.client.account(wallet.address, { timeoutMs: 3000 });

  // Prime the fuzz wallet: one included tx gives `nonce_too_low` a used nonce and `duplicate` a tx to resend.
  const included = wallet.transfer(other.address, PRIME_AMOUNT, cluster.facts.minFee, account.nonce);
  const primed = await first.client.submitTx(included);
  if (!primed.ok && primed.code !== 'duplicate') {
    throw new WorkloadError(
      name,
      `priming the fuzz wallet ${walletIndex} failed: ${first.name} answered ${primed.code} (${primed.message})`,
    );
  }
  const blockMs = cluster.facts.slotMs / cluster.facts.activeSlotCoeff;
  if (!(await waitIncluded(first, included.id, Math.max(15_000, 40 * blockMs)))) {
    throw new WorkloadError(
      name,
      `the priming tx ${included.id.slice(0, 8)}… of the fuzz wallet was not included on ${first.name}`,
    );
  }
  const ground: Ground = {
    wallet,
    other,
    recipient: other.address,
    nonce: account.nonce + 1,
    included,
    chainId: cluster.facts.chainId,
    minFee: cluster.facts.minFee,
    supply: cluster.facts.genesisSupply,
  };

  const ctx: InvalidTxContext = {
    minFee: cluster.facts.minFee,
    targets: targets.length,
    ...(p.kinds ? { kinds: p.kinds } : {}),
  };
  const arb = anyInvalidTx(ctx);
  const attempts: InvalidAttempt[] = [];
  const ac = new AbortController();
  let run = 0;
  let shrinking = false;

  const attempt = async (c: InvalidTxCase): Promise<InvalidAttempt> => {
    const node = targets[c.node % targets.length]!;
    const m = materialize(c, ground);
    const at = rec.now();
    const expected = p.reasons?.[c.kind] ?? expectedRejections[c.kind];
    let result: SubmitResult | { failed: string };
    try {
      result = 'raw' in m ? await node.client.submitRaw!(m.raw) : await node.client.submitTx(m.tx);
    } catch (error) {
      result = { failed: (error as Error).message.split('\n', 1)[0]! };
    }
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
      ...('tx' in m ? { id: m.tx.id } : {}),
    };
    attempts.push(a);
    if ('tx' in m && c.kind !== 'duplicate') {
      rec.recordTx({
        id: m.tx.id,
        ...recordFields(m.tx),
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

  if (typeof first.client.submitRaw !== 'function' && feasibleKinds(ctx).includes('malformed_encoding')) {
    throw new WorkloadError(
      name,
      `the chain's client cannot submit raw bodies (ChainClient.submitRaw); leave out the malformed_encoding kind`,
    );
  }
  const fcSeed = p.replay?.seed ?? cluster.rng.fork(name).int(0, 0x7fff_ffff);
  const property = fc.asyncProperty(arb, async (c) => {
    if (ac.signal.aborted) return true;
    if (!shrinking) run++;
    const a = await attempt(c);
    const ok = a.outcome === 'rejected' && a.code !== undefined && a.expected.includes(a.code);
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
      ...new Set(attempts.filter((a) => a.id !== undefined && a.case.kind !== 'duplicate').map((a) => a.id!)),
    ],
    duplicateOf: () => [included.id],
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
