/**
 * The forks a set of link delays explains, found by replaying the slot lottery over the same
 * delays many times: each validator wins a slot with probability 1 − (1 − f)^(1/n) (equal
 * stakes), a winner builds on the best chain it has heard of, and a block reaches each node the
 * link's delay after it was made, never before its parent. The best chain is refnode's: the
 * longest, and at equal height the tip with the lower lottery draw (or, with `tieBreak:
 * 'first-heard'`, the tip heard first). Same-slot winners and winners that had not yet heard of
 * the block before theirs both fork, as on the real chain. Used by the gossip latency gradient
 * example to bound the forks it sees and to check that its k outlasts them.
 */

import type { Rng } from 'chainlab';

/** What {@link simulateForks} replays. */
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
  /** How a tie between two tips of equal height goes: refnode's lower `draw` (default), or the `first-heard`. */
  tieBreak?: 'draw' | 'first-heard';
}

/** One replay's forks. */
export interface ForkReplay {
  /** Orphaned blocks per 100 blocks of the winning chain (past the first and last two heights). */
  per100: number;
  /**
   * The longest branch off the winning chain, in blocks: some node had it as its best chain, so
   * a k below it would have let that node finalize a block the others never take.
   */
  deepestFork: number;
}

interface SimBlock {
  parent: number;
  height: number;
  draw: number;
}

/** Every replay's forks, in replay order. */
export function simulateForks(model: ForkModel): ForkReplay[] {
  const replays: ForkReplay[] = [];
  for (let run = 0; run < model.runs; run++) replays.push(replay(model));
  return replays;
}

/** The value at quantile `q` (0–1) of `values`, by the nearest rank below. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function replay({
  nodes,
  delayMs,
  slotMs,
  activeSlotCoeff,
  slots,
  rng,
  tieBreak = 'draw',
}: ForkModel): ForkReplay {
  const winChance = 1 - (1 - activeSlotCoeff) ** (1 / nodes);
  const blocks: SimBlock[] = [{ parent: -1, height: 0, draw: 0 }];
  /** Per node: when each block it knows reached it (block index → ms). */
  const heard: Map<number, number>[] = Array.from({ length: nodes }, () => new Map([[0, 0]]));
  const tipAt = (node: number, at: number): number => {
    let best = 0;
    let bestAt = 0;
    for (const [block, when] of heard[node]!) {
      if (when > at) continue;
      const { height, draw } = blocks[block]!;
      const bestBlock = blocks[best]!;
      const winsTie = tieBreak === 'draw' ? draw < bestBlock.draw : when < bestAt;
      if (height > bestBlock.height || (height === bestBlock.height && winsTie))
        [best, bestAt] = [block, when];
    }
    return best;
  };
  for (let slot = 1; slot <= slots; slot++) {
    const at = slot * slotMs;
    const made: { block: number; by: number }[] = [];
    for (let node = 0; node < nodes; node++) {
      // The lottery draw is the proof's, as on refnode: it also breaks ties.
      const draw = rng.next();
      if (draw >= winChance) continue;
      const parent = tipAt(node, at);
      blocks.push({ parent, height: blocks[parent]!.height + 1, draw });
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
  // The winning chain once every block has arrived.
  const tip = tipAt(0, Number.POSITIVE_INFINITY);
  const onChain = new Set<number>();
  for (let block = tip; block >= 0; block = blocks[block]!.parent) onChain.add(block);
  // Orphans are judged over the heights a real run judges: past the first few and short of
  // the unsettled tip. Every block was its proposer's best tip when made, so the longest
  // branch off the winning chain is the deepest fork any node followed.
  const top = blocks[tip]!.height;
  let canonical = 0;
  let orphaned = 0;
  const branchDepth: number[] = [];
  let deepestFork = 0;
  blocks.forEach(({ height, parent }, block) => {
    branchDepth[block] = onChain.has(block) ? 0 : (branchDepth[parent] ?? 0) + 1;
    deepestFork = Math.max(deepestFork, branchDepth[block]!);
    if (height < 2 || height > top - 2) return;
    if (onChain.has(block)) canonical++;
    else orphaned++;
  });
  return { per100: canonical === 0 ? 0 : (100 * orphaned) / canonical, deepestFork };
}
