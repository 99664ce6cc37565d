/**
 * One test file run once in a child Vitest, and its outcome read from Vitest's JSON report:
 * the first line of each failure (a failed test, a file that failed outside any test, or a
 * run that exited non-zero though every test passed, e.g. on an unhandled error).
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock } from '../../src/support/clock.ts';

/** What one run of one file came to. */
export interface FileOutcome {
  file: string;
  /** First line of each failure; empty when the run passed. */
  failures: string[];
  exitCode: number | null;
  durationMs: number;
}

/** The part of Vitest's JSON report read here. */
export interface JsonReport {
  testResults: {
    name: string;
    status: string;
    message?: string;
    assertionResults: { fullName: string; status: string; failureMessages?: string[] }[];
  }[];
}

const firstLine = (text: string): string =>
  text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '') ?? '(no message)';

/**
 * The failures of one run, from its JSON report (undefined when Vitest wrote none), its
 * exit code and the last line it printed.
 *
 * @example
 * failuresOf(report, 1, '')[0]; // 'a > fails: AssertionError: expected 1 to be 2'
 */
export function failuresOf(
  report: JsonReport | undefined,
  exitCode: number | null,
  lastLine: string,
): string[] {
  if (report === undefined) return [`vitest exited with code ${exitCode} and wrote no report: ${lastLine}`];
  const failures: string[] = [];
  for (const file of report.testResults) {
    const failed = file.assertionResults.filter((t) => t.status === 'failed');
    for (const t of failed) failures.push(`${t.fullName}: ${firstLine(t.failureMessages?.[0] ?? '')}`);
    // A file can fail with no failed test: an import error, a failing beforeAll or afterAll.
    if (file.status === 'failed' && failed.length === 0) failures.push(firstLine(file.message ?? ''));
  }
  if (failures.length === 0 && exitCode !== 0)
    failures.push(`vitest exited with code ${exitCode}: ${lastLine}`);
  return failures;
}

/** How long a child Vitest has to end after SIGINT before it gets SIGKILL. */
const interruptGraceMs = 20_000;

/**
 * Runs `file` once (`vitest run --config <config> <file>`) with `env` added, writing the
 * output to `<logDir>/<name>.log` and the JSON report beside it. When `signal` aborts, the
 * child gets SIGINT (Vitest's own Ctrl-C path, so the run's teardown goes as it would for a
 * user) and SIGKILL if it has not ended `interruptGraceMs` later.
 */
export async function runFileOnce(opts: {
  file: string;
  config: string;
  cwd: string;
  env: Record<string, string>;
  logDir: string;
  name: string;
  signal?: AbortSignal;
}): Promise<FileOutcome> {
  const vitest = join(opts.cwd, 'node_modules', 'vitest', 'vitest.mjs');
  const reportFile = join(opts.logDir, `${opts.name}.json`);
  const log = createWriteStream(join(opts.logDir, `${opts.name}.log`));
  const started = systemClock.monotonic();
  const child = spawn(
    process.execPath,
    [
      vitest,
      'run',
      '--config',
      opts.config,
      opts.file,
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${reportFile}`,
    ],
    {
      cwd: opts.cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let tail = '';
  const keep = (d: Buffer): void => {
    log.write(d);
    tail = (tail + d.toString()).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let killTimer: NodeJS.Timeout | undefined;
  const interrupt = (): void => {
    child.kill('SIGINT');
    killTimer = setTimeout(() => child.kill('SIGKILL'), interruptGraceMs);
  };
  if (opts.signal?.aborted) interrupt();
  else opts.signal?.addEventListener('abort', interrupt, { once: true });
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  }).finally(() => {
    opts.signal?.removeEventListener('abort', interrupt);
    clearTimeout(killTimer);
  });
  await new Promise<void>((resolve) => log.end(resolve));
  const report = await readFile(reportFile, 'utf8').then(
    (text) => JSON.parse(text) as JsonReport,
    () => undefined,
  );
  const lastLine =
    tail
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .at(-1) ?? '(no output)';
  return {
    file: opts.file,
    failures: failuresOf(report, exitCode, lastLine),
    exitCode,
    durationMs: Math.round(systemClock.monotonic() - started),
  };
}
