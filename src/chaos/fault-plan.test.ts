import { describe, expect, test } from 'vitest';
import { Rng } from '../support/rng.ts';
import { describeStep, FaultPlan, type FaultPlanOptions } from './fault-plan.ts';

const options: FaultPlanOptions = {
  action: 'restart',
  targets: ['val-0', 'val-1', 'val-2', 'val-3'],
  minDelayMs: 10_000,
  maxDelayMs: 20_000,
  targetCooldownMs: 15_000,
  downMs: 0,
};

describe('FaultPlan', () => {
  test('the same seed plans the same steps', () => {
    const a = FaultPlan.preview(options, new Rng(913), 180_000);
    const b = FaultPlan.preview(options, new Rng(913), 180_000);
    const c = FaultPlan.preview(options, new Rng(914), 180_000);
    expect(a).toEqual(b);
    expect(a.map(describeStep)).not.toEqual(c.map(describeStep));
  });

  test('delays stay within bounds and no target is hit again within its cooldown', () => {
    const steps = FaultPlan.preview(
      { ...options, minDelayMs: 1_000, maxDelayMs: 2_000 },
      new Rng(7),
      600_000,
    );
    expect(steps.length).toBeGreaterThan(100);
    const last = new Map<string, number>();
    let prev = 0;
    for (const step of steps) {
      expect(step.atMs - prev).toBeGreaterThanOrEqual(1_000);
      const lastHit = last.get(step.target);
      if (lastHit !== undefined) expect(step.atMs - lastHit).toBeGreaterThanOrEqual(15_000);
      last.set(step.target, step.atMs);
      prev = step.atMs;
    }
  });

  test('waits for the first target out of cooldown when all are cooling down', () => {
    const plan = new FaultPlan(
      { ...options, targets: ['val-0'], minDelayMs: 1_000, maxDelayMs: 1_000, targetCooldownMs: 5_000 },
      new Rng(1),
    );
    expect([plan.next().atMs, plan.next().atMs, plan.next().atMs]).toEqual([1_000, 6_000, 11_000]);
  });

  test('prints steps as readable lines', () => {
    expect(describeStep({ index: 1, atMs: 12_345, action: 'kill', target: 'val-2', downMs: 1_000 })).toBe(
      't=12.3s kill(val-2) for 1.0s',
    );
    expect(describeStep({ index: 2, atMs: 3_000, action: 'restart', target: 'val-0', downMs: 0 })).toBe(
      't=3.0s restart(val-0)',
    );
  });
});
