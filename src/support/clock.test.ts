import { afterEach, describe, expect, test, vi } from 'vitest';
import { systemClock } from './clock.ts';

describe('systemClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test('keeps real time when a test installs fake timers', async () => {
    vi.useFakeTimers();
    const before = systemClock.monotonic();
    await systemClock.sleep(30);
    expect(systemClock.monotonic() - before).toBeGreaterThanOrEqual(25);
  });

  test('sleep rejects with the abort reason', async () => {
    const ac = new AbortController();
    const p = systemClock.sleep(10_000, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
  });

  test('setInterval runs until disposed', async () => {
    let n = 0;
    const handle = systemClock.setInterval(() => n++, 5);
    await systemClock.sleep(40);
    handle[Symbol.dispose]();
    const seen = n;
    await systemClock.sleep(20);
    expect(seen).toBeGreaterThan(2);
    expect(n).toBe(seen);
  });
});
