/**
 * `toRejectWith(…)` (scenario 7): every invalid tx was refused with the right reason.
 * - `toRejectWith(fuzz)`: a fuzzing workload (`invalidTxs`); every generated tx was refused
 *   with its kind's reason. A failure prints fast-check's shrunk counterexample, what the
 *   node answered to it, and the `{ seed, path }` that replays it alone.
 * - `toRejectWith(attacker)`: a Byzantine gossip peer (`byzantinePeer`); every node refused
 *   each invalid tx it read from the peer with the tx's reason (see gossip-rejections.ts).
 * - `toRejectWith(txOrTxs, reason?)`: recorded txs (sent with `sendTx` or a workload) were
 *   refused, with `reason` when given.
 */

import type { CanonicalReason } from '../adapter/reasons.ts';
import type { Recording, TxRecord } from '../observe/recording.ts';
import type { FuzzSummary, InvalidAttempt } from '../workloads/invalid-txs.ts';
import { at, plural, replayHint, short } from './format.ts';
import { checkGossipRejections, gossipRejectFailure, gossipRejectNegated } from './gossip-rejections.ts';
import type { TxRef } from './mempool-views.ts';
import {
  type MatcherResult,
  type MatcherSubject,
  type MatcherThis,
  refresh,
  settle,
  toSubject,
} from './shell.ts';

/** A fuzzing run as the checker needs it (what `invalidTxs` returns, once done). */
export interface FuzzRun {
  name: string;
  summary: FuzzSummary;
  attempts: readonly InvalidAttempt[];
}

/**
 * What `toRejectWith` found. For a fuzzing run `total` counts the runs done and `planned`
 * the runs asked for: a run stopped before its planned count is `fuzz-incomplete`, never a pass.
 */
export type RejectVerdict =
  | { kind: 'rejected'; total: number; planned?: number; source: string; reasons: Record<string, number> }
  | { kind: 'empty'; total: 0; source: string }
  | {
      kind: 'fuzz-failed';
      total: number;
      planned: number;
      source: string;
      wrong: number;
      first: InvalidAttempt | undefined;
      summary: FuzzSummary;
    }
  | { kind: 'fuzz-incomplete'; total: number; planned: number; source: string; summary: FuzzSummary }
  | { kind: 'fuzz-error'; total: number; source: string; error: string; summary: FuzzSummary }
  | {
      kind: 'not-rejected';
      total: number;
      source: string;
      wrong: number;
      id: string;
      record: TxRecord | undefined;
      reason: string | undefined;
    };

function isWrong(a: InvalidAttempt): boolean {
  return !(
    a.outcome === 'rejected' &&
    a.code !== undefined &&
    a.expected.includes(a.code as CanonicalReason)
  );
}

/**
 * Judges a fuzzing run. Pure.
 *
 * @example
 * const v = checkFuzzRejections({ name: fuzz.name, summary: await fuzz.done, attempts: fuzz.attempts() });
 */
export function checkFuzzRejections(run: FuzzRun): RejectVerdict {
  const source = `of workload ${run.name}`;
  const runs = run.attempts.filter((a) => a.phase === 'run');
  const total = runs.length;
  if (run.summary.error !== undefined)
    return { kind: 'fuzz-error', total, source, error: run.summary.error, summary: run.summary };
  const planned = run.summary.planned;
  const wrong = runs.filter(isWrong);
  if (run.summary.failed || wrong.length > 0) {
    return {
      kind: 'fuzz-failed',
      total,
      planned,
      source,
      wrong: wrong.length,
      first: wrong[0],
      summary: run.summary,
    };
  }
  // Runs done vs planned is part of the verdict: a run cut short checked less than it claims.
  if (total < planned) return { kind: 'fuzz-incomplete', total, planned, source, summary: run.summary };
  const reasons: Record<string, number> = {};
  for (const a of runs) reasons[a.code!] = (reasons[a.code!] ?? 0) + 1;
  return { kind: 'rejected', total, planned, source, reasons };
}

/**
 * Judges recorded txs: each was refused, with `reason` when given. Pure.
 *
 * @example
 * const v = checkRejectWith(recording, [tx.id], 'bad_nonce');
 */
export function checkRejectWith(
  rec: Recording,
  ids: readonly string[],
  reason?: string,
  source = 'given',
): RejectVerdict {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return { kind: 'empty', total: 0, source };
  const bad = unique.filter((id) => {
    const r = rec.txs.get(id);
    return r?.outcome !== 'rejected' || (reason !== undefined && r.reason !== reason);
  });
  if (bad.length > 0) {
    return {
      kind: 'not-rejected',
      total: unique.length,
      source,
      wrong: bad.length,
      id: bad[0]!,
      record: rec.txs.get(bad[0]!),
      reason,
    };
  }
  const reasons: Record<string, number> = {};
  for (const id of unique) {
    const r = rec.txs.get(id)!.reason ?? '(none)';
    reasons[r] = (reasons[r] ?? 0) + 1;
  }
  return { kind: 'rejected', total: unique.length, source, reasons };
}

function answered(a: InvalidAttempt): string {
  if (a.outcome === 'accepted') return `was accepted${a.id ? ` as ${short(a.id)}` : ''}`;
  if (a.outcome === 'failed') return `got no answer (${a.message ?? 'request failed'})`;
  return `was refused with ${a.code}${a.message ? ` (${a.message})` : ''}`;
}

function attemptLine(a: InvalidAttempt, planned: number): string {
  return `run ${a.run} of ${planned} (${a.case.kind}) sent to ${a.node} at ${at(a.at)} ${answered(a)}; expected ${a.expected.join(' or ')}`;
}

/** Why the check failed, with the witness, the shrunk counterexample and how to replay. */
export function rejectFailure(v: RejectVerdict, seed: number): string {
  let text: string;
  switch (v.kind) {
    case 'rejected':
      return rejectNegated(v, seed);
    case 'empty':
      text = `expected txs (${v.source}) to be rejected; there were none to check (did the workload run?)`;
      break;
    case 'fuzz-error':
      text = `expected every generated invalid tx (${v.source}) to be rejected with its reason; the fuzzing property threw after ${plural(v.total, 'run')}: ${v.error}`;
      break;
    case 'fuzz-failed': {
      const s = v.summary;
      const which = v.wrong > 1 ? `${v.wrong} runs were not, the first: ` : '';
      const lines = [
        `expected every generated invalid tx (${v.source}) to be rejected with its kind's reason; ${which}${v.first ? attemptLine(v.first, s.planned) : 'fast-check reported a failure'}`,
      ];
      if (s.counterexample !== undefined) {
        const answer = s.counterexampleAttempt
          ? ` → ${s.counterexampleAttempt.node} ${answered(s.counterexampleAttempt)}`
          : '';
        lines.push(
          `shrunk counterexample (fast-check, ${plural(s.numShrinks, 'shrink')}): ${JSON.stringify(s.counterexample)}${answer}`,
        );
      }
      if (s.path !== undefined) {
        lines.push(
          `fast-check seed ${s.seed}, path "${s.path}": replay this case alone with invalidTxs({ …, replay: { seed: ${s.seed}, path: '${s.path}' } })`,
        );
      }
      text = lines.join('\n');
      break;
    }
    case 'fuzz-incomplete': {
      const why = v.summary.stopped
        ? 'the workload was stopped first (stop() or the end of the test)'
        : 'fast-check ended early';
      text = `expected ${plural(v.planned, 'planned run')} of fuzzing (${v.source}), each refused with its kind's reason; only ${v.total} of ${v.planned} ran: ${why}. Await the workload's done before stopping it, or plan fewer runs`;
      break;
    }
    case 'not-rejected': {
      const r = v.record;
      const want = v.reason ? `rejected with ${v.reason}` : 'rejected';
      const got = !r
        ? 'it was never submitted (not in the recording; send it with sendTx)'
        : r.outcome === 'accepted'
          ? `${r.node} accepted it at ${at(r.submittedAt)}`
          : r.outcome === 'failed'
            ? `${r.node} did not answer at ${at(r.submittedAt)} (${r.reason ?? 'no answer'})`
            : `${r.node} refused it at ${at(r.submittedAt)} with ${r.reason ?? 'no reason'}`;
      const who = r ? ` (nonce ${r.nonce} of ${short(r.from)})` : '';
      const more = v.wrong > 1 ? `; ${v.wrong - 1} more of ${v.total} were not ${want} either` : '';
      text = `expected ${short(v.id)}${who} (${v.source}) to be ${want}; ${got}${more}`;
      break;
    }
  }
  return `${text} (seed ${seed})\n${replayHint(seed)}`;
}

/** The `.not` message. */
export function rejectNegated(v: RejectVerdict, seed: number): string {
  const reasons =
    v.kind === 'rejected'
      ? Object.entries(v.reasons)
          .map(([r, n]) => `${r} ${n}`)
          .join(', ')
      : '';
  const runs =
    v.kind === 'rejected' && v.planned !== undefined ? ` (${v.total} of ${v.planned} planned runs)` : '';
  return `expected some of ${plural(v.total, 'tx')}${runs} (${v.source}) not to be rejected with the expected reason, but all were (${reasons}) (seed ${seed})`;
}

interface FuzzLike {
  name: string;
  done: Promise<FuzzSummary>;
  attempts(): InvalidAttempt[];
}

interface GossipLike {
  name: string;
  via: 'gossip';
  done: Promise<unknown>;
}

function isGossip(x: unknown): x is GossipLike {
  return typeof x === 'object' && x !== null && (x as GossipLike).via === 'gossip';
}

/** Judges a Byzantine gossip peer's txs once it is done, after asking every node about them. */
async function gossipResult(
  self: MatcherThis,
  subject: MatcherSubject,
  peer: GossipLike,
): Promise<MatcherResult> {
  await peer.done;
  await refresh(subject, { gossipTxs: true });
  const rec = subject.recording;
  const verdict = checkGossipRejections(rec, peer.name);
  return settle(self, subject, {
    matcher: 'toRejectWith',
    pass: verdict.kind === 'rejected',
    failure: () => gossipRejectFailure(verdict, rec.seed),
    negated: () => gossipRejectNegated(verdict, rec.seed),
    actual: verdict,
    expected: { kind: 'rejected' },
    window: { from: rec.lastMark('test-start')?.at ?? 0, to: rec.now() },
  });
}

function isFuzz(x: unknown): x is FuzzLike {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as FuzzLike).attempts === 'function' &&
    (x as FuzzLike).done instanceof Promise
  );
}

/**
 * Every invalid tx was refused with the right reason (see the file comment for the forms).
 *
 * @example
 * const fuzz = await background(invalidTxs({ count: 1000 }));
 * await expect(cluster).toRejectWith(fuzz);
 * await expect(cluster).toRejectWith(attacker); // a byzantinePeer: txs that came by gossip
 * await expect(cluster).toRejectWith(staleTx, 'bad_nonce');
 */
export async function toRejectWith(
  this: MatcherThis,
  received: unknown,
  txs: FuzzLike | TxRef | readonly TxRef[],
  reason?: CanonicalReason,
): Promise<MatcherResult> {
  const subject = toSubject('toRejectWith', received);
  const rec = subject.recording;
  if (isGossip(txs)) return gossipResult(this, subject, txs);
  let verdict: RejectVerdict;
  if (isFuzz(txs)) {
    // The fuzz run is judged once it finished (shrinking included).
    const summary = await txs.done;
    verdict = checkFuzzRejections({ name: txs.name, summary, attempts: txs.attempts() });
  } else {
    const list: readonly unknown[] = Array.isArray(txs) ? txs : [txs];
    const ids = list.map((x: unknown) => (typeof x === 'string' ? x : (x as { id?: unknown } | null)?.id));
    if (ids.some((id) => typeof id !== 'string')) {
      throw new TypeError(
        'toRejectWith: expected a fuzzing workload (invalidTxs(…)), a tx with an id, a tx id or an array of them',
      );
    }
    if (reason !== undefined && typeof reason !== 'string')
      throw new TypeError('toRejectWith: the reason must be a canonical reason, e.g. "bad_nonce"');
    verdict = checkRejectWith(rec, ids as string[], reason, Array.isArray(txs) ? 'given' : 'given tx');
  }
  const final = verdict;
  return settle(this, subject, {
    matcher: 'toRejectWith',
    pass: final.kind === 'rejected',
    failure: () => rejectFailure(final, rec.seed),
    negated: () => rejectNegated(final, rec.seed),
    actual: final,
    expected: { kind: 'rejected', ...(reason === undefined ? {} : { reason }) },
    window: { from: rec.lastMark('test-start')?.at ?? 0, to: rec.now() },
  });
}
