import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { parseOptions } from './validate.ts';

const schema = z.strictObject({
  n: z.int().min(1).max(3),
  mode: z.enum(['a', 'b']).optional(),
  tags: z.array(z.string()).optional(),
});
const allowed = {
  n: 'an integer 1..3',
  mode: "'a' or 'b'",
  tags: 'a list of strings',
  '*': 'one of n, mode, tags',
};

describe('parseOptions', () => {
  test('returns the parsed value when valid', () => {
    expect(parseOptions(schema, { n: 2 }, 'opts', allowed)).toEqual({ n: 2 });
  });

  test('collects every problem into one ConfigError, one line per option', () => {
    let caught: unknown;
    try {
      parseOptions(schema, { n: 9.5, mode: 'c', tags: ['x', 1], colour: 'red' }, 'opts', allowed, 'w');
    } catch (error) {
      caught = error;
    }
    expect(ConfigError.is(caught)).toBe(true);
    expect((caught as ConfigError).issues).toEqual([
      { path: 'w.n', value: 9.5, allowed: 'an integer 1..3' },
      { path: 'w.mode', value: 'c', allowed: "'a' or 'b'" },
      { path: 'w.tags[1]', value: 1, allowed: 'a list of strings' },
      { path: 'w.colour', value: 'red', allowed: 'one of n, mode, tags' },
    ]);
  });
});
