import { describe, expect, test } from 'vitest';
import {
  CapabilityError,
  ChainlabError,
  ClusterStartError,
  ConfigError,
  chainlabErrorBrand,
} from './errors.ts';

describe('errors', () => {
  test('brands survive structured cloning, where instanceof does not', () => {
    const e = new CapabilityError('restart', 'attach');
    expect(ChainlabError.is(e)).toBe(true);
    expect(CapabilityError.is(e)).toBe(true);
    expect(ConfigError.is(e)).toBe(false);
    const plain = { ...e, [chainlabErrorBrand]: true, kind: 'CapabilityError' };
    expect(CapabilityError.is(plain)).toBe(true);
    expect(ChainlabError.is(new Error('x'))).toBe(false);
    expect(ChainlabError.is(null)).toBe(false);
  });

  test('ConfigError lists every problem with path, value and what is allowed', () => {
    const e = new ConfigError('cluster options', [
      { path: 'validators', value: 0, allowed: 'an integer 1..16' },
      { path: 'shape', value: 'ring', allowed: "'mesh' or 'star'" },
    ]);
    expect(e.message).toMatchInlineSnapshot(`
      "invalid cluster options: 2 problems
        - validators: got 0, allowed: an integer 1..16
        - shape: got "ring", allowed: 'mesh' or 'star'"
    `);
    expect(e.shortMessage).toBe('invalid cluster options: 2 problems');
  });

  test('ClusterStartError has flags, a short message and a long one with the log tail', () => {
    const e = new ClusterStartError('node val-1 exited with code 1 before it was ready', {
      node: 'val-1',
      timedOut: false,
      exitCode: 1,
      signal: null,
      durationMs: 812,
      logFile: '/tmp/x/val-1.log',
      logTail: 'boom',
    });
    expect(e.shortMessage).toBe('node val-1 exited with code 1 before it was ready');
    expect(e.message).toContain('--- last log lines ---\nboom');
    expect(e).toMatchObject({ node: 'val-1', timedOut: false, exitCode: 1, durationMs: 812 });
  });
});
