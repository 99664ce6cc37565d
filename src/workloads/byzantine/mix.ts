/**
 * What a Byzantine gossip peer publishes: the kinds of message, their default weights, and
 * the seeded choice of the next kind. Kinds are chain-neutral; the adapter's gossip facet
 * (and forger, for invalid txs) makes the bytes.
 */
import type { Rng } from '../../support/rng.ts';

/**
 * - `replay`: exact bytes of a message published before (received from the nodes, or an old
 *   block): the nodes' duplicate filters drop it, or, once forgotten, it is stale;
 * - `stale`: old blocks and included txs in fresh bytes: valid, signed, useless;
 * - `useless`: a well-formed message that carries nothing;
 * - `malformed`: bytes no node can decode;
 * - `oversized`: a message over the chain's limit for one message;
 * - `invalid-txs`: one invalid tx of every kind the adapter forges (facet `forging`), as the
 *   fuzzing workload makes them, in tx messages.
 */
export const byzantineKinds = [
  'replay',
  'stale',
  'useless',
  'malformed',
  'oversized',
  'invalid-txs',
] as const;
export type ByzantineKind = (typeof byzantineKinds)[number];

/** Relative weights of the kinds; a kind left out or at 0 is never sent. */
export type ByzantineMix = Partial<Record<ByzantineKind, number>>;

/**
 * The default mix: mostly valid-looking but useless traffic, a fifth invalid (malformed,
 * oversized, invalid txs), the attack scenario 9 describes.
 */
export const defaultMix: Readonly<Record<ByzantineKind, number>> = {
  replay: 3,
  stale: 3,
  useless: 2,
  malformed: 1,
  oversized: 1,
  'invalid-txs': 1,
};

/** A seeded chooser of the next kind by weight. */
export interface KindChooser {
  /** Kinds with a weight above 0, in `byzantineKinds` order. */
  readonly kinds: readonly ByzantineKind[];
  next(): ByzantineKind;
}

/**
 * Draws kinds with probability proportional to their weight, from `rng`.
 *
 * @example
 * const choose = kindChooser({ stale: 1, malformed: 1 }, rng);
 * choose.next(); // 'stale' or 'malformed'
 */
export function kindChooser(mix: Readonly<ByzantineMix>, rng: Rng): KindChooser {
  const kinds = byzantineKinds.filter((k) => (mix[k] ?? 0) > 0);
  const total = kinds.reduce((sum, k) => sum + mix[k]!, 0);
  if (kinds.length === 0 || !(total > 0))
    throw new RangeError('kindChooser: the mix gives no kind a weight above 0');
  return {
    kinds,
    next() {
      let x = rng.float(0, total);
      for (const k of kinds) {
        x -= mix[k]!;
        if (x < 0) return k;
      }
      return kinds.at(-1)!;
    },
  };
}
