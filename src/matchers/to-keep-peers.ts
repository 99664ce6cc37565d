/**
 * `toKeepPeers({ atLeast, within })`: every node present in the cluster stays connected to
 * at least `atLeast` peers (or to every other present node, when fewer are present),
 * judged on the observer's samples. A node may fall short for up to `within` ms (after it
 * joins, after another node leaves, around its own faults); a node short for longer is named.
 */

import { z } from 'zod';
import type { Recording } from '../observe/recording.ts';
import { parseOptions } from '../support/validate.ts';
import { at, between, replayHint, seconds } from './format.ts';
import { type MatcherResult, type MatcherThis, pollUntilVerdict, settle, toSubject } from './shell.ts';
import { excusedIntervals, inside, type TimeWindow } from './timeline.ts';

/** Options of `toKeepPeers`. */
export interface KeepPeersOptions {
  /** Fewest connected peers a present node keeps. Default 1. */
  atLeast?: number;
  /** Longest time a node may have fewer (to connect after joining, to settle after a change). Default 10 000 ms. */
  within?: number;
  /** Keep judging for this many ms from now. Default: judge what was already recorded. */
  for?: number;
  /** Start of the judged span (recording ms). Default: the current test's start mark, else 0. */
  since?: number;
}

/** Every present node kept enough peers. */
export interface PeersKept {
  kind: 'kept';
  window: TimeWindow;
  /** Fewest peers seen per node (outside its grace). */
  fewest: { node: string; peers: number }[];
}

/** A node had too few peers for longer than `within`. */
export interface TooFewPeers {
  kind: 'too-few-peers';
  window: TimeWindow;
  node: string;
  peers: number;
  needed: number;
  /** How long a node may be short (the `within` option). */
  within: number;
  since: number;
  until: number;
  ongoing: boolean;
  also: { node: string; peers: number; since: number }[];
}

export type KeepPeersVerdict = PeersKept | TooFewPeers;

const schema = z.strictObject({
  atLeast: z.number().int().min(1).optional(),
  within: z.number().int().min(0).optional(),
  for: z.number().int().positive().optional(),
  since: z.number().min(0).optional(),
});
const allowed = {
  atLeast: 'an integer ≥ 1 (peers)',
  within: 'an integer ≥ 0 (ms)',
  for: 'a positive integer (ms to keep judging)',
  since: 'recording ms ≥ 0',
  '*': 'one of atLeast, within, for, since',
};

/** Validates `toKeepPeers` options (throws one `ConfigError` naming every bad option). */
export function parseKeepPeersOptions(opts: unknown): KeepPeersOptions {
  return parseOptions(schema, opts ?? {}, 'toKeepPeers options', allowed) as KeepPeersOptions;
}

/**
 * Judges peer counts over `window`. Pure: same recording, same verdict.
 *
 * @example
 * const v = checkKeepPeers(recording, { atLeast: 2 }, { from: 0, to: recording.now() });
 * if (v.kind === 'too-few-peers') console.log(v.node, v.peers);
 */
export function checkKeepPeers(rec: Recording, opts: KeepPeersOptions, window: TimeWindow): KeepPeersVerdict {
  const atLeast = opts.atLeast ?? 1;
  const within = opts.within ?? 10_000;
  const violations: TooFewPeers[] = [];
  const fewest: { node: string; peers: number }[] = [];
  for (const n of rec.nodes()) {
    const excused = excusedIntervals(rec, n.name, within, window.to);
    // A run of samples below the bound: the first such sample, and the lowest count in it.
    let short: { since: number; peers: number; needed: number } | undefined;
    let low: number | undefined;
    const close = (until: number, ongoing: boolean): void => {
      if (short && until - short.since > within)
        violations.push({
          kind: 'too-few-peers',
          window,
          node: n.name,
          peers: short.peers,
          needed: short.needed,
          within,
          since: short.since,
          until,
          ongoing,
          also: [],
        });
      short = undefined;
    };
    for (const s of rec.samplesOf(n.name)) {
      if (s.at < window.from || s.at > window.to) continue;
      if (!s.ok || s.info === undefined) continue;
      if (s.at < n.since + within || (n.leftAt !== undefined && s.at >= n.leftAt)) continue;
      if (inside(s.at, excused)) {
        short = undefined;
        continue;
      }
      const present = rec.activeNodes(s.at).length;
      const needed = Math.min(atLeast, present - 1);
      low = Math.min(low ?? s.info.peers, s.info.peers);
      if (s.info.peers >= needed) close(s.at, false);
      else if (!short) short = { since: s.at, peers: s.info.peers, needed };
      else short.peers = Math.min(short.peers, s.info.peers);
    }
    close(Math.min(window.to, n.leftAt ?? window.to), true);
    if (low !== undefined) fewest.push({ node: n.name, peers: low });
  }
  if (violations.length === 0) return { kind: 'kept', window, fewest };
  violations.sort((a, b) => a.since - b.since);
  const [first, ...others] = violations as [TooFewPeers, ...TooFewPeers[]];
  return { ...first, also: others.map((v) => ({ node: v.node, peers: v.peers, since: v.since })) };
}

/** The failure message of a `too-few-peers` verdict. */
export function keepPeersFailure(v: KeepPeersVerdict, seed: number): string {
  if (v.kind === 'kept') return keepPeersNegated(v, seed);
  const how = v.ongoing ? `from ${at(v.since)} on` : `from ${at(v.since)} to ${at(v.until)}`;
  const lines = [
    `expected node ${v.node} to stay connected to at least ${v.needed} present ${v.needed === 1 ? 'peer' : 'peers'} ` +
      `${between(v.window.from, v.window.to)} (short for at most ${seconds(v.within)}); it had ${v.peers} ${how} ` +
      `(${seconds(v.until - v.since)}) (seed ${seed})`,
  ];
  for (const o of v.also.slice(0, 3)) lines.push(`also: ${o.node} had ${o.peers} from ${at(o.since)}`);
  lines.push(replayHint(seed));
  return lines.join('\n');
}

/** The `.not` message: every node kept its peers. */
export function keepPeersNegated(v: KeepPeersVerdict, seed: number): string {
  const fewest = v.kind === 'kept' ? v.fewest.map((f) => `${f.node} ≥ ${f.peers}`).join(', ') : '';
  return `expected some node to lose its peers ${between(v.window.from, v.window.to)}, but every present node kept them (fewest: ${fewest}) (seed ${seed})`;
}

/**
 * Asserts every present node stays connected to enough peers; with `{ for }` it watches.
 *
 * @example
 * await expect(cluster).toKeepPeers({ atLeast: 2, within: 10_000 });
 */
export async function toKeepPeers(
  this: MatcherThis,
  received: unknown,
  options?: KeepPeersOptions,
): Promise<MatcherResult> {
  const subject = toSubject('toKeepPeers', received);
  const opts = parseKeepPeersOptions(options);
  const rec = subject.recording;
  const from = opts.since ?? rec.lastMark('test-start')?.at ?? 0;
  const watching = opts.for !== undefined && subject.observer !== undefined;
  const { verdict } = await pollUntilVerdict(subject, {
    until: watching ? rec.now() + opts.for! : rec.now(),
    everyMs: 500,
    check: (now) => checkKeepPeers(rec, opts, { from, to: now }),
    settled: (v) => v.kind !== 'kept',
  });
  return settle(this, subject, {
    matcher: 'toKeepPeers',
    pass: verdict.kind === 'kept',
    failure: () => keepPeersFailure(verdict, rec.seed),
    negated: () => keepPeersNegated(verdict, rec.seed),
    actual: verdict,
    expected: { kind: 'kept', atLeast: opts.atLeast ?? 1 },
    window: verdict.window,
  });
}
