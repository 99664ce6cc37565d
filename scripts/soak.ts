/**
 * `npm run soak -- --runs N [--files ...] [--busy-cores K]`: runs the CI-profile suite (or
 * the chosen files) N times in a row, optionally beside a CPU hog on K cores, and prints the
 * table of failures and leaks (also written to the output dir). Exits 1 when any run failed
 * or left something behind, 2 on bad arguments, 128 + the signal's number when stopped by
 * Ctrl-C or SIGTERM (after removing what the interrupted run left; a second Ctrl-C ends it
 * at once). Run it under `cluster-slot`.
 */
import { constants } from 'node:os';
import { ConfigError } from '../src/support/errors.ts';
import { runSoak } from './soak/run-soak.ts';
import { parseSoakArgs } from './soak/soak-options.ts';

const stop = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort(signal));

try {
  const options = parseSoakArgs(process.argv.slice(2));
  const log = (line: string): boolean => process.stderr.write(`${line}\n`);
  const result = await runSoak(options, process.cwd(), log, stop.signal);
  process.stdout.write(`${result.table}\ntable and each run's output: ${result.outDir}\n`);
  const stoppedBy = result.stoppedBy as keyof typeof constants.signals | undefined;
  process.exitCode = stoppedBy ? 128 + constants.signals[stoppedBy] : result.passed ? 0 : 1;
} catch (error) {
  if (!ConfigError.is(error)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 2;
}
