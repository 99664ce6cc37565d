// The fork model the gradient example bounds its forks with: it must agree with what can be
// computed by hand, and grow with the delays.
import { Rng } from 'chainlab';
import { expect, test } from 'vitest';
import { simulateForkRates } from './fork-model.ts';

const model = { nodes: 6, slotMs: 250, activeSlotCoeff: 0.5, slots: 120, runs: 2000 };
const mean = (rates: number[]) => rates.reduce((a, b) => a + b, 0) / rates.length;

test('without delays only same-slot winners fork: (n·p − f) / f orphans per canonical block', () => {
  const rates = simulateForkRates({ ...model, delayMs: () => 0, rng: new Rng(1) });
  const p = 1 - (1 - model.activeSlotCoeff) ** (1 / model.nodes);
  const byHand = 100 * ((model.nodes * p) / model.activeSlotCoeff - 1);
  expect(byHand).toBeCloseTo(30.9, 1);
  expect(Math.abs(mean(rates) - byHand)).toBeLessThan(1.5);
});

test('delays longer than a slot add forks; the same seed replays the same figures', () => {
  const tiers = [10, 10, 100, 100, 300, 300];
  const delayed = (scale: number, seed = 2) =>
    simulateForkRates({
      ...model,
      delayMs: (a, b) => scale * Math.max(tiers[a]!, tiers[b]!),
      rng: new Rng(seed),
    });
  const none = mean(delayed(0));
  const gradient = mean(delayed(1));
  const tripled = mean(delayed(3));
  expect(gradient).toBeGreaterThan(none + 15);
  expect(tripled).toBeGreaterThan(gradient + 30);
  expect(delayed(1, 9)).toEqual(delayed(1, 9));
});
