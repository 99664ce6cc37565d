/**
 * Reading the files refnode's `genesis` command writes (genesis.json, wallets.json) with
 * just the fields chainlab needs, checked so a refnode change fails loudly here.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AdapterError } from '../../support/errors.ts';
import { allFacets, type ChainFacts, type FacetName } from '../types.ts';

export interface RefnodeGenesis {
  chainId: string;
  genesisTime: number;
  slotMs: number;
  activeSlotCoeff: number;
  securityParam: number;
  maxDriftMs: number;
  minFee: number;
  validators: { nodeId: string; publicKey: string; peerId: string; stake: number; standby?: true }[];
  executors: { nodeId: string; publicKey: string; peerId: string }[];
  accounts: Record<string, number>;
  totalSupply: number;
}

export interface RefnodeWalletFile {
  chainId: string;
  wallets: { index: number; address: string; secretKey: string; balance: number }[];
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new AdapterError('refnode', `cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

function need(ok: boolean, file: string, what: string): void {
  if (!ok) throw new AdapterError('refnode', `${file} is missing or has a bad ${what}`);
}

export async function readGenesis(dir: string): Promise<RefnodeGenesis> {
  const file = join(dir, 'genesis.json');
  const g = (await readJson(file)) as RefnodeGenesis;
  need(typeof g?.chainId === 'string', file, 'chainId');
  need(Number.isFinite(g.genesisTime), file, 'genesisTime');
  need(Number.isFinite(g.slotMs), file, 'slotMs');
  need(Array.isArray(g.validators), file, 'validators');
  need(Array.isArray(g.executors ?? []), file, 'executors');
  need(typeof g.accounts === 'object' && g.accounts !== null, file, 'accounts');
  g.executors ??= [];
  return g;
}

export async function readWallets(dir: string): Promise<RefnodeWalletFile> {
  const file = join(dir, 'wallets.json');
  const w = (await readJson(file)) as RefnodeWalletFile;
  need(Array.isArray(w?.wallets), file, 'wallets');
  return w;
}

/** Facets the refnode adapter offers: every one chainlab knows. */
export const refnodeFacets: readonly FacetName[] = allFacets;

/** A genesis number as the bigint chainlab uses for amounts (refnode's JSON keeps safe integers). */
export function toAmount(x: number): bigint {
  return BigInt(x);
}

export function factsOf(g: RefnodeGenesis): ChainFacts {
  const balances: Record<string, bigint> = {};
  for (const [addr, n] of Object.entries(g.accounts)) balances[addr] = toAmount(n);
  const summed = Object.values(balances).reduce((a, b) => a + b, 0n);
  const stake: Record<string, bigint> = {};
  for (const v of g.validators) stake[v.publicKey] = toAmount(v.stake);
  const totalStake = Object.values(stake).reduce((a, b) => a + b, 0n);
  return {
    adapter: 'refnode',
    chainId: g.chainId,
    production: {
      model: 'slotted',
      expectedIntervalMs: g.slotMs / g.activeSlotCoeff,
      slotMs: g.slotMs,
      activeSlotCoeff: g.activeSlotCoeff,
    },
    // refnode finalizes blocks k deep and says so in /info and its feed.
    finality: { rule: 'reported', depth: g.securityParam },
    facets: refnodeFacets,
    defaultFee: { flat: toAmount(g.minFee) },
    slots: {
      slotMs: g.slotMs,
      activeSlotCoeff: g.activeSlotCoeff,
      genesisTime: g.genesisTime,
      maxDriftMs: g.maxDriftMs,
    },
    // Nothing is minted after genesis: fees go to the proposer.
    supply: {
      genesis: Number.isFinite(g.totalSupply) ? toAmount(g.totalSupply) : summed,
      emission: { kind: 'none' },
      source: 'accounts',
    },
    initialBalances: balances,
    // A certificate needs attestations of ⌈2/3⌉ of the stake (refnode/README.md).
    da: { threshold: (2n * totalStake + 2n) / 3n, stake, tolerance: daTolerance(g.validators.length) },
  };
}

/** Validators that may be down while a blob stays retrievable: any k = ⌈n/3⌉ of n chunks rebuild it. */
function daTolerance(validators: number): number {
  return validators - Math.max(1, Math.ceil(validators / 3));
}
