/**
 * Recordings as JSON: amounts are `bigint` in memory and decimal strings in a dump, read
 * back as `bigint` (numbers from older dumps too). Dumps of version 1 (made before the
 * chain-neutral contract) carried refnode's slot facts; they are read as refnode facts.
 */
import {
  type AccountInfo,
  allFacets,
  type ChainFacts,
  type FeeSpec,
  type TxSummary,
} from '../adapter/types.ts';

/** bigint → decimal string, for JSON. */
function enc(x: bigint | undefined): string | undefined {
  return x === undefined ? undefined : x.toString();
}

/** A dumped amount (decimal string, or a number from an older dump) → bigint. */
export function decodeAmount(x: unknown): bigint {
  if (typeof x === 'bigint') return x;
  if (typeof x === 'number' && Number.isInteger(x)) return BigInt(x);
  if (typeof x === 'string' && /^-?\d+$/.test(x)) return BigInt(x);
  throw new TypeError(`recording dump: ${JSON.stringify(x)} is not an amount (a decimal string)`);
}

function mapValues<A, B>(o: Readonly<Record<string, A>>, f: (a: A) => B): Record<string, B> {
  const out: Record<string, B> = {};
  for (const [k, v] of Object.entries(o)) out[k] = f(v);
  return out;
}

function encFee(f: FeeSpec): unknown {
  return 'flat' in f ? { flat: enc(f.flat) } : { perVbyte: enc(f.perVbyte) };
}

function decFee(f: Record<string, unknown>): FeeSpec {
  return 'flat' in f ? { flat: decodeAmount(f.flat) } : { perVbyte: decodeAmount(f.perVbyte) };
}

/** Facts as JSON. */
export function encodeFacts(f: ChainFacts): unknown {
  return {
    ...f,
    defaultFee: encFee(f.defaultFee),
    ...(f.defaultAmount
      ? { defaultAmount: { min: enc(f.defaultAmount.min), max: enc(f.defaultAmount.max) } }
      : {}),
    ...(f.supply
      ? {
          supply: {
            ...f.supply,
            genesis: enc(f.supply.genesis),
            emission:
              f.supply.emission.kind === 'none'
                ? f.supply.emission
                : { ...f.supply.emission, initial: enc(f.supply.emission.initial) },
          },
        }
      : {}),
    ...(f.initialBalances ? { initialBalances: mapValues(f.initialBalances, (b) => enc(b)) } : {}),
    ...(f.da
      ? { da: { ...f.da, threshold: enc(f.da.threshold), stake: mapValues(f.da.stake, (b) => enc(b)) } }
      : {}),
  };
}

/** Facts from JSON (either version). */
export function decodeFacts(raw: Record<string, unknown>): ChainFacts {
  if (raw.production === undefined) return upgradeV1Facts(raw);
  const f = raw as unknown as ChainFacts & Record<string, never>;
  const out: ChainFacts = { ...f, defaultFee: decFee(raw.defaultFee as Record<string, unknown>) };
  const amount = raw.defaultAmount as { min: unknown; max: unknown } | undefined;
  if (amount) out.defaultAmount = { min: decodeAmount(amount.min), max: decodeAmount(amount.max) };
  const supply = raw.supply as Record<string, unknown> | undefined;
  if (supply) {
    const e = supply.emission as Record<string, unknown>;
    out.supply = {
      genesis: decodeAmount(supply.genesis),
      source: supply.source as 'accounts' | 'utxo-set',
      emission:
        e.kind === 'halving'
          ? {
              kind: 'halving',
              initial: decodeAmount(e.initial),
              interval: e.interval as number,
              firstHeight: e.firstHeight as number,
            }
          : { kind: 'none' },
    };
  }
  if (raw.initialBalances)
    out.initialBalances = mapValues(raw.initialBalances as Record<string, unknown>, decodeAmount);
  const da = raw.da as Record<string, unknown> | undefined;
  if (da)
    out.da = {
      threshold: decodeAmount(da.threshold),
      tolerance: da.tolerance as number,
      stake: mapValues(da.stake as Record<string, unknown>, decodeAmount),
    };
  return out;
}

/** Version 1 dumps were refnode's: slots, reported finality k deep, nothing minted. */
function upgradeV1Facts(raw: Record<string, unknown>): ChainFacts {
  const slotMs = raw.slotMs as number;
  const f = raw.activeSlotCoeff as number;
  const k = raw.securityParam as number;
  return {
    adapter: 'refnode',
    chainId: raw.chainId as string,
    production: { model: 'slotted', expectedIntervalMs: slotMs / f, slotMs, activeSlotCoeff: f },
    finality: { rule: 'reported', depth: k },
    facets: allFacets,
    defaultFee: { flat: decodeAmount(raw.minFee ?? 0) },
    slots: {
      slotMs,
      activeSlotCoeff: f,
      genesisTime: raw.genesisTime as number,
      maxDriftMs: (raw.maxDriftMs as number | undefined) ?? 0,
    },
    supply: { genesis: decodeAmount(raw.genesisSupply), emission: { kind: 'none' }, source: 'accounts' },
    initialBalances: mapValues((raw.initialBalances ?? {}) as Record<string, unknown>, decodeAmount),
  };
}

/** Transfer fields of a tx record or body as JSON. */
export function encodeTx<T extends Partial<Pick<TxSummary, 'amount' | 'fee'>>>(t: T): unknown {
  const out: Record<string, unknown> = { ...t };
  if (t.amount !== undefined) out.amount = enc(t.amount);
  if (t.fee !== undefined) out.fee = enc(t.fee);
  return out;
}

/** A tx record or body from JSON. */
export function decodeTx<T>(raw: Record<string, unknown>): T {
  const out: Record<string, unknown> = { ...raw };
  // Older dumps recorded NaN (null in JSON) for fields a body did not have.
  for (const k of ['amount', 'fee'] as const) {
    if (raw[k] === undefined || raw[k] === null) delete out[k];
    else out[k] = decodeAmount(raw[k]);
  }
  for (const k of ['from', 'to'] as const) if (raw[k] === '') delete out[k];
  if (raw.nonce === null) delete out.nonce;
  return out as T;
}

/** Accounts of a state snapshot as JSON / from JSON. */
export function encodeAccounts(a: Readonly<Record<string, AccountInfo>>): unknown {
  return mapValues(a, (x) => ({ balance: enc(x.balance), nonce: x.nonce }));
}

export function decodeAccounts(
  raw: Record<string, { balance: unknown; nonce: number }>,
): Record<string, AccountInfo> {
  return mapValues(raw, (x) => ({ balance: decodeAmount(x.balance), nonce: x.nonce }));
}
