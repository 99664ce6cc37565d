/**
 * `npm run soak -- --runs N [--files ...] [--busy-cores K]`: runs the CI-profile suite (or
 * the chosen files) N times in a row, optionally beside a CPU hog on K cores, and prints the
 * table of failures and leaks (also written to the output dir). Exits 1 when any run failed
 * or left something behind, 2 on bad arguments. Run it under `cluster-slot`.
 */
import { ConfigError } from '../src/support/errors.ts';
import { runSoak } from './soak/run-soak.ts';
import { parseSoakArgs } from './soak/soak-options.ts';

try {
  const result = await runSoak(parseSoakArgs(process.argv.slice(2)));
  process.stdout.write(`${result.table}\ntable and each run's output: ${result.outDir}\n`);
  process.exitCode = result.passed ? 0 : 1;
} catch (error) {
  if (!ConfigError.is(error)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 2;
}
