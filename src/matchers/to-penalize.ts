/**
 * `toPenalize(attacker, { within })` (scenario 9): every node a foreign gossip peer flooded
 * penalised it within `within` ms of the flood's start (its gossipsub score fell below the
 * node's gossip threshold, the node graylisted it, or the node dropped the connection while
 * the flood ran), and every node's gossip queues stayed bounded meanwhile. Judged from the
 * gossip samples the observer takes while the peer is watched (facet `gossip`).
 *
 * Pruning alone does not count: gossipsub prunes honest peers too when it trims a mesh.
 */

import { z } from 'zod';
import { requireFacet } from '../adapter/facets.ts';
import type { GossipPeerView } from '../adapter/types.ts';
import type { GossipPeerRecord, GossipSample, Recording } from '../observe/recording.ts';
import { parseOptions } from '../support/validate.ts';
import { at, between, nodeList, plural, replayHint } from './format.ts';
import { type MatcherResult, type MatcherThis, pollUntilVerdict, settle, toSubject } from './shell.ts';
import type { TimeWindow } from './timeline.ts';

/** Options of `toPenalize`. */
export interface PenalizeOptions {
  /** Time from the flood's start by which every target must have penalised the peer (ms). Default 10 000. */
  within?: number;
  /** A score below this is a penalty. Default: each node's own gossip threshold (0 when it reports none). */
  score?: number;
  /** Most messages any node-wide gossip queue may hold while the flood runs. Default 1000. */
  maxQueue?: number;
  /** Most bytes any node's per-peer stream queue may hold while the flood runs. Default 16 MiB. */
  maxQueueBytes?: number;
}

const optionsSchema = z.strictObject({
  within: z.int().min(1).optional(),
  score: z.number().optional(),
  maxQueue: z.int().min(0).optional(),
  maxQueueBytes: z.int().min(0).optional(),
});

/** Validates `toPenalize` options. */
export function parsePenalizeOptions(opts: unknown): PenalizeOptions {
  return parseOptions(optionsSchema, opts ?? {}, 'toPenalize options', {
    within: 'an integer ≥ 1 (ms from the flood’s start)',
    score: 'a number (a score below it is a penalty)',
    maxQueue: 'an integer ≥ 0 (messages)',
    maxQueueBytes: 'an integer ≥ 0 (bytes)',
    '*': 'one of within, score, maxQueue, maxQueueBytes',
  }) as PenalizeOptions;
}

/** How a node penalised the peer. */
export type PenaltyHow = 'score' | 'graylisted' | 'disconnected';

/** One node that penalised the peer, at its first sample showing it. */
export interface Penalty {
  node: string;
  at: number;
  how: PenaltyHow;
  score: number;
  threshold: number;
}

/** One node that did not, with what it last showed. */
export interface Unpunished {
  node: string;
  /** Good gossip samples of the node in the window. */
  samples: number;
  /** Its last view of the peer in the window, when it had one. */
  last: (GossipPeerView & { at: number }) | undefined;
  threshold: number;
  /** False when the node reported that it lowers no score (a deliberate fault). */
  penalties: boolean | undefined;
  /** Why its samples failed, when none succeeded. */
  error: string | undefined;
  /**
   * Samples in the window after its last view that failed, and the last one's error: the
   * node was not seen for the rest of the window (its last view may predate the flood's
   * arrival), which is not the same as a node that kept reading and did not penalise.
   */
  unseenAfter?: { samples: number; error: string };
}

export type PenalizeVerdict =
  | {
      kind: 'penalized';
      peerId: string;
      workload: string;
      penalties: Penalty[];
      maxQueue: QueuePeak | undefined;
    }
  | { kind: 'no-peer'; peerId: string }
  | {
      kind: 'not-penalized';
      peerId: string;
      workload: string;
      penalties: Penalty[];
      missing: Unpunished[];
    }
  | {
      kind: 'queue-unbounded';
      peerId: string;
      workload: string;
      node: string;
      queue: string;
      at: number;
      size: number;
      bound: number;
      unit: 'messages' | 'bytes';
    };

/** The fullest queue seen, for the summary. */
export interface QueuePeak {
  node: string;
  queue: string;
  size: number;
  at: number;
}

/** The window judged: from the flood's start to `within` later (cut at `now`). */
export function penalizeWindow(peer: GossipPeerRecord, within: number, now: number): TimeWindow {
  return { from: peer.start, to: Math.max(peer.start, Math.min(peer.start + within, now)) };
}

function thresholdOf(s: GossipSample, opts: PenalizeOptions): number {
  return opts.score ?? s.thresholds?.gossip ?? 0;
}

function penaltyIn(
  s: GossipSample,
  view: GossipPeerView,
  threshold: number,
  floodEnd: number,
): PenaltyHow | undefined {
  if (view.score < threshold) return 'score';
  if (view.graylisted) return 'graylisted';
  // After the flood the peer leaves by itself: only a drop while it still ran is the node's doing.
  if (!view.connected && s.at < floodEnd) return 'disconnected';
  return undefined;
}

function queueCheck(
  samples: readonly GossipSample[],
  opts: PenalizeOptions,
): {
  over:
    | Omit<Extract<PenalizeVerdict, { kind: 'queue-unbounded' }>, 'kind' | 'peerId' | 'workload'>
    | undefined;
  peak: QueuePeak | undefined;
} {
  const maxQueue = opts.maxQueue ?? 1000;
  const maxBytes = opts.maxQueueBytes ?? 16 * 1024 * 1024;
  let peak: QueuePeak | undefined;
  for (const s of samples) {
    for (const [queue, size] of Object.entries(s.queues ?? {})) {
      if (!peak || size > peak.size) peak = { node: s.node, queue, size, at: s.at };
      if (size > maxQueue)
        return { over: { node: s.node, queue, at: s.at, size, bound: maxQueue, unit: 'messages' }, peak };
    }
    for (const [queue, size] of Object.entries(s.peerQueues ?? {})) {
      if (size > maxBytes)
        return {
          over: { node: s.node, queue: `per-peer ${queue}`, at: s.at, size, bound: maxBytes, unit: 'bytes' },
          peak,
        };
    }
  }
  return { over: undefined, peak };
}

/**
 * Judges whether every target of the foreign gossip peer `peerId` penalised it within
 * `within` ms of its start, with queues bounded, at recording time `now`. Pure.
 *
 * @example
 * const v = checkPenalize(recording, attacker.peerId, { within: 10_000 });
 */
export function checkPenalize(
  rec: Recording,
  peerId: string,
  opts: PenalizeOptions = {},
  now = rec.now(),
): PenalizeVerdict {
  const peer = rec.gossipPeer(peerId);
  if (peer === undefined) return { kind: 'no-peer', peerId };
  const window = penalizeWindow(peer, opts.within ?? 10_000, now);
  const floodEnd = peer.end ?? Number.POSITIVE_INFINITY;
  const base = { peerId, workload: peer.workload };
  // Queues are judged over the whole flood, penalties over the window.
  const during = rec.gossipSamples.filter(
    (s) => s.ok && peer.targets.includes(s.node) && s.at >= peer.start && s.at <= Math.min(floodEnd, now),
  );
  const { over, peak } = queueCheck(during, opts);
  if (over) return { kind: 'queue-unbounded', ...base, ...over };

  const penalties: Penalty[] = [];
  const missing: Unpunished[] = [];
  for (const node of peer.targets) {
    const mine = rec.gossipSamples.filter((s) => s.node === node && s.at >= window.from && s.at <= window.to);
    const good = mine.filter((s) => s.ok);
    let found: Penalty | undefined;
    let last: Unpunished['last'];
    for (const s of good) {
      const view = s.peers?.find((p) => p.peerId === peerId);
      if (!view) continue;
      last = { ...view, at: s.at };
      const threshold = thresholdOf(s, opts);
      const how = penaltyIn(s, view, threshold, floodEnd);
      if (how) {
        found = { node, at: s.at, how, score: view.score, threshold };
        break;
      }
    }
    if (found) {
      penalties.push(found);
      continue;
    }
    const lastGood = good.at(-1);
    const failedAfter = mine.filter((s) => !s.ok && s.at > (last?.at ?? Number.NEGATIVE_INFINITY));
    missing.push({
      node,
      samples: good.length,
      last,
      threshold: lastGood ? thresholdOf(lastGood, opts) : (opts.score ?? 0),
      penalties: good.findLast((s) => s.penalties !== undefined)?.penalties,
      error: good.length === 0 ? mine.findLast((s) => !s.ok)?.error : undefined,
      ...(last !== undefined && failedAfter.length > 0
        ? { unseenAfter: { samples: failedAfter.length, error: failedAfter.at(-1)!.error ?? 'no answer' } }
        : {}),
    });
  }
  if (missing.length > 0) return { kind: 'not-penalized', ...base, penalties, missing };
  return { kind: 'penalized', ...base, penalties, maxQueue: peak };
}

function peerName(v: { peerId: string; workload?: string }): string {
  const id = v.peerId.length > 16 ? `${v.peerId.slice(0, 8)}…${v.peerId.slice(-4)}` : v.peerId;
  return `gossip peer ${id}${v.workload ? ` (workload ${v.workload})` : ''}`;
}

function score(n: number): string {
  return Number.isFinite(n) ? n.toFixed(2) : String(n);
}

function howText(p: Penalty): string {
  switch (p.how) {
    case 'score':
      return `score ${score(p.score)} < ${score(p.threshold)}`;
    case 'graylisted':
      return `graylisted (score ${score(p.score)})`;
    case 'disconnected':
      return 'disconnected it';
  }
}

function unpunishedText(u: Unpunished): string {
  if (u.samples === 0) return `${u.node} gave no gossip view in the window${u.error ? ` (${u.error})` : ''}`;
  if (!u.last) return `${u.node} never listed the peer among its peers (${plural(u.samples, 'sample')})`;
  const l = u.last;
  const m = l.messages;
  const mesh = l.mesh.length > 0 ? `in its mesh on ${l.mesh.join(',')}` : 'in no mesh';
  const off = u.penalties === false ? '; the node reports gossip penalties off' : '';
  const unseen = u.unseenAfter
    ? `; then it gave no view for the rest of the window (${plural(u.unseenAfter.samples, 'sample')} failed: ${u.unseenAfter.error})`
    : '';
  return `${u.node} did not: at ${at(l.at)} the peer's score was ${score(l.score)} (penalty below ${score(u.threshold)}), ${l.connected ? 'connected' : 'disconnected'}, ${mesh}, ${m.rejected} rejected and ${m.ignored} ignored messages${off}${unseen}`;
}

const HOW = 'score below the gossip threshold, graylisted, or disconnected while flooding';

/** Why the check failed, naming each node that did not penalise the peer. */
export function penalizeFailure(v: PenalizeVerdict, window: TimeWindow, seed: number): string {
  let line: string;
  switch (v.kind) {
    case 'penalized':
      return penalizeNegated(v, window, seed);
    case 'no-peer':
      line = `expected the nodes to penalise ${peerName(v)}; the recording has no such peer (pass the started byzantinePeer workload)`;
      break;
    case 'not-penalized': {
      const who = v.missing.map((u) => u.node);
      const others =
        v.penalties.length > 0
          ? `; ${v.penalties.map((p) => `${p.node} did at ${at(p.at)} (${howText(p)})`).join(', ')}`
          : '';
      line = `expected every node to penalise ${peerName(v)} ${between(window.from, window.to)} (${HOW}); ${plural(who.length, 'node')} did not (${nodeList(who)}): ${v.missing.map(unpunishedText).join('; ')}${others}`;
      break;
    }
    case 'queue-unbounded':
      line = `expected every node's gossip queues to stay bounded while ${peerName(v)} flooded; ${v.node}'s ${v.queue} held ${v.size} ${v.unit} at ${at(v.at)} (bound ${v.bound})`;
      break;
  }
  return `${line} (seed ${seed})\n${replayHint(seed)}`;
}

/** The `.not` message. */
export function penalizeNegated(v: PenalizeVerdict, window: TimeWindow, seed: number): string {
  const list =
    v.kind === 'penalized'
      ? v.penalties.map((p) => `${p.node} at ${at(p.at)} (${howText(p)})`).join(', ')
      : '';
  return `expected some node not to penalise ${peerName(v)} ${between(window.from, window.to)}, but every one did: ${list} (seed ${seed})`;
}

/** What `toPenalize` takes: the started `byzantinePeer` workload, or a peer id. */
export type PenalizeTarget = { readonly peerId: string; readonly done?: Promise<unknown> } | string;

/**
 * Waits until every target penalised the peer or the window closed, then judges.
 *
 * @example
 * const attacker = await background(byzantinePeer({ rate: 200, durationMs: 20_000 }));
 * await expect(cluster).toPenalize(attacker, { within: 10_000 });
 */
export async function toPenalize(
  this: MatcherThis,
  received: unknown,
  attacker: PenalizeTarget,
  options?: PenalizeOptions,
): Promise<MatcherResult> {
  const subject = toSubject('toPenalize', received);
  const rec = subject.recording;
  requireFacet(rec, 'toPenalize', 'gossip');
  const peerId = typeof attacker === 'string' ? attacker : (attacker as { peerId?: unknown } | null)?.peerId;
  if (typeof peerId !== 'string')
    throw new TypeError(
      'toPenalize: expected a byzantinePeer workload (or its peer id), e.g. expect(cluster).toPenalize(attacker)',
    );
  const opts = parsePenalizeOptions(options);
  const within = opts.within ?? 10_000;
  const peer = rec.gossipPeer(peerId);
  const { verdict } = await pollUntilVerdict(subject, {
    until:
      peer === undefined ? rec.now() : Math.min(peer.start + within, peer.end ?? Number.POSITIVE_INFINITY),
    everyMs: 250,
    check: (now) => checkPenalize(rec, peerId, opts, now),
    settled: (v) => v.kind !== 'not-penalized',
    refreshEach: true,
  });
  const window = peer === undefined ? { from: 0, to: rec.now() } : penalizeWindow(peer, within, rec.now());
  return settle(this, subject, {
    matcher: 'toPenalize',
    pass: verdict.kind === 'penalized',
    failure: () => penalizeFailure(verdict, window, rec.seed),
    negated: () => penalizeNegated(verdict, window, rec.seed),
    actual: verdict,
    expected: { kind: 'penalized', within },
    window,
  });
}
