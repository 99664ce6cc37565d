import { describe, expect, test } from 'vitest';
import { Rng } from '../support/rng.ts';
import { ChurnPlan, describeChurnStep } from './churn-plan.ts';

describe('churn plan', () => {
  test('joins and leaves on their own cadences, merged in time order, the same for the same seed', () => {
    const steps = ChurnPlan.preview({ joinEveryMs: 4000, leaveEveryMs: 6000 }, new Rng(913), 30_000);
    expect(steps.map((s) => s.index)).toEqual(steps.map((_, i) => i + 1));
    for (let i = 1; i < steps.length; i++) expect(steps[i]!.atMs).toBeGreaterThanOrEqual(steps[i - 1]!.atMs);
    const gaps = (kind: 'join' | 'leave'): number[] => {
      const at = steps.filter((s) => s.kind === kind).map((s) => s.atMs);
      return at.map((t, i) => t - (i === 0 ? 0 : at[i - 1]!));
    };
    for (const g of gaps('join')) expect(g >= 2000 && g <= 6000).toBe(true);
    for (const g of gaps('leave')) expect(g >= 3000 && g <= 9000).toBe(true);
    expect(ChurnPlan.preview({ joinEveryMs: 4000, leaveEveryMs: 6000 }, new Rng(913), 30_000)).toEqual(steps);
    expect(steps.slice(0, 4).map(describeChurnStep)).toMatchInlineSnapshot(`
      [
        "t=2.3s join",
        "t=5.3s leave",
        "t=5.3s join",
        "t=7.6s join",
      ]
    `);
  });

  test('0 turns a kind off; both off is refused', () => {
    const steps = ChurnPlan.preview({ joinEveryMs: 1000, leaveEveryMs: 0 }, new Rng(1), 10_000);
    expect(new Set(steps.map((s) => s.kind))).toEqual(new Set(['join']));
    expect(() => new ChurnPlan({ joinEveryMs: 0, leaveEveryMs: 0 }, new Rng(1))).toThrow(/joins or leaves/);
  });
});
