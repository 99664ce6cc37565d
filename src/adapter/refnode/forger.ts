/**
 * refnode's forging facet: every kind of invalid refnode tx as a fast-check arbitrary of
 * plain data (so cases print and shrink well), the canonical reason a correct refnode gives
 * each, and how a case becomes a signed (forged) tx or a raw body. Everything about
 * refnode's tx fields, encodings and size limits that fuzzing needs lives here.
 */
import fc from 'fast-check';
import type { UnsignedTx } from '../../../refnode/src/codec.ts';
import { txId } from '../../../refnode/src/codec.ts';
import type { CanonicalReason } from '../reasons.ts';
import type { ForgeCase, ForgeContext, Forged, ForgeKind, Forger, PreparedTx, Wallet } from '../types.ts';
import { defaultRefnodeLimits, fillerFee, type RefnodeLimits } from './limits.ts';
import { fillRefnodeMempools } from './mempool-filler.ts';
import { secretKeyOf, signerOf } from './wallet.ts';

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
  'mempool_full',
] as const;
export type InvalidKind = (typeof invalidKinds)[number];

/** Kinds refused only by a full mempool (valid txs otherwise): generated after `fillMempool`. */
export const fullMempoolKinds: readonly InvalidKind[] = ['mempool_full'];

/** The canonical reason a correct refnode answers per kind. */
export const expectedRejections: Readonly<Record<InvalidKind, readonly CanonicalReason[]>> = {
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
  mempool_full: ['mempool_full'],
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
  | { kind: 'oversized'; over: 'tx'; bytes: number }
  | { kind: 'oversized'; over: 'body'; beyond: number }
  | { kind: 'wrong_chain'; suffix: string; amount: number }
  | { kind: 'duplicate' }
  | { kind: 'fee_too_low'; fee: number; amount: number }
  | { kind: 'mempool_full'; fee: number; amount: number }
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
      // Past the tx size limit (1 KiB) inside an accepted body, and past the API's body limit itself.
      return fc.oneof(
        fc.record({
          kind: fc.constant(kind),
          node,
          over: fc.constant('tx' as const),
          bytes: fc.integer({ min: 1100, max: 16_000 }),
        }),
        fc.record({
          kind: fc.constant(kind),
          node,
          over: fc.constant('body' as const),
          beyond: fc.integer({ min: 1, max: 65_536 }),
        }),
      );
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
    case 'mempool_full':
      // A valid tx that pays less than the fillers: a full mempool has no room it could win.
      return fc.record({
        kind: fc.constant(kind),
        node,
        amount: amountArb,
        fee: fc.integer({ min: ctx.minFee, max: fillerFee(ctx.minFee) - 1 }),
      });
  }
}

/**
 * Kinds that can be generated for `ctx`: no `fee_too_low` when the minimum fee is 0, and by
 * default none of the {@link fullMempoolKinds} (valid txs unless the mempools were filled).
 */
export function feasibleKinds(ctx: InvalidTxContext): InvalidKind[] {
  const kinds = ctx.kinds ?? invalidKinds.filter((k) => !fullMempoolKinds.includes(k));
  return kinds.filter((k) => k !== 'fee_too_low' || ctx.minFee > 0);
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

/** What `forge` builds: the fields as given, signed as `signature` says. */
interface ForgeSpec {
  to: string;
  /** Any number, even 0, negative or beyond the safe integers. */
  amount: number;
  fee: number;
  nonce: number;
  /** Sign for this chain id instead of the cluster's. */
  chainId?: string;
  /** `valid` (default), `corrupt` (one signature bit flipped), or `foreign` (signed by `foreignKeyOf`'s key). */
  signature?: 'valid' | 'corrupt' | 'foreign';
  /** The wallet whose key signs a `foreign` signature. */
  foreignKeyOf?: Wallet;
  /** Pads the encoding with an extra field to at least this many bytes. */
  padToBytes?: number;
}

/** Builds a refnode transfer with any field values, signed as `spec.signature` says. */
function forge(wallet: Wallet, chainId: string, spec: ForgeSpec): PreparedTx {
  const own = secretKeyOf(wallet);
  if (own === undefined)
    throw new TypeError('forge: the fuzz wallet is not a refnode wallet of this process');
  const unsigned: UnsignedTx = {
    chainId: spec.chainId ?? chainId,
    from: wallet.address,
    to: spec.to,
    amount: spec.amount,
    fee: spec.fee,
    nonce: spec.nonce,
  };
  let key = own;
  if (spec.signature === 'foreign') {
    const other = spec.foreignKeyOf === undefined ? undefined : secretKeyOf(spec.foreignKeyOf);
    if (other === undefined || other === own) {
      throw new TypeError(
        'forge: a foreign signature needs foreignKeyOf, another refnode wallet of this chain',
      );
    }
    key = other;
  }
  const signed: Record<string, unknown> = { ...signerOf(key)(unsigned) };
  if (spec.signature === 'corrupt') {
    // Flip the lowest bit of the first signature byte: still 128 hex chars, no longer valid.
    const sig = signed.sig as string;
    signed.sig = (Number.parseInt(sig.slice(0, 2), 16) ^ 1).toString(16).padStart(2, '0') + sig.slice(2);
  }
  if (spec.padToBytes !== undefined) {
    const size = JSON.stringify(signed).length;
    // `"memo":""` plus its comma costs 10 bytes.
    signed.memo = 'x'.repeat(Math.max(0, spec.padToBytes - size - 10));
  }
  // Amounts beyond bigint's reach of a JS number (fractions) are recorded as 0.
  const asAmount = (x: number): bigint => (Number.isInteger(x) ? BigInt(x) : 0n);
  return {
    id: txId(unsigned),
    payload: signed,
    summary: {
      from: wallet.address,
      to: spec.to,
      amount: asAmount(spec.amount),
      fee: asAmount(spec.fee),
      nonce: spec.nonce,
    },
  };
}

/** What a case needs at run time: the fuzz wallet, its account and a known included tx. */
export interface Ground {
  wallet: Wallet;
  other: Wallet;
  recipient: string;
  /** The fuzz wallet's account nonce (only the priming tx ever applies). */
  nonce: number;
  /** An included tx (the priming tx), resent by `duplicate` cases. */
  included: PreparedTx;
  chainId: string;
  minFee: number;
  supply: number;
  limits: RefnodeLimits;
}

/**
 * The fee a kind's txs pay: the minimum plus the kind's index, so ids (a hash of the fields,
 * neither the signature nor the padding) never collide across kinds. A node remembers one
 * refusal per id: a malformed body carrying a bad-signature tx's fields would overwrite that
 * tx's `bad_signature` with `malformed` (and the last refusal is what `txStatus` answers).
 */
function kindFee(g: Ground, kind: InvalidKind): number {
  return g.minFee + invalidKinds.indexOf(kind);
}

/** Turns a case into what to submit: a signed (forged) tx, or a raw body. */
export function materialize(c: InvalidTxCase, g: Ground): { tx: PreparedTx } | { raw: string } {
  const build = (spec: ForgeSpec): PreparedTx => forge(g.wallet, g.chainId, spec);
  const base = { to: g.recipient, fee: kindFee(g, c.kind), nonce: g.nonce };
  switch (c.kind) {
    case 'bad_signature':
      return {
        tx: build({ ...base, amount: c.amount, nonce: g.nonce + c.nonceAhead, signature: 'corrupt' }),
      };
    case 'wrong_key':
      return {
        tx: build({
          ...base,
          amount: c.amount,
          nonce: g.nonce + c.nonceAhead,
          signature: 'foreign',
          foreignKeyOf: g.other,
        }),
      };
    case 'nonce_too_low':
      return { tx: build({ ...base, amount: c.amount, nonce: g.nonce - 1 }) };
    case 'nonce_too_high':
      return { tx: build({ ...base, amount: c.amount, nonce: g.nonce + c.beyond }) };
    case 'insufficient_funds':
      return { tx: build({ ...base, amount: g.supply + c.excess }) };
    case 'zero_amount':
      return { tx: build({ ...base, amount: 0, nonce: g.nonce + c.nonceAhead }) };
    case 'negative_amount':
      return { tx: build({ ...base, amount: c.amount }) };
    case 'overflow_amount':
      return c.variant === 'sum'
        ? { tx: build({ ...base, fee: g.minFee + c.extraFee, amount: Number.MAX_SAFE_INTEGER - c.under }) }
        : { tx: build({ ...base, amount: c.amount }) };
    case 'oversized':
      return c.over === 'tx'
        ? { tx: build({ ...base, amount: PRIME_AMOUNT + 1, padToBytes: c.bytes }) }
        : { raw: oversizedBody(g, g.limits.maxBodyBytes + c.beyond) };
    case 'wrong_chain':
      return { tx: build({ ...base, amount: c.amount, chainId: `${g.chainId}-${c.suffix}` }) };
    case 'duplicate':
      return { tx: g.included };
    case 'fee_too_low':
    case 'mempool_full':
      return { tx: build({ ...base, amount: c.amount, fee: c.fee }) };
    case 'malformed_encoding':
      return { raw: malformedBody(c.body, g) };
  }
}

/** A well-formed tx padded (an extra field) to exactly `bytes` bytes: only its size is wrong. */
function oversizedBody(g: Ground, bytes: number): string {
  const json = JSON.stringify(
    forge(g.wallet, g.chainId, {
      to: g.recipient,
      amount: PRIME_AMOUNT + 1,
      fee: kindFee(g, 'oversized'),
      nonce: g.nonce,
    }).payload,
  );
  // `,"memo":""` costs 10 bytes inside the closing brace.
  return `${json.slice(0, -1)},"memo":"${'x'.repeat(Math.max(0, bytes - json.length - 10))}"}`;
}

function malformedBody(b: MalformedBody, g: Ground): string {
  const valid = forge(g.wallet, g.chainId, {
    to: g.recipient,
    amount: PRIME_AMOUNT + 1,
    fee: kindFee(g, 'malformed_encoding'),
    nonce: g.nonce,
  }).payload as Record<string, unknown>;
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

/**
 * The refnode {@link Forger}: kinds and reasons from {@link expectedRejections}, cases from
 * {@link invalidTxArbitrary}, built by {@link materialize}; mempools filled by
 * {@link fillRefnodeMempools}; double spends as two transfers at one nonce.
 *
 * @example
 * const forger = refnodeForger('refnode-1', 1n, 1_000_000n);
 * fc.sample(forger.arbitrary('wrong_chain', { targets: 3 }), 1);
 */
export function refnodeForger(
  chainId: string,
  minFee: bigint,
  supply: bigint,
  limits: RefnodeLimits = defaultRefnodeLimits,
): Forger {
  const fee = Number(minFee);
  const kinds = feasibleKinds({ minFee: fee, targets: 1, kinds: invalidKinds }).map(
    (kind): ForgeKind => ({
      kind,
      reason: expectedRejections[kind][0]!,
      ...(fullMempoolKinds.includes(kind) ? { needs: 'full-mempool' as const } : {}),
    }),
  );
  const ground = (ctx: ForgeContext): Ground => ({
    wallet: ctx.wallet,
    other: ctx.other,
    recipient: ctx.other.address,
    // Only the priming tx ever applies to the fuzz wallet's account.
    nonce: (ctx.primed.summary.nonce ?? 0) + 1,
    included: ctx.primed,
    chainId,
    minFee: fee,
    supply: Number(supply),
    limits,
  });
  return {
    kinds,
    arbitrary: (kind, ctx) =>
      invalidTxArbitrary(kind as InvalidKind, {
        minFee: fee,
        targets: ctx.targets,
      }) as fc.Arbitrary<ForgeCase>,
    async build(c, ctx): Promise<Forged> {
      const m = materialize(c as unknown as InvalidTxCase, ground(ctx));
      const expect = expectedRejections[c.kind as InvalidKind];
      return 'raw' in m ? { raw: m.raw, expect } : { tx: m.tx, expect };
    },
    async prime(ctx) {
      const { nonce } = await ctx.client.account!(ctx.wallet.address, { timeoutMs: 3000 });
      return forge(ctx.wallet, chainId, { to: ctx.other.address, amount: PRIME_AMOUNT, fee, nonce });
    },
    fillMempool: (ctx) => fillRefnodeMempools(ctx, { minFee: fee, limits }),
    async doubleSpend(ctx) {
      const nonce = ctx.nonce ?? (await ctx.client.account!(ctx.wallet.address, { timeoutMs: 3000 })).nonce;
      const spend = (to: string) => ctx.wallet.transfer({ to, amount: 1n, nonce });
      return [await spend(ctx.to[0]), await spend(ctx.to[1])];
    },
  };
}
