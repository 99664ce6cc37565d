/**
 * Facet checks: a workload, chaos action or matcher that needs part of the contract beyond
 * the core asks for it here and gets a `CapabilityError` naming the missing facet before
 * anything runs; and helpers that derive expectations from the adapter's own statements
 * (block production, finality, emission), never from one chain's parameters.
 */
import { CapabilityError } from '../support/errors.ts';
import type {
  AccountsClient,
  BlockProduction,
  ChainClient,
  ChainFacts,
  ClockSkewClient,
  DaClient,
  FacetName,
  ForgingClient,
  GossipClient,
  MempoolClient,
  NodeInfo,
  SupplyClient,
  SupplyFacts,
} from './types.ts';

/** Anything that says which chain it is and which facets it has (facts, a recording, a cluster). */
export interface FacetHolder {
  readonly facts: Pick<ChainFacts, 'adapter' | 'facets'>;
}

/**
 * Throws `CapabilityError` naming the first missing facet and who needed it.
 *
 * @example
 * requireFacet(cluster, 'toConserveSupply', 'supply');
 */
export function requireFacet(holder: FacetHolder, neededBy: string, ...facets: FacetName[]): void {
  for (const f of facets) {
    if (!holder.facts.facets.includes(f)) throw CapabilityError.facet(f, holder.facts.adapter, neededBy);
  }
}

/** True when the chain offers `facet`. */
export function hasFacet(holder: FacetHolder, facet: FacetName): boolean {
  return holder.facts.facets.includes(facet);
}

interface FacetClients {
  accounts: AccountsClient;
  supply: SupplyClient;
  mempool: MempoolClient;
  forging: ForgingClient;
  da: DaClient;
  gossip: GossipClient;
  'clock-skew': ClockSkewClient;
}

/**
 * The client with a facet's methods guaranteed present; throws `CapabilityError` when the
 * adapter's client lacks them (an adapter that declares a facet must implement it).
 *
 * @example
 * const { account } = facetClient(node.client, 'accounts', 'refnode', 'transactions');
 */
export function facetClient<F extends keyof FacetClients>(
  client: ChainClient,
  facet: F,
  adapter: string,
  neededBy: string,
): ChainClient & FacetClients[F] {
  const needs: Record<keyof FacetClients, string[]> = {
    accounts: ['account', 'state'],
    supply: ['supply'],
    mempool: ['mempool'],
    forging: ['submitRaw'],
    da: ['publishBlob', 'blob', 'channel', 'certificate'],
    gossip: ['gossipView'],
    'clock-skew': ['clock'],
  };
  const c = client as unknown as Record<string, unknown>;
  if (needs[facet].some((m) => typeof c[m] !== 'function'))
    throw CapabilityError.facet(facet, adapter, neededBy);
  return client as ChainClient & FacetClients[F];
}

/** Blocks per ms when a fraction `share` (0..1) of producers is online. */
export function blockRate(production: BlockProduction, share = 1): number {
  switch (production.model) {
    case 'slotted':
      return (1 - (1 - production.activeSlotCoeff) ** share) / production.slotMs;
    case 'poisson':
      return share / production.expectedIntervalMs;
    case 'fixed':
      return share > 0 ? 1 / production.expectedIntervalMs : 0;
  }
}

/**
 * The longest gap between blocks that a healthy chain shows with chance below `p`:
 * slotted, the slots until no leader in a row has chance `p`; Poisson, `-ln p` mean
 * intervals; fixed, two intervals.
 */
export function quietSpanMs(production: BlockProduction, p = 1e-7): number {
  switch (production.model) {
    case 'slotted': {
      const f = production.activeSlotCoeff;
      const quietSlots = f >= 1 ? 1 : Math.ceil(Math.log(p) / Math.log(1 - f));
      return quietSlots * production.slotMs;
    }
    case 'poisson':
      return Math.ceil(-Math.log(p) * production.expectedIntervalMs);
    case 'fixed':
      return 2 * production.expectedIntervalMs;
  }
}

/**
 * Spread of the block count over `spanMs` at `rate` blocks/ms: the standard deviation a
 * healthy chain shows (binomial per slot, Poisson, none for fixed).
 */
export function blockCountSpread(production: BlockProduction, spanMs: number, share = 1): number {
  const expected = spanMs * blockRate(production, share);
  switch (production.model) {
    case 'slotted': {
      const pSlot = 1 - (1 - production.activeSlotCoeff) ** share;
      return Math.sqrt(expected * Math.max(0, 1 - pSlot));
    }
    case 'poisson':
      return Math.sqrt(expected);
    case 'fixed':
      return 1;
  }
}

/** How many blocks may sit above a final block: the finality depth (0 for `none`). */
export function finalityDepth(facts: Pick<ChainFacts, 'finality'>): number {
  return facts.finality.rule === 'none' ? 0 : facts.finality.depth;
}

/**
 * A node's final height per the adapter's finality rule: what it reports (`reported`),
 * its height minus the depth (`depth`), or its height (`none`: the tip is all there is).
 * −1 when nothing is final yet.
 */
export function finalHeightOf(facts: Pick<ChainFacts, 'finality'>, info: NodeInfo): number {
  switch (facts.finality.rule) {
    case 'reported':
      return info.finalizedHeight ?? -1;
    case 'depth':
      return info.height - facts.finality.depth >= 0 ? info.height - facts.finality.depth : -1;
    case 'none':
      return info.height;
  }
}

/** The final height implied by a tip at `height` under a `depth`/`none` rule (−1 when none yet). */
export function finalBelowTip(facts: Pick<ChainFacts, 'finality'>, height: number): number {
  const depth = finalityDepth(facts);
  return height - depth >= 0 ? height - depth : -1;
}

/**
 * Expected total supply at `height` under the emission rule (facet `supply`).
 *
 * @example
 * expectedSupply({ genesis: 0n, emission: { kind: 'halving', initial: 5_000_000_000n, interval: 150, firstHeight: 1 }, source: 'utxo-set' }, 2); // 10_000_000_000n
 */
export function expectedSupply(supply: SupplyFacts, height: number): bigint {
  const e = supply.emission;
  if (e.kind === 'none' || height < e.firstHeight) return supply.genesis;
  let total = supply.genesis;
  // Sum whole halving eras at once: a long chain is not summed block by block.
  let h = e.firstHeight;
  while (h <= height) {
    const era = Math.floor(h / e.interval);
    const subsidy = era >= 64 ? 0n : e.initial >> BigInt(era);
    if (subsidy === 0n) break;
    const eraEnd = Math.min(height, (era + 1) * e.interval - 1);
    total += subsidy * BigInt(eraEnd - h + 1);
    h = eraEnd + 1;
  }
  return total;
}

/** One line about block production and finality, for reports: `slots of 200 ms, f 0.5: one block per 400 ms expected; final as reported (k 6)`. */
export function describeChain(facts: Pick<ChainFacts, 'production' | 'finality'>): string {
  const p = facts.production;
  const rate =
    p.model === 'slotted'
      ? `slots of ${p.slotMs} ms, f ${p.activeSlotCoeff}: one block per ${p.expectedIntervalMs} ms expected`
      : `${p.model === 'poisson' ? 'Poisson-like' : 'fixed'} blocks, one per ${p.expectedIntervalMs} ms expected`;
  const fin = facts.finality;
  const final =
    fin.rule === 'none'
      ? 'no finality'
      : fin.rule === 'depth'
        ? `final ${fin.depth} deep`
        : `final as reported (k ${fin.depth})`;
  return `${rate}; ${final}`;
}
