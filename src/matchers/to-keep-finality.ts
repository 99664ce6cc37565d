/**
 * `toKeepFinality()`: no node ever reverts a block it reported final, and no two nodes
 * finalize different blocks at one height — judged from the recording alone. What counts as
 * final follows the adapter's finality rule: the node's own reports (`reported`: finality
 * events and samples), or the block `depth` below each tip the node announced (`depth`).
 * A chain without finality (`none`) has nothing to keep: the matcher refuses it.
 */

import { z } from 'zod';
import type { Recording } from '../observe/recording.ts';
import { CapabilityError } from '../support/errors.ts';
import { parseOptions } from '../support/validate.ts';
import { at, between, nodeList, replayHint, short } from './format.ts';
import { type MatcherResult, type MatcherThis, refresh, settle, toSubject } from './shell.ts';
import type { TimeWindow } from './timeline.ts';

/** Options of `toKeepFinality`. */
export interface KeepFinalityOptions {
  /** Judge only these nodes. Default: every node the recording knows. */
  nodes?: string[];
}

/** A block a node held final at a height, and since when. */
export interface FinalClaim {
  node: string;
  height: number;
  hash: string;
  at: number;
}

/** Finality held: every node kept every block it held final, and all agree. */
export interface FinalityKept {
  kind: 'kept';
  /** Highest height any node held final, per node. */
  heights: Record<string, number>;
  window: TimeWindow;
}

/** A node replaced a block it had held final. */
export interface FinalityReverted {
  kind: 'reverted';
  node: string;
  height: number;
  /** The block it held final first. */
  final: FinalClaim;
  /** The block it had at that height later. */
  later: FinalClaim;
  window: TimeWindow;
}

/** Two nodes held different blocks final at one height. */
export interface FinalityConflict {
  kind: 'conflict';
  height: number;
  first: FinalClaim;
  other: FinalClaim;
  window: TimeWindow;
}

export type KeepFinalityVerdict = FinalityKept | FinalityReverted | FinalityConflict;

const optionsSchema = z.strictObject({ nodes: z.array(z.string().min(1)).min(1).optional() });

/** Validates `toKeepFinality` options. */
export function parseKeepFinalityOptions(opts: unknown): KeepFinalityOptions {
  return parseOptions(optionsSchema, opts ?? {}, 'toKeepFinality options', {
    nodes: 'a non-empty array of node names',
    '*': 'nodes is the only option',
  }) as KeepFinalityOptions;
}

type Step =
  | { type: 'block'; at: number; height: number; hash: string; feed: boolean; order: number }
  | { type: 'final'; at: number; height: number; hash: string; order: number };

/**
 * One node's history: its block observations and final claims in time order (blocks before
 * claims at the same instant, recording order otherwise).
 */
function stepsOf(rec: Recording, node: string): Step[] {
  const steps: Step[] = [];
  let order = 0;
  for (const b of rec.blocks)
    if (b.node === node)
      steps.push({
        type: 'block',
        at: b.at,
        height: b.height,
        hash: b.hash,
        feed: b.source !== 'backfill',
        order: order++,
      });
  if (rec.facts.finality.rule === 'reported') {
    for (const f of rec.finalized)
      if (f.node === node)
        steps.push({ type: 'final', at: f.at, height: f.height, hash: f.hash, order: order++ });
    for (const s of rec.samples) {
      const i = s.info;
      if (
        s.node === node &&
        s.ok &&
        i?.finalizedHeight !== undefined &&
        i.finalizedTip !== undefined &&
        i.finalizedHeight >= 0
      )
        steps.push({
          type: 'final',
          at: s.at,
          height: i.finalizedHeight,
          hash: i.finalizedTip,
          order: order++,
        });
    }
  }
  return steps.sort(
    (a, b) => a.at - b.at || (a.type === b.type ? a.order - b.order : a.type === 'block' ? -1 : 1),
  );
}

/**
 * Judges finality over the whole recording (final blocks are final forever). Pure.
 *
 * @example
 * const v = checkKeepFinality(recording);
 * if (v.kind === 'reverted') console.log(v.node, v.height, v.final.hash, v.later.hash);
 */
export function checkKeepFinality(rec: Recording, opts: KeepFinalityOptions = {}): KeepFinalityVerdict {
  const window = { from: 0, to: rec.now() };
  const rule = rec.facts.finality;
  if (rule.rule === 'none')
    throw CapabilityError.facet('finality (rule none)', rec.facts.adapter, 'toKeepFinality');
  const depth = rule.rule === 'depth' ? rule.depth : 0;
  const names = opts.nodes ?? rec.nodes().map((n) => n.name);
  const firstFinal = new Map<number, FinalClaim>();
  const heights: Record<string, number> = {};
  let conflict: FinalityConflict | undefined;

  for (const node of names) {
    // The node's best chain as it evolves, and the first block it held final per height.
    const chain = new Map<number, { hash: string; at: number }>();
    const finals = new Map<number, FinalClaim>();
    let tip = -1;
    const holdFinal = (claim: FinalClaim): FinalityReverted | undefined => {
      const had = finals.get(claim.height);
      if (had && had.hash !== claim.hash)
        return { kind: 'reverted', node, height: claim.height, final: had, later: claim, window };
      if (!had) finals.set(claim.height, claim);
      return undefined;
    };
    for (const step of stepsOf(rec, node)) {
      if (step.type === 'final') {
        const reverted = holdFinal({ node, height: step.height, hash: step.hash, at: step.at });
        if (reverted) return reverted;
        continue;
      }
      // A block at a height the node held final must be that final block.
      const had = finals.get(step.height);
      if (had && had.hash !== step.hash) {
        return {
          kind: 'reverted',
          node,
          height: step.height,
          final: had,
          later: { node, height: step.height, hash: step.hash, at: step.at },
          window,
        };
      }
      if (step.feed) for (let h = step.height + 1; h <= tip; h++) chain.delete(h);
      chain.set(step.height, { hash: step.hash, at: step.at });
      // The feed announces the node's tip; a backfilled block only fills in below or above it.
      tip = step.feed ? step.height : Math.max(tip, step.height);
      if (rule.rule === 'depth' && step.feed) {
        // The block `depth` below the announced tip is final from now on.
        const h = step.height - depth;
        const b = chain.get(h);
        if (h >= 0 && b) {
          const reverted = holdFinal({ node, height: h, hash: b.hash, at: step.at });
          if (reverted) return reverted;
        }
      }
    }
    heights[node] = Math.max(-1, ...finals.keys());
    for (const claim of finals.values()) {
      const first = firstFinal.get(claim.height);
      if (!first) firstFinal.set(claim.height, claim);
      else if (first.hash !== claim.hash && (!conflict || claim.height < conflict.height))
        conflict = { kind: 'conflict', height: claim.height, first, other: claim, window };
    }
  }
  return conflict ?? { kind: 'kept', heights, window };
}

/** The failure message: node, height and both blocks, the window and the seed. */
export function keepFinalityFailure(v: KeepFinalityVerdict, seed: number): string {
  let line: string;
  switch (v.kind) {
    case 'kept':
      return keepFinalityNegated(v, seed);
    case 'reverted':
      line =
        `expected ${v.node} never to revert a block it held final ${between(v.window.from, v.window.to)}; ` +
        `at height ${v.height} it held ${short(v.final.hash)} final from ${at(v.final.at)}, ` +
        `then had ${short(v.later.hash)} there at ${at(v.later.at)}`;
      break;
    case 'conflict':
      line =
        `expected every node to finalize the same block at each height ${between(v.window.from, v.window.to)}; ` +
        `at height ${v.height} ${v.first.node} held ${short(v.first.hash)} final from ${at(v.first.at)}, ` +
        `${v.other.node} held ${short(v.other.hash)} final from ${at(v.other.at)}`;
      break;
  }
  return `${line} (seed ${seed})\n${replayHint(seed)}`;
}

/** The `.not` message: finality held. */
export function keepFinalityNegated(v: KeepFinalityVerdict, seed: number): string {
  const nodes = v.kind === 'kept' ? Object.keys(v.heights) : [];
  const heights =
    v.kind === 'kept'
      ? Object.entries(v.heights)
          .map(([n, h]) => `${n} ${h}`)
          .join(', ')
      : '';
  return `expected ${nodeList(nodes) || 'the nodes'} to revert a final block ${between(v.window.from, v.window.to)}, but every final block held (final heights ${heights}) (seed ${seed})`;
}

/**
 * Asserts no final block was ever reverted (or finalized differently on two nodes), over
 * the whole recording. Needs a finality rule other than `none`.
 *
 * @example
 * await expect(cluster).toKeepFinality();
 */
export async function toKeepFinality(
  this: MatcherThis,
  received: unknown,
  options?: KeepFinalityOptions,
): Promise<MatcherResult> {
  const subject = toSubject('toKeepFinality', received);
  const opts = parseKeepFinalityOptions(options);
  const rec = subject.recording;
  await refresh(subject);
  const verdict = checkKeepFinality(rec, opts);
  return settle(this, subject, {
    matcher: 'toKeepFinality',
    pass: verdict.kind === 'kept',
    failure: () => keepFinalityFailure(verdict, rec.seed),
    negated: () => keepFinalityNegated(verdict, rec.seed),
    actual: verdict,
    expected: { kind: 'kept', finality: rec.facts.finality },
    window: { from: 0, to: rec.now() },
  });
}
