/**
 * `toSyncJoiners({ within })`: every node that joined the cluster mid-run (dynamic
 * membership) reaches the cluster's final height — the highest final height any other
 * present node had when it joined — within `within` ms of joining. A node that left before
 * its deadline is not judged; a run in which no node joined fails (nothing was shown).
 */

import { z } from 'zod';
import type { RecordedNode, Recording } from '../observe/recording.ts';
import { parseOptions } from '../support/validate.ts';
import { at, between, nodeList, replayHint, seconds } from './format.ts';
import { type MatcherResult, type MatcherThis, pollUntilVerdict, settle, toSubject } from './shell.ts';
import { heightAt, type TimeWindow } from './timeline.ts';

/** Options of `toSyncJoiners`. */
export interface SyncJoinersOptions {
  /** Time a joining node has to reach the cluster's final height (ms). Default: 30 block intervals, at least 10 000. */
  within?: number;
  /** Judge nodes that joined from this recording time on. Default: the current test's start mark, else 0. */
  since?: number;
  /** Judge only these joining nodes. Default: every node that joined mid-run since `since`. */
  nodes?: string[];
}

/** How one joining node fared. */
export interface JoinerSync {
  node: string;
  joinedAt: number;
  /** The cluster's final height when it joined, and which node had it. */
  target: number;
  targetNode: string;
  /** When its final height first reached `target` (undefined: not yet). */
  reachedAt: number | undefined;
  /** Its final height at the deadline (or now, before it). */
  height: number;
  deadline: number;
  /** It left the cluster before its deadline (not judged). */
  left: boolean;
}

/** Every joiner reached the cluster's final height in time. */
export interface JoinersSynced {
  kind: 'synced';
  joiners: JoinerSync[];
}

/** A joiner has not reached it yet, and its deadline has not passed. */
export interface JoinersPending {
  kind: 'pending';
  joiners: JoinerSync[];
  pending: string[];
}

/** A joiner's deadline passed below the cluster's final height. */
export interface JoinerBehind {
  kind: 'behind';
  joiners: JoinerSync[];
  /** The first joiner that missed its deadline, then the others. */
  behind: JoinerSync[];
}

/** No node joined in the judged span. */
export interface NoJoiners {
  kind: 'no-joiners';
  joiners: [];
}

export type SyncJoinersVerdict = JoinersSynced | JoinersPending | JoinerBehind | NoJoiners;

const schema = z.strictObject({
  within: z.number().int().positive().optional(),
  since: z.number().min(0).optional(),
  nodes: z.array(z.string()).min(1).optional(),
});
const allowed = {
  within: 'a positive integer (ms)',
  since: 'recording ms ≥ 0',
  nodes: 'a non-empty array of node names',
  '*': 'one of within, since, nodes',
};

/** Validates `toSyncJoiners` options (throws one `ConfigError` naming every bad option). */
export function parseSyncJoinersOptions(opts: unknown): SyncJoinersOptions {
  return parseOptions(schema, opts ?? {}, 'toSyncJoiners options', allowed) as SyncJoinersOptions;
}

/** The default `within`: 30 block intervals, at least 10 s. */
export function defaultSyncWithin(rec: Recording): number {
  return Math.max(10_000, 30 * rec.facts.production.expectedIntervalMs);
}

/**
 * Nodes that joined mid-run: those the cluster's membership marked `join(<name>)`; in a
 * recording without membership marks (made elsewhere), nodes first seen more than a second
 * after the first node. The marks matter: a fast start puts a join within that second.
 */
function joinersOf(rec: Recording, from: number, names: readonly string[] | undefined): RecordedNode[] {
  const all = rec.nodes();
  if (names) return all.filter((n) => names.includes(n.name));
  const marks = rec.marks.filter((m) => m.label === 'membership');
  if (marks.length > 0) {
    const joined = new Set(marks.flatMap((m) => /^join\((.+)\)$/.exec(m.detail ?? '')?.slice(1) ?? []));
    return all.filter((n) => joined.has(n.name) && n.since >= from);
  }
  const firstSeen = Math.min(...all.map((n) => n.since));
  return all.filter((n) => n.since > firstSeen + 1000 && n.since >= from);
}

/**
 * Judges joining nodes at recording time `now`. Pure: same recording, same verdict.
 *
 * @example
 * const v = checkSyncJoiners(recording, { within: 20_000 }, recording.now());
 * if (v.kind === 'behind') console.log(v.behind[0].node);
 */
export function checkSyncJoiners(rec: Recording, opts: SyncJoinersOptions, now: number): SyncJoinersVerdict {
  const within = opts.within ?? defaultSyncWithin(rec);
  const joiners = joinersOf(rec, opts.since ?? 0, opts.nodes);
  if (joiners.length === 0) return { kind: 'no-joiners', joiners: [] };
  const results: JoinerSync[] = joiners.map((j) => {
    let target = -1;
    let targetNode = '';
    for (const other of rec.activeNodes(j.since)) {
      if (other.name === j.name) continue;
      const h = rec.finalHeightAt(other.name, j.since);
      if (h > target) {
        target = h;
        targetNode = other.name;
      }
    }
    const deadline = j.since + within;
    const series = rec.finalSeries(j.name);
    const reached = series.find((p) => p.at >= j.since && p.height >= target);
    const reachedAt = reached && reached.at <= deadline ? reached.at : undefined;
    return {
      node: j.name,
      joinedAt: j.since,
      target,
      targetNode,
      reachedAt,
      height: heightAt(series, Math.min(deadline, now)),
      deadline,
      left: j.leftAt !== undefined && j.leftAt <= deadline && reachedAt === undefined,
    };
  });
  const judged = results.filter((r) => !r.left);
  const behind = judged.filter((r) => r.reachedAt === undefined && r.deadline <= now);
  if (behind.length > 0)
    return { kind: 'behind', joiners: results, behind: behind.sort((a, b) => a.deadline - b.deadline) };
  const pending = judged.filter((r) => r.reachedAt === undefined).map((r) => r.node);
  if (pending.length > 0) return { kind: 'pending', joiners: results, pending };
  return { kind: 'synced', joiners: results };
}

function describeBehind(j: JoinerSync): string {
  return (
    `expected joining node ${j.node} to reach the cluster's final height ${j.target} ` +
    `(${j.targetNode}'s when it joined at ${at(j.joinedAt)}) by ${at(j.deadline)} ` +
    `(within ${seconds(j.deadline - j.joinedAt)}); its final height was ${j.height < 0 ? 'unknown (no final block seen)' : j.height} at ${at(j.deadline)}`
  );
}

/** The failure message of a verdict that is not `synced`. */
export function syncJoinersFailure(v: SyncJoinersVerdict, seed: number, window: TimeWindow): string {
  const lines: string[] = [];
  if (v.kind === 'no-joiners') {
    lines.push(
      `expected a node to join the cluster ${between(window.from, window.to)}; none did (seed ${seed})`,
    );
  } else if (v.kind === 'behind') {
    lines.push(`${describeBehind(v.behind[0]!)} (seed ${seed})`);
    for (const j of v.behind.slice(1)) lines.push(`also: ${describeBehind(j)}`);
  } else if (v.kind === 'pending') {
    lines.push(
      `expected ${nodeList(v.pending)} to reach the cluster's final height; still syncing at ${at(window.to)} (seed ${seed})`,
    );
  } else {
    return syncJoinersNegated(v, seed);
  }
  lines.push(replayHint(seed));
  return lines.join('\n');
}

/** The `.not` message: every joiner did sync in time. */
export function syncJoinersNegated(v: SyncJoinersVerdict, seed: number): string {
  const done = v.joiners
    .filter((j) => j.reachedAt !== undefined)
    .map((j) => `${j.node} reached ${j.target} ${seconds(j.reachedAt! - j.joinedAt)} after joining`);
  return `expected joining nodes not to reach the cluster's final height in time, but ${done.join(', ') || 'none was judged'} (seed ${seed})`;
}

/**
 * Asserts that every node that joined mid-run (since the test started) reached the cluster's
 * final height within `within` ms of joining; waits until the last deadline if needed.
 *
 * @example
 * const exe = await cluster.addNode({ role: 'executor' });
 * await expect(cluster).toSyncJoiners({ within: 20_000 });
 */
export async function toSyncJoiners(
  this: MatcherThis,
  received: unknown,
  options?: SyncJoinersOptions,
): Promise<MatcherResult> {
  const subject = toSubject('toSyncJoiners', received);
  const parsed = parseSyncJoinersOptions(options);
  const rec = subject.recording;
  const opts = { ...parsed, since: parsed.since ?? rec.lastMark('test-start')?.at ?? 0 };
  const first = checkSyncJoiners(rec, opts, rec.now());
  const lastDeadline = Math.max(rec.now(), ...first.joiners.map((j) => j.deadline));
  const { verdict, window } = await pollUntilVerdict(subject, {
    until: lastDeadline,
    everyMs: 250,
    check: (now) => checkSyncJoiners(rec, opts, now),
    settled: (v) => v.kind !== 'pending',
  });
  const judged = { from: opts.since, to: window.to };
  return settle(this, subject, {
    matcher: 'toSyncJoiners',
    pass: verdict.kind === 'synced',
    failure: () => syncJoinersFailure(verdict, rec.seed, judged),
    negated: () => syncJoinersNegated(verdict, rec.seed),
    actual: verdict,
    expected: { kind: 'synced', within: opts.within ?? defaultSyncWithin(rec) },
    window: judged,
  });
}
