import { describe, expect, test } from 'vitest';
import { ConfigError } from '../support/errors.ts';
import { churn } from './churn.ts';

function issuesOf(fn: () => unknown): ConfigError['issues'] {
  try {
    fn();
  } catch (error) {
    if (ConfigError.is(error)) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('churn options', () => {
  test('defaults: a join and a leave every 15 s on average, executors join, anyone may leave', () => {
    expect(churn().options).toMatchObject({
      joinEvery: 15_000,
      leaveEvery: 15_000,
      joinRole: 'executor',
      targets: 'all',
      keep: [],
      name: 'churn',
    });
  });

  test('every bad option is named with what is allowed, before anything starts', () => {
    expect(issuesOf(() => churn({ joinEvery: 0, leaveEvery: 0 }))).toEqual([
      { path: 'joinEvery', value: 0, allowed: 'an integer number of ms, 0..3_600_000 (0 = no joins)' },
    ]);
    expect(issuesOf(() => churn({ minSize: 5, maxSize: 4, joinRole: 'observer' as never }))).toEqual([
      { path: 'joinRole', value: 'observer', allowed: "'executor' | 'validator' | 'mixed'" },
    ]);
    expect(issuesOf(() => churn({ minSize: 5, maxSize: 4 }))).toEqual([
      { path: 'maxSize', value: 4, allowed: 'an integer ≥ 1, at least minSize' },
    ]);
  });
});
