/**
 * Block propagation measured from a recording: for each block, the first time any node
 * announced it (its feed) and the time each other node announced it. The delay a node shows
 * is how far behind the first sighting it learned blocks; tiers of nodes (latency tiers of
 * the link layer) are summarised together. Pure: recorded histories in, figures out.
 */
import type { BlockObservation } from './recording.ts';

/** Delays of one node (or tier), in ms from a block's first sighting anywhere. */
export interface PropagationFigures {
  /** Blocks counted (seen on the feed here, first seen elsewhere). */
  samples: number;
  median: number;
  p90: number;
  max: number;
}

/** Options of {@link blockPropagation}. */
export interface BlockPropagationOptions {
  /** Only blocks first sighted on one of these nodes. Default: every block. */
  origins?: readonly string[];
  /** Only sightings in [from, to] (recording ms). Default: all. */
  from?: number;
  to?: number;
}

function figures(delays: number[]): PropagationFigures {
  const sorted = [...delays].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { samples: sorted.length, median: at(0.5), p90: at(0.9), max: sorted.at(-1) ?? 0 };
}

/** Each block's first feed sighting: where and when. */
function firstSightings(blocks: readonly BlockObservation[]): Map<string, { node: string; at: number }> {
  const first = new Map<string, { node: string; at: number }>();
  for (const b of blocks) {
    if (b.source === 'backfill') continue;
    const had = first.get(b.hash);
    if (!had || b.at < had.at) first.set(b.hash, { node: b.node, at: b.at });
  }
  return first;
}

/** Raw delays of the sightings `keep` accepts (node seeing it, node that saw it first). */
function delays(
  blocks: readonly BlockObservation[],
  opts: Omit<BlockPropagationOptions, 'origins'>,
  keep: (node: string, origin: string) => boolean,
): Map<string, number[]> {
  const first = firstSightings(blocks);
  const out = new Map<string, number[]>();
  for (const b of blocks) {
    const origin = first.get(b.hash);
    if (!origin || b.source === 'backfill' || origin.node === b.node || !keep(b.node, origin.node)) continue;
    if ((opts.from !== undefined && origin.at < opts.from) || (opts.to !== undefined && b.at > opts.to))
      continue;
    const list = out.get(b.node) ?? [];
    out.set(b.node, list);
    list.push(b.at - origin.at);
  }
  return out;
}

/**
 * Propagation delay to each of `nodes`: the delays of blocks it saw on its feed that were
 * first seen on another node.
 *
 * @example
 * const far = blockPropagation(cluster.recording.blocks, ['val-4'], { origins: ['val-0'] });
 * expect(far['val-4']!.median).toBeGreaterThan(250);
 */
export function blockPropagation(
  blocks: readonly BlockObservation[],
  nodes: readonly string[],
  opts: BlockPropagationOptions = {},
): Record<string, PropagationFigures> {
  const found = delays(
    blocks,
    opts,
    (node, origin) => nodes.includes(node) && (opts.origins?.includes(origin) ?? true),
  );
  return Object.fromEntries(nodes.map((n) => [n, figures(found.get(n) ?? [])]));
}

/**
 * Propagation delay per tier: the delays of every node of the tier pooled, for blocks first
 * seen outside the tier (and, with `origins`, on one of those nodes). Pooled over every
 * origin, a tier's figure depends on who proposed most in the window; to compare tiers,
 * give them the same `origins`.
 *
 * @example
 * const byTier = tierPropagation(cluster.recording.blocks, [{ name: 'far', nodes: ['val-4'] }]);
 * const fromMid = tierPropagation(cluster.recording.blocks, tiers, { origins: ['val-2', 'val-3'] });
 */
export function tierPropagation(
  blocks: readonly BlockObservation[],
  tiers: readonly { name: string; nodes: readonly string[] }[],
  opts: BlockPropagationOptions = {},
): Record<string, PropagationFigures> {
  return Object.fromEntries(
    tiers.map((t) => {
      const found = delays(
        blocks,
        opts,
        (node, origin) =>
          t.nodes.includes(node) && !t.nodes.includes(origin) && (opts.origins?.includes(origin) ?? true),
      );
      return [t.name, figures([...found.values()].flat())];
    }),
  );
}

/** Blocks that lost: seen on some node's feed, yet not on the chain that won. */
export interface OrphanFigures {
  /** Blocks of the winning chain in the height range. */
  canonical: number;
  /** Distinct blocks seen at those heights that are not on it. */
  orphaned: number;
  /** Orphaned blocks per 100 canonical blocks. */
  per100: number;
}

/**
 * The fork rate of a run: blocks any node announced at heights `[from, to]` that are not on
 * `chain` (the winning chain, e.g. `recording.bestChain('val-0')` once converged), per 100
 * blocks of that chain.
 *
 * @example
 * const forks = orphanRate(rec.blocks, rec.bestChain('val-0'), 10, 80);
 * expect(forks.per100).toBeLessThanOrEqual(25);
 */
export function orphanRate(
  blocks: readonly BlockObservation[],
  chain: ReadonlyMap<number, { hash: string }>,
  from: number,
  to: number,
): OrphanFigures {
  const winners = new Set<string>();
  for (let h = from; h <= to; h++) {
    const b = chain.get(h);
    if (b) winners.add(b.hash);
  }
  const losers = new Set(
    blocks.filter((b) => b.height >= from && b.height <= to && !winners.has(b.hash)).map((b) => b.hash),
  );
  const canonical = winners.size;
  return {
    canonical,
    orphaned: losers.size,
    per100: canonical === 0 ? 0 : Math.round((losers.size / canonical) * 1000) / 10,
  };
}
