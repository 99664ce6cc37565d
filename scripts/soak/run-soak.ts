/**
 * The soak: every file run N times in a row (run 1 of every file, then run 2, …), each run
 * in a child Vitest with a private run root, what it left looked for and removed after it,
 * optionally with K cores kept busy throughout. Writes `table.md` and each run's output.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { systemClock } from '../../src/support/clock.ts';
import { startCpuHog } from './cpu-hog.ts';
import { describeLeaks, LeakProbe, type Leaks } from './leak-probe.ts';
import type { SoakOptions } from './soak-options.ts';
import { type RunRecord, soakPassed, soakTable } from './soak-table.ts';
import { type FileOutcome, runFileOnce } from './vitest-outcome.ts';

/** What a soak produced. */
export interface SoakResult {
  records: RunRecord[];
  table: string;
  /** The dir holding `table.md` and the runs' output. */
  outDir: string;
  /** False when any run failed or left something, or when the soak was stopped. */
  passed: boolean;
  /** Why the soak stopped before its last run (the abort reason, e.g. `SIGTERM`). */
  stoppedBy?: string;
}

/** The files of the suite as `vitest list` finds them under `config`, relative to `cwd`. */
export async function suiteFiles(config: string, cwd: string): Promise<string[]> {
  const vitest = join(cwd, 'node_modules', 'vitest', 'vitest.mjs');
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [vitest, 'list', '--filesOnly', '--json', '--config', config],
    {
      cwd,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return (JSON.parse(stdout) as { file: string }[]).map((f) => relative(cwd, f.file));
}

/** `examples/quickstart.test.ts` → `examples-quickstart.test.ts`, a log file's name. */
const slug = (file: string): string => file.replace(/[\\/]/g, '-');

/** The private run root of run `run` of `file` in the soak of process `soakPid`. */
export const soakRunRoot = (soakPid: number, run: number, file: string): string =>
  join(tmpdir(), `chainlab-soak-${soakPid}-${run}-${slug(file)}`);

/**
 * Runs the soak. `log` gets one line per run as it ends. When `signal` aborts, the run in
 * progress is interrupted, what it left is removed like any run's, and the table holds the
 * runs that ended, under a line saying where the soak stopped.
 *
 * @example
 * const result = await runSoak(parseSoakArgs(['--runs', '2', '--files', 'examples/quickstart.test.ts']));
 */
export async function runSoak(
  options: SoakOptions,
  cwd = process.cwd(),
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  signal?: AbortSignal,
): Promise<SoakResult> {
  const outDir = resolve(
    cwd,
    options.out ?? join('.chainlab', 'soak', new Date().toISOString().replace(/[:.]/g, '-')),
  );
  await mkdir(outDir, { recursive: true });
  const files = options.files.length > 0 ? options.files : await suiteFiles(options.config, cwd);
  // The CI profile unless the caller chose one (a full-profile soak is the same loop).
  const profile = process.env.CHAINLAB_PROFILE ?? 'ci';
  const started = systemClock.monotonic();
  const loadAtStart = loadavg()[0] ?? 0;
  const records: RunRecord[] = [];
  let stopped: { reason: string; run: number; file: string } | undefined;
  {
    await using hog = startCpuHog(options.busyCores);
    if (options.busyCores > 0)
      log(`soak: ${options.busyCores} core(s) kept busy by pids ${hog.pids.join(', ')}`);
    runs: for (let run = 1; run <= options.runs; run++) {
      const logDir = join(outDir, `run-${run}`);
      await mkdir(logDir, { recursive: true });
      for (const file of files) {
        if (signal?.aborted) {
          stopped = { reason: String(signal.reason), run, file };
          break runs;
        }
        const probe = await LeakProbe.open(soakRunRoot(process.pid, run, file));
        let outcome: FileOutcome;
        let leaks: Leaks;
        try {
          outcome = await runFileOnce({
            file,
            config: options.config,
            cwd,
            env: { ...probe.env, CHAINLAB_PROFILE: profile },
            logDir,
            name: slug(file),
            signal,
          });
        } finally {
          // The run root goes whatever happened to the run, or it outlives the soak.
          leaks = await probe.leaks();
          await probe.clean(leaks);
        }
        if (signal?.aborted) {
          stopped = { reason: String(signal.reason), run, file };
          log(
            `soak: stopped by ${stopped.reason} at run ${run}/${options.runs} of ${file}; ` +
              `removed what it left: ${describeLeaks(leaks)}`,
          );
          break runs;
        }
        records.push({ file, run, failures: outcome.failures, leaks, durationMs: outcome.durationMs });
        const verdict = outcome.failures.length === 0 ? 'passed' : `FAILED: ${outcome.failures[0]}`;
        log(
          `soak: run ${run}/${options.runs} ${file} ${verdict} in ${(outcome.durationMs / 1000).toFixed(1)} s`,
        );
      }
    }
  }
  const table = soakTable(records, {
    runs: options.runs,
    busyCores: options.busyCores,
    profile,
    loadAtStart,
    loadAtEnd: loadavg()[0] ?? 0,
    durationMs: systemClock.monotonic() - started,
    ...(stopped && { stopped }),
  });
  await writeFile(join(outDir, 'table.md'), table);
  return {
    records,
    table,
    outDir,
    passed: stopped === undefined && soakPassed(records),
    ...(stopped && { stoppedBy: stopped.reason }),
  };
}
