import { describe, expect, test } from 'vitest';
import { slottedFacts } from '../../test/fixtures/facts.ts';
import { type SimulatedNode, simulateHistory } from '../../test/fixtures/simulated-history.ts';
import { Recording } from '../observe/recording.ts';
import { ConfigError } from '../support/errors.ts';
import { MatcherSubjectError } from './shell.ts';
import { blockIntervalFailure, checkBlockIntervals, intervalBounds } from './to-keep-block-intervals.ts';
import './vitest.ts';

const healthy: SimulatedNode[] = [
  { name: 'val-0' },
  { name: 'val-1' },
  { name: 'val-2' },
  { name: 'exe-0', role: 'executor' },
];

/** The same history with no block made in [from, to) (slot time): a chain-wide gap. */
function withoutBlocks(rec: Recording, from: number, to: number): Recording {
  const d = rec.toDump();
  const time = (b: { timestamp: number }) => b.timestamp - d.startedAt;
  return Recording.fromJSON({ ...d, blocks: d.blocks.filter((b) => time(b) < from || time(b) >= to) });
}

function judge(rec: Recording, opts = {}) {
  return checkBlockIntervals(rec, opts, { from: 0, to: rec.now() });
}

describe('checkBlockIntervals on recorded histories', () => {
  test('a chain on schedule keeps its intervals', () => {
    const v = judge(simulateHistory({ durationMs: 40_000, nodes: healthy }));
    expect(v).toMatchObject({ kind: 'kept', node: 'val-0', blocks: 99 });
    expect(v.meanMs).toBeCloseTo(404, 0);
  });

  test('bounds derive from the slot schedule and widen for short windows', () => {
    const facts = slottedFacts({ slotMs: 200, activeSlotCoeff: 0.5 }).production;
    // 200 ms slots, f = 0.5: 24 quiet slots have a 1e-7 chance, plus 1 s.
    expect(intervalBounds(facts, {}, 600_000)).toMatchObject({
      expectedMs: 400,
      tolerance: 0.25,
      minMeanMs: 300,
      maxMeanMs: 500,
      maxGapMs: 5800,
    });
    const short = intervalBounds(facts, {}, 10_000);
    expect(short.maxMeanMs).toBeGreaterThan(500);
    const tight = intervalBounds(facts, { tolerance: 0.1, maxGap: 3000 }, 600_000);
    expect(tight).toMatchObject({ minMeanMs: 360, maxGapMs: 3000, graceMs: 3000 });
    expect(tight.maxMeanMs).toBeCloseTo(440, 6);
  });

  test('a chain making blocks half as often is off schedule', () => {
    const rec = simulateHistory({ durationMs: 60_000, nodes: healthy, blockMs: 800 });
    const v = judge(rec);
    expect(v).toMatchObject({ kind: 'off-schedule', blocks: 74 });
    expect(blockIntervalFailure(v, rec.seed)).toMatchInlineSnapshot(`
      "expected a mean block interval of 400 ms ± 25% (300..540 ms) on val-0's chain between t=0.0s and t=60.0s; observed 811 ms (74 blocks in 60.0s) (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('a chain making blocks far too fast is off schedule too', () => {
    const v = judge(simulateHistory({ durationMs: 40_000, nodes: healthy, blockMs: 100 }));
    expect(v).toMatchObject({ kind: 'off-schedule' });
    expect(v.meanMs).toBeLessThan(110);
  });

  test('a chain that stops making blocks has a gap, named with the last height and since when', () => {
    const rec = simulateHistory({
      durationMs: 40_000,
      nodes: healthy.map((n) => ({ ...n, stallAt: 20_000 })),
    });
    const v = judge(rec);
    expect(v).toMatchObject({ kind: 'gap', ongoing: true, heightBefore: 49, from: 19_600, to: 40_000 });
    expect(blockIntervalFailure(v, rec.seed)).toMatchInlineSnapshot(`
      "expected no gap over 5.8s between blocks on val-0's chain between t=0.0s and t=40.0s outside validators' fault windows; no block after height 49 from t=19.6s (20.4s so far) (seed 913)
      also: expected a mean block interval of 400 ms ± 25% (300..587 ms) on val-0's chain between t=0.0s and t=40.0s; observed 816 ms (49 blocks in 40.0s)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('a gap inside a validator fault window (plus grace) is excused; an executor fault excuses nothing', () => {
    const rec = withoutBlocks(simulateHistory({ durationMs: 40_000, nodes: healthy }), 12_000, 19_000);
    expect(judge(rec)).toMatchObject({ kind: 'gap', from: 11_600, to: 19_200, ongoing: false });
    const onValidator = {
      kind: 'restart',
      nodes: ['val-1'],
      start: 12_500,
      end: 14_000,
      description: 'restart(val-1)',
    };
    const withFault = Recording.fromJSON({ ...rec.toDump(), faults: [onValidator] });
    expect(judge(withFault).kind).toBe('kept');
    const onExecutor = { ...onValidator, nodes: ['exe-0'], description: 'restart(exe-0)' };
    expect(judge(Recording.fromJSON({ ...rec.toDump(), faults: [onExecutor] })).kind).toBe('gap');
  });

  test('a gap shorter than maxGap passes; a tighter maxGap catches it', () => {
    const rec = withoutBlocks(simulateHistory({ durationMs: 40_000, nodes: healthy }), 12_000, 16_000);
    expect(judge(rec).kind).toBe('kept');
    expect(judge(rec, { maxGap: 3000 })).toMatchObject({ kind: 'gap', from: 11_600, to: 16_000 });
  });

  test('`since` leaves out what happened before', () => {
    const rec = withoutBlocks(simulateHistory({ durationMs: 40_000, nodes: healthy }), 5_000, 15_000);
    expect(judge(rec).kind).toBe('gap');
    expect(checkBlockIntervals(rec, {}, { from: 16_000, to: rec.now() }).kind).toBe('kept');
  });
});

describe('toKeepBlockIntervals', () => {
  test('passes on a chain on schedule and fails with the chain, the gap, the seed and the replay hint', async () => {
    await expect(simulateHistory({ durationMs: 40_000, nodes: healthy })).toKeepBlockIntervals({
      tolerance: 0.25,
    });
    const stalled = simulateHistory({
      durationMs: 40_000,
      nodes: healthy.map((n) => ({ ...n, stallAt: 20_000 })),
    });
    await expect(
      expect(stalled).toKeepBlockIntervals({ tolerance: 0.25, maxGap: 4000 }),
    ).rejects.toThrowErrorMatchingInlineSnapshot(`
      [Error: expected no gap over 4.0s between blocks on val-0's chain between t=0.0s and t=40.0s outside validators' fault windows; no block after height 49 from t=19.6s (20.4s so far) (seed 913)
      also: expected a mean block interval of 400 ms ± 25% (300..587 ms) on val-0's chain between t=0.0s and t=40.0s; observed 816 ms (49 blocks in 40.0s)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>]
    `);
  });

  test('is .not-aware and judges from the test-start mark', async () => {
    const slow = simulateHistory({ durationMs: 60_000, nodes: healthy, blockMs: 800 });
    await expect(slow).not.toKeepBlockIntervals();
    const fine = simulateHistory({ durationMs: 40_000, nodes: healthy, testStartAt: 20_000 });
    await expect(expect(fine).not.toKeepBlockIntervals()).rejects.toThrowErrorMatchingInlineSnapshot(
      `[Error: expected val-0's chain not to keep a mean block interval of 400 ms ± 25% between t=20.0s and t=40.0s, but it did: 400 ms over 50 blocks, no gap over 5.8s (seed 913)]`,
    );
  });

  test('a failure carries the verdict as actual and the bounds as expected', async () => {
    const slow = simulateHistory({ durationMs: 60_000, nodes: healthy, blockMs: 800 });
    const error = await expect(slow)
      .toKeepBlockIntervals()
      .catch((e: unknown) => e as Error);
    expect(error).toMatchObject({
      actual: { kind: 'off-schedule', node: 'val-0' },
      expected: { kind: 'kept', bounds: { expectedMs: 400 } },
    });
    expect((error as Error).message).toContain('(seed 913)');
  });

  test('bad options are one ConfigError naming each option; a wrong subject gets its own error', async () => {
    const rec = simulateHistory({ durationMs: 1000, nodes: healthy });
    const error = await expect(rec)
      .toKeepBlockIntervals({ tolerance: -1, maxGap: 'x', tolerence: 0.2 } as never)
      .catch((e: unknown) => e);
    expect(ConfigError.is(error)).toBe(true);
    expect((error as Error).message).toMatchInlineSnapshot(`
      "invalid toKeepBlockIntervals options: 3 problems
        - tolerance: got -1, allowed: a fraction 0..10 (0.25 = ±25%)
        - maxGap: got "x", allowed: ms > 0
        - tolerence: got 0.2, allowed: one of tolerance, maxGap, for, since, graceMs"
    `);
    const wrong = await expect(42)
      // @ts-expect-error: a number is no cluster (the runtime check is the net for untyped callers).
      .toKeepBlockIntervals()
      .catch((e: unknown) => e);
    expect(MatcherSubjectError.is(wrong)).toBe(true);
  });
});
