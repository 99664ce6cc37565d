/**
 * The fork rate a set of link delays explains, found by replaying the slot lottery over the
 * same delays many times: each validator wins a slot with probability 1 − (1 − f)^(1/n) (equal
 * stakes), a winner builds on the longest chain it has heard of (the first heard wins a tie),
 * and a block reaches each node the link's delay after it was made, never before its parent.
 * Same-slot winners and winners that had not yet heard of the block before theirs both fork,
 * as on the real chain. Used by the gossip latency gradient example to bound the forks it sees.
 */

import type { Rng } from 'chainlab';

/** What {@link simulateForkRates} replays. */
export interface ForkModel {
  /** Validators, equal stakes. */
  nodes: number;
  /** One-way delay from node `from` to node `to`, in ms. */
  delayMs: (from: number, to: number) => number;
  slotMs: number;
  activeSlotCoeff: number;
  /** Slots per replay: as many as the run being judged lasted. */
  slots: number;
  /** Replays. */
  runs: number;
  /** Draws for every replay (seeded: a bound replays with its run). */
  rng: Rng;
}

interface SimBlock {
  parent: number;
  height: number;
}

/** Orphaned blocks per 100 blocks of the winning chain, one figure per replay, sorted. */
export function simulateForkRates(model: ForkModel): number[] {
  const rates: number[] = [];
  for (let run = 0; run < model.runs; run++) rates.push(replay(model));
  return rates.sort((a, b) => a - b);
}

function replay({ nodes, delayMs, slotMs, activeSlotCoeff, slots, rng }: ForkModel): number {
  const winChance = 1 - (1 - activeSlotCoeff) ** (1 / nodes);
  const blocks: SimBlock[] = [{ parent: -1, height: 0 }];
  /** Per node: when each block it knows reached it (block index → ms). */
  const heard: Map<number, number>[] = Array.from({ length: nodes }, () => new Map([[0, 0]]));
  const tipAt = (node: number, at: number): number => {
    let best = 0;
    let bestAt = 0;
    for (const [block, when] of heard[node]!) {
      if (when > at) continue;
      const { height } = blocks[block]!;
      const bestHeight = blocks[best]!.height;
      if (height > bestHeight || (height === bestHeight && when < bestAt)) [best, bestAt] = [block, when];
    }
    return best;
  };
  for (let slot = 1; slot <= slots; slot++) {
    const at = slot * slotMs;
    const made: { block: number; by: number }[] = [];
    for (let node = 0; node < nodes; node++) {
      if (rng.next() >= winChance) continue;
      const parent = tipAt(node, at);
      blocks.push({ parent, height: blocks[parent]!.height + 1 });
      made.push({ block: blocks.length - 1, by: node });
    }
    for (const { block, by } of made) {
      const { parent } = blocks[block]!;
      for (let node = 0; node < nodes; node++) {
        const arrives = node === by ? at : at + delayMs(by, node);
        heard[node]!.set(block, Math.max(arrives, heard[node]!.get(parent) ?? Number.POSITIVE_INFINITY));
      }
    }
  }
  // The winning chain once every block has arrived, judged over the heights a real run
  // judges: past the first few and short of the unsettled tip.
  const tip = tipAt(0, Number.POSITIVE_INFINITY);
  const onChain = new Set<number>();
  for (let block = tip; block >= 0; block = blocks[block]!.parent) onChain.add(block);
  const top = blocks[tip]!.height;
  let canonical = 0;
  let orphaned = 0;
  blocks.forEach(({ height }, block) => {
    if (height < 2 || height > top - 2) return;
    if (onChain.has(block)) canonical++;
    else orphaned++;
  });
  return canonical === 0 ? 0 : (100 * orphaned) / canonical;
}
