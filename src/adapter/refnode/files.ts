/**
 * Reading the files refnode's `genesis` command writes (genesis.json, wallets.json) with
 * just the fields chainlab needs, checked so a refnode change fails loudly here.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AdapterError } from '../../support/errors.ts';
import type { ChainFacts } from '../types.ts';

export interface RefnodeGenesis {
  chainId: string;
  genesisTime: number;
  slotMs: number;
  activeSlotCoeff: number;
  securityParam: number;
  maxDriftMs: number;
  minFee: number;
  validators: { nodeId: string; publicKey: string; peerId: string; stake: number }[];
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

export function factsOf(g: RefnodeGenesis): ChainFacts {
  const supply = Object.values(g.accounts).reduce((a, b) => a + b, 0);
  return {
    chainId: g.chainId,
    slotMs: g.slotMs,
    activeSlotCoeff: g.activeSlotCoeff,
    securityParam: g.securityParam,
    maxDriftMs: g.maxDriftMs,
    genesisTime: g.genesisTime,
    minFee: g.minFee,
    genesisSupply: Number.isFinite(g.totalSupply) ? g.totalSupply : supply,
    initialBalances: { ...g.accounts },
  };
}
