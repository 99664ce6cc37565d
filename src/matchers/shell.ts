/**
 * The thin async part every matcher shares: find the recording in what `expect()` got,
 * poll the recording on the real clock until a verdict is final (`pollUntilVerdict`, the
 * one loop under every async matcher), and turn a verdict into the standard matcher result
 * `{ pass, message, actual, expected }`. The runner (Vitest or Jest) handles `.not`, the
 * diff and the call site; a failing assertion also leaves a run report.
 */

import { join } from 'node:path';
import { finalityDepth } from '../adapter/facets.ts';
import type { ChainFacts } from '../adapter/types.ts';
import { announceFailure } from '../observe/failure-listeners.ts';
import type { RefreshOptions } from '../observe/observer.ts';
import { Recording } from '../observe/recording.ts';
import { reportsRoot, writeReport } from '../observe/report.ts';
import { systemClock } from '../support/clock.ts';
import { ChainlabError, hasKind } from '../support/errors.ts';

/** What a matcher can judge: a started cluster, anything with `recording` (+ `observer`), or a recording. */
export interface MatcherSubject {
  recording: Recording;
  /** When present, matchers ask it for fresh samples before judging. */
  observer?: { refresh(opts?: RefreshOptions): Promise<void> } | undefined;
  /** The cluster's run id: failure reports go to `<artifacts>/<runId>/reports/`. */
  runId?: string | undefined;
}

/** The subject given to `expect()` was not a cluster or a recording. */
export class MatcherSubjectError extends ChainlabError {
  override readonly kind = 'MatcherSubjectError' as const;
  readonly matcher: string;
  readonly received: string;

  constructor(matcher: string, received: unknown) {
    const what = describe(received);
    super(
      `${matcher}: expected a started cluster (or anything with a \`recording\`, or a Recording), got ${what}; ` +
        'pass the cluster your fixture gave you, e.g. `await expect(cluster).' +
        `${matcher}(…)\``,
    );
    this.matcher = matcher;
    this.received = what;
  }

  static override is(x: unknown): x is MatcherSubjectError {
    return hasKind(x, 'MatcherSubjectError');
  }
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (typeof x !== 'object') return `${typeof x} ${String(x).slice(0, 40)}`;
  const name = (x as object).constructor?.name ?? 'Object';
  const keys = Object.keys(x).slice(0, 6);
  return `${name} { ${keys.join(', ')}${keys.length === 6 ? ', …' : ''} }`;
}

/** Finds the recording (and observer) in whatever `expect()` received. */
export function toSubject(matcher: string, received: unknown): MatcherSubject {
  if (received instanceof Recording) return { recording: received };
  if (typeof received === 'object' && received !== null) {
    const r = received as { recording?: unknown; observer?: unknown };
    if (r.recording instanceof Recording) {
      const obs = r.observer as MatcherSubject['observer'];
      const runId = (received as { runId?: unknown }).runId;
      return {
        recording: r.recording,
        observer: obs && typeof obs.refresh === 'function' ? obs : undefined,
        runId: typeof runId === 'string' ? runId : undefined,
      };
    }
  }
  throw new MatcherSubjectError(matcher, received);
}

/** What a matcher function returns to vitest/jest (the standard protocol). */
export interface MatcherResult {
  pass: boolean;
  message: () => string;
  actual: unknown;
  expected: unknown;
}

/** The matcher `this` we rely on (vitest's and jest's MatcherState both have it). */
export interface MatcherThis {
  isNot: boolean;
}

let reportCount = 0;

/**
 * Finishes a matcher with the standard result. When the result fails the assertion (not
 * passing without `.not`, or passing with it), the failure is announced to the recording's
 * failure listeners (the fixtures keep the run's report and attach it to the test), else a
 * run report is written for a cluster (see `reportsRoot`); either way its path is appended
 * to the message.
 */
export async function settle(
  self: MatcherThis,
  subject: MatcherSubject,
  opts: {
    matcher: string;
    pass: boolean;
    /** Message when the invariant did not hold. */
    failure: () => string;
    /** Message for `.not` when the invariant held. */
    negated: () => string;
    actual: unknown;
    expected: unknown;
    /** The recording span the judgement covered (highlighted in the report). */
    window: { from: number; to: number };
  },
): Promise<MatcherResult> {
  let text = opts.pass ? opts.negated() : opts.failure();
  if (opts.pass === Boolean(self.isNot)) {
    const rec = subject.recording;
    const failure = { matcher: opts.matcher, message: text, window: opts.window, at: rec.now() };
    // Whoever kept the recording (the fixtures) writes the report and attaches it to the test.
    const kept = await announceFailure(rec, failure);
    const root = reportsRoot();
    if (kept.length > 0) {
      text += `\n${kept.join('\n')}`;
    } else if (subject.runId !== undefined && root !== undefined) {
      try {
        const name = `${opts.matcher}-${++reportCount}`;
        const paths = await writeReport(rec, join(root, subject.runId, 'reports'), name, [failure]);
        text += `\nreport: ${paths.text} (recording: ${paths.json})\nhtml report: ${paths.html}`;
      } catch {
        // A report is a convenience; the failure itself must still be reported.
      }
    }
  }
  return { pass: opts.pass, message: () => text, actual: opts.actual, expected: opts.expected };
}

/** How {@link pollUntilVerdict} waits. */
export interface PollOptions<V> {
  /** Keep judging until this recording time (ms). */
  until: number;
  /** Pause between judgements (ms). */
  everyMs: number;
  /** Judges the recording at recording time `now`. */
  check(now: number): V;
  /** True when `v` cannot change any more (pass, or a failure no waiting undoes). */
  settled(v: V): boolean;
  /** Ask the observer for fresh samples before every judgement (default: only before the last). */
  refreshEach?: boolean;
}

/**
 * The one poll-until-verdict loop under every async matcher: judges the recording, waits,
 * and judges again until the verdict is settled or `until` passes (at once on a subject
 * without an observer: a loaded recording does not change). The last judgement follows a
 * fresh sample of every node.
 *
 * @example
 * const { verdict, window } = await pollUntilVerdict(subject, {
 *   until: rec.now() + 10_000, everyMs: 200,
 *   check: (now) => checkIncludeAll(rec, ids, opts, now, label), settled: (v) => v.kind !== 'missing',
 * });
 */
export async function pollUntilVerdict<V>(
  subject: MatcherSubject,
  opts: PollOptions<V>,
): Promise<{ verdict: V; window: { from: number; to: number } }> {
  const rec = subject.recording;
  const from = rec.now();
  let verdict: V;
  for (;;) {
    const last = !subject.observer || rec.now() >= opts.until;
    if (opts.refreshEach || (last && subject.observer)) await refresh(subject);
    verdict = opts.check(rec.now());
    if (last || opts.settled(verdict)) break;
    await systemClock.sleep(Math.max(1, Math.min(opts.everyMs, opts.until - rec.now())));
  }
  return { verdict, window: { from, to: Math.max(from, Math.min(rec.now(), opts.until)) } };
}

/** Asks the observer (if any) for fresh samples; a failed refresh only means older data. */
export async function refresh(subject: MatcherSubject, opts?: RefreshOptions): Promise<void> {
  try {
    await subject.observer?.refresh(opts);
  } catch {
    // The observer records failures itself; judging older data is still meaningful.
  }
}

/**
 * The default wait of a matcher that waits for blocks to carry something: finality depth +
 * 10 block intervals, and at least `atLeastMs`.
 */
export function blocksWithin(facts: ChainFacts, atLeastMs: number): number {
  return Math.max(atLeastMs, (finalityDepth(facts) + 10) * facts.production.expectedIntervalMs);
}

/** How often such a matcher checks again: half a block interval, within 50..500 ms. */
export function pollEveryMs(facts: ChainFacts): number {
  return Math.min(500, Math.max(50, facts.production.expectedIntervalMs / 2));
}
