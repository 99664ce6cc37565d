import { describe, expect, test } from 'vitest';
import { Rng } from '../support/rng.ts';
import { describeLinkStep, LinkFaultPlan, type LinkFaultPlanOptions } from './link-fault-plan.ts';

const options: LinkFaultPlanOptions = {
  actions: ['partition', 'block-peer', 'latency'],
  targets: ['val-0', 'val-1', 'val-2', 'val-3', 'val-4'],
  minDelayMs: 10_000,
  maxDelayMs: 20_000,
  holdMs: 5_000,
  latencyMs: 300,
};

describe('LinkFaultPlan', () => {
  test('the same seed plans the same steps; another seed others', () => {
    const a = LinkFaultPlan.preview(options, new Rng(913), 600_000);
    expect(LinkFaultPlan.preview(options, new Rng(913), 600_000)).toEqual(a);
    expect(LinkFaultPlan.preview(options, new Rng(914), 600_000).map(describeLinkStep)).not.toEqual(
      a.map(describeLinkStep),
    );
  });

  test('faults never overlap, every action comes up, and each involves only targets', () => {
    const steps = LinkFaultPlan.preview(options, new Rng(7), 3_600_000);
    expect(steps.length).toBeGreaterThan(100);
    let freeAt = 0;
    for (const step of steps) {
      expect(step.atMs - freeAt).toBeGreaterThanOrEqual(10_000);
      expect(step.atMs - freeAt).toBeLessThanOrEqual(20_000);
      freeAt = step.atMs + step.holdMs;
      if (step.action === 'partition') {
        const [minority, majority] = step.groups;
        expect(minority.length).toBeGreaterThanOrEqual(1);
        expect(minority.length).toBeLessThanOrEqual(2);
        expect([...minority, ...majority].sort()).toEqual([...options.targets]);
      } else if (step.action === 'block-peer') {
        expect(step.pair[0]).not.toBe(step.pair[1]);
        expect(options.targets).toEqual(expect.arrayContaining(step.pair));
      } else {
        expect(options.targets).toContain(step.node);
        expect(step.latencyMs).toBe(300);
      }
    }
    expect(new Set(steps.map((s) => s.action))).toEqual(new Set(options.actions));
  });

  test('refuses fewer than two targets or no action', () => {
    expect(() => new LinkFaultPlan({ ...options, targets: ['val-0'] }, new Rng(1))).toThrow(/two targets/);
    expect(() => new LinkFaultPlan({ ...options, actions: [] }, new Rng(1))).toThrow(/one action/);
  });

  test('prints steps as readable lines', () => {
    expect(
      describeLinkStep({
        index: 1,
        atMs: 12_345,
        holdMs: 4_000,
        action: 'partition',
        groups: [
          ['val-0', 'val-3'],
          ['val-1', 'val-2'],
        ],
      }),
    ).toBe('t=12.3s partition(val-0,val-3 | val-1,val-2) for 4.0s');
    expect(
      describeLinkStep({
        index: 2,
        atMs: 3_000,
        holdMs: 1_000,
        action: 'block-peer',
        pair: ['val-1', 'val-0'],
      }),
    ).toBe('t=3.0s blockPeer(val-1, val-0) for 1.0s');
    expect(
      describeLinkStep({
        index: 3,
        atMs: 500,
        holdMs: 2_500,
        action: 'latency',
        node: 'val-2',
        latencyMs: 300,
      }),
    ).toBe('t=0.5s latency(val-2: 300 ms) for 2.5s');
  });
});
