import { availableParallelism } from 'node:os';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/support/errors.ts';
import { parseSoakArgs } from './soak-options.ts';

describe('parseSoakArgs', () => {
  test('defaults: 20 runs of the whole suite, no busy core, the project config', () => {
    expect(parseSoakArgs([])).toEqual({ runs: 20, files: [], busyCores: 0, config: 'vitest.config.ts' });
  });

  test('files after --files and standing alone are all soaked, in order', () => {
    expect(parseSoakArgs(['--runs', '2', '--files', 'a.test.ts', 'b.test.ts', '--busy-cores', '1'])).toEqual({
      runs: 2,
      files: ['a.test.ts', 'b.test.ts'],
      busyCores: 1,
      config: 'vitest.config.ts',
    });
  });

  test('every bad argument is named in one error, with its value and what is allowed', () => {
    const cores = availableParallelism();
    const error = (() => {
      try {
        parseSoakArgs(['--runs', 'many', '--busy-cores', String(cores + 1), '--bogus']);
      } catch (e) {
        return e;
      }
    })();
    expect(ConfigError.is(error)).toBe(true);
    expect((error as ConfigError).message).toBe(
      [
        'invalid soak runner arguments: 3 problems',
        '  - --runs: got "many", allowed: an integer 1..1000: how many times each file runs in a row (default 20)',
        `  - --busy-cores: got ${cores + 1}, allowed: an integer 0..${cores} (this machine's cores): cores kept busy by a CPU hog during the soak (default 0)`,
        '  - --bogus: got true, allowed: --runs, --files, --busy-cores, --config, --out',
      ].join('\n'),
    );
  });
});
