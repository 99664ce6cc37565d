/**
 * The thin async part every matcher shares: find the recording in what `expect()` got,
 * capture the call site before any waiting (so a failure points at the user's line, not at
 * a timer callback), poll the recording on the real clock, and turn a verdict into a
 * `.not`-aware result or a thrown `InvariantError`.
 */

import { join } from 'node:path';
import { announceFailure } from '../observe/failure-listeners.ts';
import type { RefreshOptions } from '../observe/observer.ts';
import { Recording } from '../observe/recording.ts';
import { reportsRoot, writeReport } from '../observe/report.ts';
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

/** An invariant did not hold (or, with `.not`, held). Carries the verdict as `actual`. */
export class InvariantError extends ChainlabError {
  override readonly kind = 'InvariantError' as const;
  readonly matcher: string;
  readonly seed: number;
  readonly actual: unknown;
  readonly expected: unknown;
  /** The recording's times (ms) the judgement covered. */
  readonly window: { from: number; to: number };
  /** The message already states expected vs observed; a structural diff of verdicts adds noise. */
  readonly showDiff = false;

  constructor(opts: {
    matcher: string;
    message: string;
    seed: number;
    actual: unknown;
    expected: unknown;
    window: { from: number; to: number };
    callSite: Error;
  }) {
    super(opts.message);
    this.matcher = opts.matcher;
    this.seed = opts.seed;
    this.actual = opts.actual;
    this.expected = opts.expected;
    this.window = opts.window;
    this.stack = `${this.name}: ${opts.message}\n${userFrames(opts.callSite)}`;
  }

  static override is(x: unknown): x is InvariantError {
    return hasKind(x, 'InvariantError');
  }
}

/**
 * Captures the stack at the matcher call, before any waiting. The runner's own frames
 * (chai proxies, expect wrappers) easily exceed V8's default 10, so look deeper.
 */
export function captureCallSite(): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = Math.max(limit, 50);
  try {
    return new Error('call site');
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** The stack frames of the call site outside chainlab's matcher code. */
function userFrames(callSite: Error): string {
  const here = import.meta.dirname;
  const lines = (callSite.stack ?? '').split('\n').slice(1);
  // Our own frames and the runner's (vitest/jest internals live in node_modules) say nothing
  // about which assertion failed.
  const ours = (l: string): boolean => l.includes(here) && !/\.(test|spec)\.[cm]?[jt]s:/.test(l);
  return lines
    .filter(
      (l) =>
        !ours(l) &&
        !l.includes('/node_modules/') &&
        !l.includes('node:internal') &&
        !l.includes('<anonymous>'),
    )
    .join('\n');
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

/** What a matcher function returns to vitest/jest (plus our own fields). */
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
 * Finishes a matcher: `pass` per the verdict; when that fails the assertion (pass without
 * `.not`, or pass with `.not`), announces it to the recording's failure listeners (the
 * fixtures keep the run's report and attach it), else writes a run report for a cluster
 * (see `reportsRoot`), and throws an `InvariantError` with the user's call site.
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
    seed: number;
    actual: unknown;
    expected: unknown;
    window: { from: number; to: number };
    callSite: Error;
  },
): Promise<MatcherResult> {
  const message = (): string => (opts.pass ? opts.negated() : opts.failure());
  if (opts.pass === Boolean(self.isNot)) {
    let text = message();
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
        // A report is a convenience; the failure itself must still be thrown.
      }
    }
    throw new InvariantError({
      matcher: opts.matcher,
      message: text,
      seed: opts.seed,
      actual: opts.actual,
      expected: opts.expected,
      window: opts.window,
      callSite: opts.callSite,
    });
  }
  return { pass: opts.pass, message, actual: opts.actual, expected: opts.expected };
}

/** Asks the observer (if any) for fresh samples; a failed refresh only means older data. */
export async function refresh(subject: MatcherSubject, opts?: RefreshOptions): Promise<void> {
  try {
    await subject.observer?.refresh(opts);
  } catch {
    // The observer records failures itself; judging older data is still meaningful.
  }
}
