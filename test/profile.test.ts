// The scenario profiles of examples/: ci by default, full on request, anything else refused.
import { describe, expect, test } from 'vitest';
import { scenarioProfile } from '../examples/profile.ts';
import { FaultPlan } from '../src/chaos/fault-plan.ts';
import { ConfigError } from '../src/support/errors.ts';
import { Rng } from '../src/support/rng.ts';

describe('scenarioProfile', () => {
  test('ci by default compresses time; full runs the seed durations and schedule', () => {
    const ci = scenarioProfile({});
    expect(ci).toMatchObject({ name: 'ci', loadStepMs: 5_000, chaosMs: 25_000, sustainedMs: 20_000 });
    expect([ci.scaleChaos(10_000), ci.scaleChaos(20_000), ci.scaleChaos(15_000)]).toEqual([
      1_389, 2_778, 2_083,
    ]);
    const full = scenarioProfile({ CHAINLAB_PROFILE: 'full' });
    expect(full).toMatchObject({ name: 'full', loadStepMs: 60_000, chaosMs: 180_000, sustainedMs: 300_000 });
    expect(full.scaleChaos(15_000)).toBe(15_000);
    expect(full.cluster).toMatchObject({ slotMs: 1000, securityParam: 10, startTimeoutMs: 120_000 });
    // The litecoind example keeps its run well under a minute in ci, the seed's schedule in full.
    expect(ci.litecoin).toMatchObject({ loadMs: 10_000, chaosMs: 15_000, blockIntervalMs: 1000 });
    expect(full.litecoin).toMatchObject({ chaosMs: 180_000, restartEvery: { min: 10_000, max: 20_000 } });
  });

  test("the ci chaos window plans the seed scenario's count of restarts, only closer together", () => {
    // aggressive-chaos's schedule: a validator restarted every 10–20 s, 15 s cooldown, scaled.
    const plannedRestarts = (profile: ReturnType<typeof scenarioProfile>, seed: number) =>
      FaultPlan.preview(
        {
          action: 'restart',
          targets: ['val-0', 'val-1', 'val-2', 'val-3'],
          minDelayMs: profile.scaleChaos(10_000),
          maxDelayMs: profile.scaleChaos(20_000),
          targetCooldownMs: profile.scaleChaos(15_000),
          downMs: 0,
        },
        new Rng(seed),
        profile.chaosMs,
      ).length;
    const ci = scenarioProfile({});
    const full = scenarioProfile({ CHAINLAB_PROFILE: 'full' });
    const seeds = Array.from({ length: 200 }, (_, i) => i + 1);
    const mean = (profile: typeof ci) =>
      seeds.reduce((n, seed) => n + plannedRestarts(profile, seed), 0) / seeds.length;
    expect(mean(full)).toBeGreaterThan(11);
    expect(Math.abs(mean(ci) - mean(full))).toBeLessThan(0.25);
  });

  test('an unknown profile is a ConfigError naming the variable and what is allowed', () => {
    expect(() => scenarioProfile({ CHAINLAB_PROFILE: 'fast' })).toThrow(ConfigError);
    expect(() => scenarioProfile({ CHAINLAB_PROFILE: 'fast' })).toThrow(
      /CHAINLAB_PROFILE: got "fast", allowed: 'ci' \(default\) or 'full'/,
    );
  });
});
