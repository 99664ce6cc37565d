// The scenario profiles of examples/: ci by default, full on request, anything else refused.
import { describe, expect, test } from 'vitest';
import { scenarioProfile } from '../examples/profile.ts';
import { ConfigError } from '../src/support/errors.ts';

describe('scenarioProfile', () => {
  test('ci by default compresses time; full runs the seed durations and schedule', () => {
    const ci = scenarioProfile({});
    expect(ci).toMatchObject({ name: 'ci', loadStepMs: 8_000, chaosMs: 45_000, sustainedMs: 30_000 });
    expect([ci.scaleChaos(10_000), ci.scaleChaos(20_000), ci.scaleChaos(15_000)]).toEqual([
      2_500, 5_000, 3_750,
    ]);
    const full = scenarioProfile({ CHAINLAB_PROFILE: 'full' });
    expect(full).toMatchObject({ name: 'full', loadStepMs: 60_000, chaosMs: 180_000, sustainedMs: 300_000 });
    expect(full.scaleChaos(15_000)).toBe(15_000);
    expect(full.cluster).toMatchObject({ slotMs: 1000, securityParam: 10, startTimeoutMs: 120_000 });
    // The litecoind example keeps its run well under a minute in ci, the seed's schedule in full.
    expect(ci.litecoin).toMatchObject({ loadMs: 10_000, chaosMs: 15_000, blockIntervalMs: 1000 });
    expect(full.litecoin).toMatchObject({ chaosMs: 180_000, restartEvery: { min: 10_000, max: 20_000 } });
  });

  test('an unknown profile is a ConfigError naming the variable and what is allowed', () => {
    expect(() => scenarioProfile({ CHAINLAB_PROFILE: 'fast' })).toThrow(ConfigError);
    expect(() => scenarioProfile({ CHAINLAB_PROFILE: 'fast' })).toThrow(
      /CHAINLAB_PROFILE: got "fast", allowed: 'ci' \(default\) or 'full'/,
    );
  });
});
