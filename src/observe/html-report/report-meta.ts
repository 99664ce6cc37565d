/**
 * What a report shows besides the recording: the failures (matcher or not) with the window
 * each judged, the test file that replays the run, and where each node's log lies. Kept as
 * `report-meta.json` beside `recording.json`, so `chainlab report` can render the same page
 * again from a kept artifact dir.
 */
import { z } from 'zod';
import { parseOptions } from '../../support/validate.ts';

/** One failed judgement or failed test. Times are recording ms. */
export const reportFailureSchema = z.strictObject({
  /** The test that failed, when known. */
  test: z.string().optional(),
  /** The chainlab matcher that failed (absent for any other failure: a plain assertion, a timeout). */
  matcher: z.string().optional(),
  message: z.string(),
  /** The span the judgement covered (for other failures: the test's span). */
  window: z.strictObject({ from: z.number(), to: z.number() }),
  /** When the failure was noticed. */
  at: z.number(),
});

/** A failure the report highlights. */
export type ReportFailure = z.infer<typeof reportFailureSchema>;

/** A node's log, as a link relative to the report file (or absolute). */
export const reportLogSchema = z.strictObject({ node: z.string(), href: z.string().min(1) });

/** Where one node's log lies. */
export type ReportLog = z.infer<typeof reportLogSchema>;

export const reportMetaSchema = z.strictObject({
  /** Heading of the page. Default `chainlab run <seed>`. */
  title: z.string().optional(),
  /** The test file, relative to the project root, for the replay command. */
  testFile: z.string().optional(),
  runId: z.string().optional(),
  deployer: z.string().optional(),
  failures: z.array(reportFailureSchema).default([]),
  logs: z.array(reportLogSchema).default([]),
});

/** What a report shows besides the recording (all optional). */
export type ReportMeta = z.input<typeof reportMetaSchema>;

const allowed = {
  title: 'a string',
  testFile: 'a path relative to the project root',
  runId: 'a string',
  deployer: 'a string',
  failures: 'a list of { test?, matcher?, message, window: { from, to }, at } (recording ms)',
  logs: 'a list of { node, href }',
  '*': 'one of title, testFile, runId, deployer, failures, logs',
} as const;

/** Validates report meta (e.g. a `report-meta.json` read from disk); throws a `ConfigError` naming each problem. */
export function parseReportMeta(input: unknown, subject = 'report meta'): z.output<typeof reportMetaSchema> {
  return parseOptions(reportMetaSchema, input, subject, allowed);
}
