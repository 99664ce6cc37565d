import { describe, expect, test } from 'vitest';
import { alignSteps, sampleSteps, sharedAxis } from './step-series.ts';

describe('step series', () => {
  test('a value holds until the next step; before the first step it is unknown', () => {
    const steps = [
      { at: 100, value: 1 },
      { at: 300, value: 2 },
      { at: 300, value: 3 },
    ];
    expect(sampleSteps(steps, [0, 100, 200, 300, 400])).toEqual([null, 1, 1, 3, 3]);
  });

  test('a null step is a gap until the next value; after `until` the series ends', () => {
    const steps = [
      { at: 0, value: 5 },
      { at: 10, value: null },
      { at: 20, value: 6 },
    ];
    expect(sampleSteps(steps, [0, 10, 15, 20, 30], 25)).toEqual([5, null, null, 6, null]);
  });

  test('nodes observed at different times share the union of their times', () => {
    const aligned = alignSteps(
      [
        { label: 'a', steps: [{ at: 500, value: 2 }] },
        { label: 'b', steps: [{ at: 200, value: 7 }] },
      ],
      { from: 0, to: 1000 },
    );
    expect(aligned).toEqual({
      x: [0, 200, 500, 1000],
      series: [
        { label: 'a', values: [null, null, 2, 2] },
        { label: 'b', values: [null, 7, 7, 7] },
      ],
    });
  });

  test('above the point budget the axis is an even grid from..to', () => {
    const steps = Array.from({ length: 1000 }, (_, i) => ({ at: i * 10, value: i }));
    const x = sharedAxis([{ label: 'a', steps }], { from: 0, to: 9990, maxPoints: 100 });
    expect(x).toHaveLength(100);
    expect(x[0]).toBe(0);
    expect(x.at(-1)).toBe(9990);
    expect(sampleSteps(steps, x).at(-1)).toBe(999);
  });
});
