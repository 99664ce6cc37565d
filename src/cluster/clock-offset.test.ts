import { describe, expect, test } from 'vitest';
import {
  clockSkewSchema,
  describeSetting,
  parseClockJitter,
  parseClockOffset,
  settingsOf,
  unknownClockNodes,
} from './clock-offset.ts';

describe('clock offsets and jitter as options write them', () => {
  test('offsets: ms numbers or signed text in s or ms', () => {
    expect(parseClockOffset(1500)).toBe(1500);
    expect(parseClockOffset('+1s')).toBe(1000);
    expect(parseClockOffset('-1.5s')).toBe(-1500);
    expect(parseClockOffset('250ms')).toBe(250);
    expect(parseClockOffset(' -200 ms ')).toBe(-200);
    for (const bad of ['1 minute', '+1m', '±1s', '', Number.NaN, null, {}])
      expect(parseClockOffset(bad)).toBeUndefined();
  });

  test('jitter: an amplitude ≥ 0, with or without ±', () => {
    expect(parseClockJitter('±200ms')).toBe(200);
    expect(parseClockJitter('+-0.2s')).toBe(200);
    expect(parseClockJitter(50)).toBe(50);
    for (const bad of [-1, '-200ms', '200', 'lots']) expect(parseClockJitter(bad)).toBeUndefined();
  });

  test('the schema gives per-node settings; unknown names are found for the caller', () => {
    const parsed = clockSkewSchema.parse({
      offsets: { 'val-1': '+1s' },
      jitter: { 'val-1': '±100ms', 'val-9': 5 },
    });
    const settings = settingsOf(parsed);
    expect(settings.get('val-1')).toEqual({ offsetMs: 1000, jitterMs: 100, everyMs: 1000 });
    expect(describeSetting(settings.get('val-1')!)).toBe('+1000 ms ± 100 ms every 1.0 s');
    expect(
      unknownClockNodes({ jitter: { 'val-9': '5ms' } }, new Set(['val-0', 'val-1']), 'clockSkew'),
    ).toEqual([{ path: 'clockSkew.jitter.val-9', value: '5ms' }]);
    expect(clockSkewSchema.safeParse({ offsets: { 'val-1': '+2 years' } }).success).toBe(false);
    expect(clockSkewSchema.safeParse({ jitterEvery: 10 }).success).toBe(false);
  });
});
