import { describe, expect, test } from 'vitest';
import { ConfigError } from '../support/errors.ts';
import { kills, nodeFaults, restarts } from './node-faults.ts';

describe('nodeFaults options', () => {
  test('defaults follow the seed scenario: restart validators every 10–20 s, 15 s cooldown', () => {
    expect(restarts().options).toMatchObject({
      action: 'restart',
      minDelay: 10_000,
      maxDelay: 20_000,
      targetCooldown: 15_000,
      targets: 'validators',
    });
    expect(kills().name).toBe('kills');
  });

  test('every bad option is named with its value and what is allowed, in one error', () => {
    let error: unknown;
    try {
      nodeFaults({
        action: 'explode' as never,
        minDelay: -1,
        maxDelay: 5,
        targets: [] as string[],
        speed: 2,
      } as never);
    } catch (e) {
      error = e;
    }
    expect(ConfigError.is(error)).toBe(true);
    const paths = (error as ConfigError).issues.map((i) => i.path).sort();
    expect(paths).toEqual(['action', 'minDelay', 'speed', 'targets']);
    expect((error as ConfigError).message).toContain(
      "action: got \"explode\", allowed: 'restart' | 'kill' | 'pause'",
    );
  });

  test('maxDelay below minDelay is refused', () => {
    expect(() => restarts({ minDelay: 5_000, maxDelay: 1_000 })).toThrow(
      /maxDelay: got 1000, allowed: .*at least minDelay/,
    );
  });
});
