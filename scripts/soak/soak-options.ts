/**
 * The soak runner's command line: `--runs N [--files a.test.ts b.test.ts] [--busy-cores K]
 * [--config vitest.config.ts] [--out dir]`, validated by one zod schema (the source of
 * the type, the defaults and the "allowed" text) before anything starts.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError } from '../../src/support/errors.ts';
import { parseOptions } from '../../src/support/validate.ts';

const cores = availableParallelism();

// Keyed by the flags themselves, so an error names the flag the user typed.
const soakSchema = z
  .strictObject({
    runs: z.int().min(1).max(1000).default(20),
    files: z.array(z.string().min(1)).default([]),
    'busy-cores': z.int().min(0).max(cores).default(0),
    config: z.string().min(1).default('vitest.config.ts'),
    out: z.string().min(1).optional(),
  })
  .transform(({ 'busy-cores': busyCores, ...rest }) => ({ ...rest, busyCores }));

const allowed = {
  runs: 'an integer 1..1000: how many times each file runs in a row (default 20)',
  files: 'test files to soak (default: every file of the suite, as `vitest list` finds it)',
  'busy-cores': `an integer 0..${cores} (this machine's cores): cores kept busy by a CPU hog during the soak (default 0)`,
  config: 'the Vitest config file the runs use (default vitest.config.ts)',
  out: "a dir for the table (table.md) and each run's output (default .chainlab/soak/<time>/)",
  '*': '--runs, --files, --busy-cores, --config, --out',
};

/** The soak runner's settings, after defaults. */
export type SoakOptions = z.output<typeof soakSchema>;

const flags = {
  runs: { type: 'string' },
  files: { type: 'string', multiple: true },
  'busy-cores': { type: 'string' },
  config: { type: 'string' },
  out: { type: 'string' },
} as const;

/** An integer flag's text as a number, so the schema can name a non-integer by its text. */
const integerOrText = (text: string): number | string => (/^-?\d+$/.test(text) ? Number(text) : text);

/**
 * Parses the soak runner's arguments. Files may follow `--files` or stand alone; unknown
 * flags and bad values are all reported in one `ConfigError`.
 *
 * @example
 * parseSoakArgs(['--runs', '2', '--files', 'examples/quickstart.test.ts']);
 * // { runs: 2, files: ['examples/quickstart.test.ts'], busyCores: 0, config: 'vitest.config.ts' }
 */
export function parseSoakArgs(args: readonly string[]): SoakOptions {
  // Not strict: unknown flags land in `values` and the schema reports them with the allowed list.
  const { values, positionals } = parseArgs({
    args: [...args],
    options: flags,
    allowPositionals: true,
    strict: false,
  });
  const input: Record<string, unknown> = {};
  for (const [flag, value] of Object.entries(values)) {
    input[flag] =
      (flag === 'runs' || flag === 'busy-cores') && typeof value === 'string' ? integerOrText(value) : value;
  }
  const files = [...((input.files as string[] | undefined) ?? []), ...positionals];
  if (files.length > 0) input.files = files;
  try {
    return parseOptions(soakSchema, input, 'soak runner arguments', allowed);
  } catch (error) {
    if (!ConfigError.is(error)) throw error;
    throw new ConfigError(
      'soak runner arguments',
      error.issues.map((issue) => ({ ...issue, path: `--${issue.path}` })),
    );
  }
}
