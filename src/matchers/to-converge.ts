/**
 * `toConverge({ within })`: every node agrees on the final block and its state root at a
 * common final height (the lowest final height among them), and no node trails that
 * consensus by more than `maxSpread` final blocks — at some moment within the window.
 */

import { z } from 'zod';
import type { Recording } from '../observe/recording.ts';
import { parseOptions } from '../support/validate.ts';
import { at, between, nodeList, replayHint, seconds, short } from './format.ts';
import { type MatcherResult, type MatcherThis, pollUntilVerdict, settle, toSubject } from './shell.ts';
import type { TimeWindow } from './timeline.ts';

/** Options of `toConverge`. */
export interface ConvergeOptions {
  /** How long to wait for agreement (ms). Default: 20 block intervals (`20 · slotMs / f`), at least 5000. */
  within?: number;
  /** Most final blocks any node may be above the lowest one. Default 2. */
  maxSpread?: number;
  /** Judge only these nodes. Default: every node in the cluster now. */
  nodes?: string[];
}

/** A node's final block as last seen. */
export interface FinalView {
  node: string;
  height: number;
  hash: string | undefined;
  stateRoot: string | undefined;
}

/** All nodes agree at `height`. */
export interface Converged {
  kind: 'converged';
  at: number;
  height: number;
  hash: string;
  /** Undefined on chains without state roots in their headers. */
  stateRoot: string | undefined;
  nodes: FinalView[];
}

/** ` (state root 1a2b3c4d…)`, or nothing on chains without state roots. */
function rootNote(root: string | undefined, lead = ' (state root '): string {
  return root === undefined ? '' : `${lead}${short(root)}${lead.startsWith(' (') ? ')' : ''}`;
}

/** Nodes disagree on the block (or state root) at the common final height. */
export interface Diverged {
  kind: 'diverged';
  at: number;
  height: number;
  /** Groups of nodes sharing a block, largest first. */
  groups: { hash: string | undefined; stateRoot: string | undefined; nodes: string[] }[];
  nodes: FinalView[];
  /** Lowest height where the recorded chains differ (the fork point), when known. */
  forkHeight?: number;
  /** Each node's head when judged: its height (when sampled) and final height. */
  heads: NodeHead[];
}

/** Where a node's chain stood: a node still moving on its own branch shows here. */
export interface NodeHead {
  node: string;
  height: number | undefined;
  finalHeight: number;
}

/** Some nodes' final heights are too far apart to compare. */
export interface Spread {
  kind: 'spread';
  at: number;
  lowest: FinalView[];
  highest: FinalView;
  maxSpread: number;
  nodes: FinalView[];
}

/** Some nodes did not answer (or were never sampled). */
export interface Unreachable {
  kind: 'unreachable';
  at: number;
  unreachable: { node: string; error: string; since: number | undefined; fault?: string }[];
  nodes: FinalView[];
}

export type ConvergenceVerdict = Converged | Diverged | Spread | Unreachable;

const optionsSchema = z
  .object({
    within: z.number().int().min(0).optional(),
    maxSpread: z.number().int().min(0).optional(),
    nodes: z.array(z.string()).min(1).optional(),
  })
  .strict();

const allowed = {
  within: 'an integer ≥ 0 (ms to wait)',
  maxSpread: 'an integer ≥ 0 (blocks)',
  nodes: 'a non-empty array of node names',
  '*': 'one of within, maxSpread, nodes',
};

/** Validates `toConverge` options. */
export function parseConvergeOptions(opts: unknown): ConvergeOptions {
  return parseOptions(optionsSchema, opts ?? {}, 'toConverge options', allowed) as ConvergeOptions;
}

/**
 * Judges agreement from the newest sample of each node (taken at or before `at`) and the
 * recorded chains. Pure.
 *
 * @example
 * const v = checkConverge(recording, {}, recording.now());
 * if (v.kind === 'diverged') console.log(v.groups);
 */
export function checkConverge(
  rec: Recording,
  opts: ConvergeOptions,
  atTime: number = rec.now(),
): ConvergenceVerdict {
  const maxSpread = opts.maxSpread ?? 2;
  const names = opts.nodes ?? rec.activeNodes(atTime).map((n) => n.name);
  const unreachable: Unreachable['unreachable'] = [];
  const heights: { node: string; height: number }[] = [];
  for (const node of names) {
    const latest = rec.samples.findLast((s) => s.node === node && s.at <= atTime);
    if (!latest) {
      unreachable.push({ node, error: 'never sampled', since: undefined });
      continue;
    }
    if (!latest.ok || !latest.info) {
      const ok = rec.lastSample(node, atTime);
      const firstFail = rec.samples.find(
        (s) => s.node === node && !s.ok && s.at > (ok?.at ?? -1) && s.at <= atTime,
      );
      const fault = rec.faultsOf(node, atTime, atTime).at(-1);
      const entry: Unreachable['unreachable'][number] = {
        node,
        error: latest.error ?? 'no answer',
        since: firstFail?.at,
      };
      if (fault) entry.fault = fault.description;
      unreachable.push(entry);
      continue;
    }
    heights.push({ node, height: rec.finalHeightAt(node, atTime) });
  }
  if (heights.length === 0 && unreachable.length === 0) {
    return {
      kind: 'unreachable',
      at: atTime,
      unreachable: [{ node: '(none)', error: 'no nodes to judge', since: undefined }],
      nodes: [],
    };
  }
  const common = Math.min(...heights.map((h) => h.height));
  const view = (node: string, height: number): FinalView => {
    const s = rec.lastSample(node, atTime);
    if (s?.info && s.info.finalizedHeight === height) {
      return { node, height, hash: s.info.finalizedTip, stateRoot: s.info.finalizedStateRoot };
    }
    const b = rec.bestChain(node, atTime).get(height);
    return { node, height, hash: b?.hash, stateRoot: b?.stateRoot };
  };
  const tops = heights.map((h) => view(h.node, h.height));
  if (unreachable.length > 0) return { kind: 'unreachable', at: atTime, unreachable, nodes: tops };
  const atCommon = heights.map((h) => view(h.node, common));
  const groups = new Map<string, Diverged['groups'][number]>();
  for (const v of atCommon) {
    const key = `${v.hash}|${v.stateRoot}`;
    const g = groups.get(key);
    if (g) g.nodes.push(v.node);
    else groups.set(key, { hash: v.hash, stateRoot: v.stateRoot, nodes: [v.node] });
  }
  const sorted = [...groups.values()].sort((a, b) => b.nodes.length - a.nodes.length);
  const only = sorted[0]!;
  // Different blocks at the common height say more (a fork, another genesis) than distance.
  const known = sorted.filter((g) => g.hash !== undefined);
  const heads = heights.map((h) => ({
    node: h.node,
    height: rec.lastSample(h.node, atTime)?.info?.height,
    finalHeight: h.height,
  }));
  if (known.length > 1) return diverged(rec, atTime, common, sorted, atCommon, heads);
  const highest = tops.reduce((a, b) => (b.height > a.height ? b : a));
  if (highest.height - common > maxSpread) {
    return {
      kind: 'spread',
      at: atTime,
      lowest: tops.filter((t) => t.height === common),
      highest,
      maxSpread,
      nodes: tops,
    };
  }
  if (sorted.length === 1 && only.hash !== undefined) {
    return {
      kind: 'converged',
      at: atTime,
      height: common,
      hash: only.hash,
      stateRoot: only.stateRoot,
      nodes: atCommon,
    };
  }
  return diverged(rec, atTime, common, sorted, atCommon, heads);
}

/** A divergence verdict with the fork point: the lowest height where one group's chain differs. */
function diverged(
  rec: Recording,
  atTime: number,
  height: number,
  groups: Diverged['groups'],
  nodes: FinalView[],
  heads: NodeHead[],
): Diverged {
  const v: Diverged = { kind: 'diverged', at: atTime, height, groups, nodes, heads };
  const reps = groups.map((g) => rec.bestChain(g.nodes[0]!, atTime));
  for (let h = 0; h <= height; h++) {
    const hashes = reps.map((c) => c.get(h)?.hash);
    if (hashes.some((x) => x === undefined)) continue;
    if (new Set(hashes).size > 1) {
      v.forkHeight = h;
      break;
    }
  }
  return v;
}

/** `at t=20.0s val-0 and val-1 were at height 50 (final 46), val-2 at height 31 (final 27)`. */
function headsAt(v: Diverged): string {
  const alike = new Map<string, string[]>();
  for (const h of v.heads) {
    const key = `height ${h.height ?? '?'} (final ${h.finalHeight})`;
    alike.set(key, [...(alike.get(key) ?? []), h.node]);
  }
  const clauses = [...alike].map(
    ([where, nodes], i) =>
      `${nodeList(nodes)} ${i > 0 ? '' : nodes.length === 1 ? 'was ' : 'were '}at ${where}`,
  );
  return `at ${at(v.at)} ${clauses.join(', ')}`;
}

/** Why the nodes did not converge, naming nodes, heights and blocks. */
export function convergenceFailure(v: ConvergenceVerdict, window: TimeWindow, seed: number): string {
  const head = `expected ${plainCount(v)} to agree on the final block ${between(window.from, window.to)}`;
  let body: string;
  switch (v.kind) {
    case 'converged':
      return convergenceNegated(v, window, seed);
    case 'diverged': {
      const parts = v.groups.map(
        (g) =>
          `${nodeList(g.nodes)} ${g.nodes.length === 1 ? 'has' : 'have'} ${short(g.hash)}${rootNote(g.stateRoot)}`,
      );
      const fork =
        v.forkHeight === undefined
          ? ''
          : v.forkHeight === 0
            ? '; their chains differ from genesis on'
            : `; their chains differ from height ${v.forkHeight} on`;
      body = `at final height ${v.height} ${parts[0]} while ${nodeList(parts.slice(1))}${fork}; ${headsAt(v)}`;
      break;
    }
    case 'spread': {
      const low = v.lowest.map((l) => l.node);
      body =
        `at ${at(v.at)} ${nodeList(low)} ${low.length === 1 ? 'was' : 'were'} at final height ${v.lowest[0]!.height} ` +
        `while ${v.highest.node} was at ${v.highest.height} (more than ${v.maxSpread} apart)`;
      break;
    }
    case 'unreachable': {
      // Nodes that went silent together read as one clause.
      const groups = new Map<string, Unreachable['unreachable']>();
      for (const u of v.unreachable) {
        const key = `${u.since === undefined ? '' : at(u.since)}|${u.fault === undefined}`;
        groups.set(key, [...(groups.get(key) ?? []), u]);
      }
      body = [...groups.values()]
        .map((g) => {
          const first = g[0]!;
          const since = first.since !== undefined ? ` since ${at(first.since)}` : '';
          const why = g.every((u) => u.fault)
            ? `declared fault ${g.map((u) => u.fault).join(', ')}`
            : conciseError(first.error);
          return `${nodeList(g.map((u) => u.node))} did not answer${since} (${why})`;
        })
        .join('; ');
      break;
    }
  }
  return `${head}; ${body} (seed ${seed})\n${replayHint(seed)}`;
}

/** The `.not` message: they did agree. */
export function convergenceNegated(v: ConvergenceVerdict, window: TimeWindow, seed: number): string {
  const where =
    v.kind === 'converged'
      ? ` at final height ${v.height} (${short(v.hash)}${rootNote(v.stateRoot, ', state root ')})`
      : '';
  return `expected ${plainCount(v)} not to agree on the final block ${between(window.from, window.to)}, but at ${at(v.at)} they did${where} (seed ${seed})`;
}

/** `connect ECONNREFUSED 127.0.0.1:4001` out of an adapter's longer request error. */
function conciseError(error: string): string {
  const i = error.lastIndexOf('failed: ');
  return i >= 0 ? error.slice(i + 'failed: '.length) : error;
}

function plainCount(v: ConvergenceVerdict): string {
  const n = v.kind === 'unreachable' ? v.nodes.length + v.unreachable.length : v.nodes.length;
  return n === 1 ? 'the node' : `all ${n} nodes`;
}

/**
 * Waits until every node agrees on the final block and state root, or fails after `within`.
 *
 * @example
 * await cluster.restart('val-1');
 * await expect(cluster).toConverge({ within: 15_000 });
 */
export async function toConverge(
  this: MatcherThis,
  received: unknown,
  options?: ConvergeOptions,
): Promise<MatcherResult> {
  const subject = toSubject('toConverge', received);
  const opts = parseConvergeOptions(options);
  const rec = subject.recording;
  const blockMs = rec.facts.production.expectedIntervalMs;
  const within = opts.within ?? Math.max(5000, 20 * blockMs);
  const { verdict, window } = await pollUntilVerdict(subject, {
    until: rec.now() + within,
    everyMs: Math.min(1000, Math.max(100, blockMs / 2)),
    check: (now) => checkConverge(rec, opts, now),
    settled: (v) => v.kind === 'converged',
    refreshEach: true,
  });
  return settle(this, subject, {
    matcher: 'toConverge',
    pass: verdict.kind === 'converged',
    failure: () => convergenceFailure(verdict, window, rec.seed),
    negated: () => convergenceNegated(verdict, window, rec.seed),
    actual: verdict,
    expected: { kind: 'converged', within: seconds(within) },
    window,
  });
}
