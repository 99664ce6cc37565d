import { describe, expect, test } from 'vitest';
import { type SimulatedNode, simulateHistory } from '../../test/fixtures/simulated-history.ts';
import { Recording } from '../observe/recording.ts';
import { ConfigError } from '../support/errors.ts';
import { MatcherSubjectError } from './shell.ts';
import { checkStayLive, livenessBounds, livenessFailure } from './to-stay-live.ts';
import './vitest.ts';

const healthy: SimulatedNode[] = [
  { name: 'val-0' },
  { name: 'val-1' },
  { name: 'val-2' },
  { name: 'exe-0', role: 'executor' },
];

function withNode(name: string, change: Partial<SimulatedNode>): SimulatedNode[] {
  return healthy.map((n) => (n.name === name ? { ...n, ...change } : n));
}

function judge(rec: Recording, opts = {}) {
  return checkStayLive(rec, opts, { from: 0, to: rec.now() });
}

describe('checkStayLive on recorded histories', () => {
  test('a healthy cluster is live, with every node progressing', () => {
    const rec = simulateHistory({ durationMs: 40_000, nodes: healthy });
    const v = judge(rec);
    expect(v.kind).toBe('live');
    expect(v.progress.map((p) => [p.node, p.toHeight])).toEqual([
      ['val-0', 96],
      ['val-1', 96],
      ['val-2', 96],
      ['exe-0', 96],
    ]);
  });

  test('defaults derive from the slot schedule', () => {
    const rec = simulateHistory({ durationMs: 1000, nodes: healthy });
    // 200 ms slots, f = 0.5: 24 quiet slots have a 1e-7 chance, plus 2 s.
    expect(livenessBounds(rec.facts)).toEqual({
      tolerance: 0.5,
      maxStallMs: 6800,
      maxLag: 5,
      windowMs: 12_000,
      graceMs: 6800,
      blockMs: 400,
    });
  });

  test('a stalled node is named with its height and since when', () => {
    const rec = simulateHistory({ durationMs: 40_000, nodes: withNode('val-2', { stallAt: 12_000 }) });
    const v = judge(rec);
    expect(v).toMatchObject({ kind: 'stalled', node: 'val-2', height: 26, since: 11_615 });
    expect(livenessFailure(v, rec.seed, rec)).toMatchInlineSnapshot(`
      "expected node val-2 to finalize a block between t=0.0s and t=40.0s (at least every 6.8s); final height stayed 26 from t=11.6s (28.4s so far) (seed 913)
      timeline val-2: final ? @t=0.0s, 16 @t=8.0s, 26 @t=16.0s, 26 @t=24.0s, 26 @t=32.0s, 26 @t=40.0s; last advance to 26 at t=11.6s
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('a node that stops answering is reported as crashed, with the error', () => {
    const rec = simulateHistory({ durationMs: 40_000, nodes: withNode('val-1', { crashAt: 20_000 }) });
    const v = judge(rec);
    expect(v).toMatchObject({ kind: 'crashed', node: 'val-1', since: 20_000 });
    expect(livenessFailure(v, rec.seed)).toMatchInlineSnapshot(`
      "expected node val-1 to finalize a block between t=0.0s and t=40.0s; it stopped answering at t=20.0s outside any declared fault (connect ECONNREFUSED 127.0.0.1:40001), final height stayed 46 (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('a node trailing the leader by more than maxLag is lagging', () => {
    const rec = simulateHistory({ durationMs: 40_000, nodes: withNode('exe-0', { lagBlocks: 8 }) });
    const v = judge(rec);
    expect(v).toMatchObject({ kind: 'lagging', node: 'exe-0' });
    expect(livenessFailure(v, rec.seed)).toMatchInlineSnapshot(`
      "expected node exe-0 to stay within 5 final blocks of the leader between t=0.0s and t=40.0s; at t=4.0s its final height was 0 while val-0 had 6 (6 behind) (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
    // The same history passes with a looser bound.
    expect(judge(rec, { maxLag: 9 }).kind).toBe('live');
  });

  test('a node on a different genesis finalizing its own slow chain is off pace', () => {
    const rec = simulateHistory({ durationMs: 40_000, nodes: withNode('val-2', { forkRate: 0.2 }) });
    const v = judge(rec);
    expect(v).toMatchObject({ kind: 'off-pace', node: 'val-2' });
    expect(livenessFailure(v, rec.seed)).toMatchInlineSnapshot(`
      "expected node val-2 to finalize 12..60 blocks between t=8.0s and t=20.0s (block schedule: 30.0, one per 400 ms, tolerance 50%); it finalized 6 (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('a chain finalizing far too fast is off pace too', () => {
    // Blocks every 100 ms where the schedule says 400 ms (e.g. a node ignoring slots).
    const rec = simulateHistory({ durationMs: 40_000, nodes: healthy, blockMs: 100 });
    const v = judge(rec);
    expect(v.kind).toBe('off-pace');
    expect(v).toMatchObject({ blocks: 120 });
  });

  test('a stall inside a declared fault window (plus catch-up grace) is excused', () => {
    const nodes = withNode('val-2', { crashAt: 12_000, resumeAt: 20_000 });
    const fault = {
      kind: 'restart',
      nodes: ['val-2'],
      start: 12_000,
      end: 20_000,
      description: 'restart(val-2)',
    };
    expect(judge(simulateHistory({ durationMs: 40_000, nodes })).kind).toBe('crashed');
    expect(judge(simulateHistory({ durationMs: 40_000, nodes, faults: [fault] })).kind).toBe('live');
  });

  test("another node's fault does not excuse a stall", () => {
    const fault = {
      kind: 'stop',
      nodes: ['val-0', 'val-1', 'val-2'],
      start: 10_000,
      description: 'stop(val-0,val-1,val-2)',
    };
    const nodes = healthy.map((n) => ({ ...n, stallAt: 10_000 }));
    const v = judge(simulateHistory({ durationMs: 40_000, nodes, faults: [fault] }));
    expect(v).toMatchObject({ kind: 'stalled', node: 'exe-0' });
  });

  test('nodes that joined or left mid-run are judged only while in the cluster', () => {
    const nodes: SimulatedNode[] = [
      ...withNode('val-2', { leaveAt: 15_000 }),
      { name: 'val-3', joinAt: 20_000 },
    ];
    expect(judge(simulateHistory({ durationMs: 40_000, nodes })).kind).toBe('live');
  });

  test('`since` leaves out what happened before', () => {
    const rec = simulateHistory({
      durationMs: 40_000,
      nodes: withNode('val-2', { stallAt: 5_000, resumeAt: 15_000 }),
    });
    expect(judge(rec).kind).toBe('stalled');
    expect(checkStayLive(rec, {}, { from: 16_000, to: rec.now() }).kind).toBe('live');
  });

  test('a verdict judged up to an earlier time only sees what was recorded by then', () => {
    const rec = simulateHistory({ durationMs: 40_000, nodes: withNode('val-2', { stallAt: 30_000 }) });
    expect(checkStayLive(rec, {}, { from: 0, to: 29_000 }).kind).toBe('live');
    expect(checkStayLive(rec.until(29_000), {}, { from: 0, to: 29_000 }).kind).toBe('live');
    expect(checkStayLive(rec, {}, { from: 0, to: 40_000 }).kind).toBe('stalled');
  });
});

describe('toStayLive', () => {
  test('passes on a healthy history and fails with the named node, window, seed and replay hint', async () => {
    await expect(simulateHistory({ durationMs: 40_000, nodes: healthy })).toStayLive();
    const stalled = simulateHistory({ durationMs: 40_000, nodes: withNode('val-2', { stallAt: 12_000 }) });
    await expect(expect(stalled).toStayLive()).rejects.toThrowErrorMatchingInlineSnapshot(`
      [Error: expected node val-2 to finalize a block between t=0.0s and t=40.0s (at least every 6.8s); final height stayed 26 from t=11.6s (28.4s so far) (seed 913)
      timeline val-2: final ? @t=0.0s, 16 @t=8.0s, 26 @t=16.0s, 26 @t=24.0s, 26 @t=32.0s, 26 @t=40.0s; last advance to 26 at t=11.6s
      replay: CHAINLAB_SEED=913 npx vitest run <this file>]
    `);
  });

  test('is .not-aware', async () => {
    const stalled = simulateHistory({ durationMs: 40_000, nodes: withNode('val-2', { stallAt: 12_000 }) });
    await expect(stalled).not.toStayLive();
    const healthyRec = simulateHistory({ durationMs: 40_000, nodes: healthy });
    await expect(expect(healthyRec).not.toStayLive()).rejects.toThrowErrorMatchingInlineSnapshot(
      `[Error: expected val-0, val-1, val-2 and exe-0 not to stay live between t=0.0s and t=40.0s, but every node finalized at pace (final heights val-0 ?→96, val-1 ?→96, val-2 ?→96, exe-0 ?→96) (seed 913)]`,
    );
  });

  test('judges from the test-start mark by default, or from `since`', async () => {
    const rec = simulateHistory({
      durationMs: 40_000,
      nodes: withNode('val-2', { stallAt: 5_000, resumeAt: 15_000 }),
      testStartAt: 16_000,
    });
    await expect(rec).toStayLive();
    await expect(rec).not.toStayLive({ since: 0 });
  });

  test("a failure is the runner's assertion error carrying the verdict as actual and the bounds as expected", async () => {
    const stalled = simulateHistory({ durationMs: 40_000, nodes: withNode('val-2', { stallAt: 12_000 }) });
    const error = await expect(stalled)
      .toStayLive()
      .catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      actual: { kind: 'stalled', node: 'val-2' },
      expected: { kind: 'live', bounds: { maxStallMs: 6800 } },
    });
    expect((error as Error).message).toContain('(seed 913)');
  });

  test('bad options are a ConfigError naming each option', async () => {
    const rec = simulateHistory({ durationMs: 1000, nodes: healthy });
    const error = await expect(rec)
      .toStayLive({ for: -1, tolerance: 'x', maxLagg: 3 } as never)
      .catch((e: unknown) => e);
    expect(ConfigError.is(error)).toBe(true);
    expect((error as Error).message).toMatchInlineSnapshot(`
      "invalid toStayLive options: 3 problems
        - for: got -1, allowed: a positive integer (ms to keep judging)
        - tolerance: got "x", allowed: a fraction 0..10 (0.5 = ±50%)
        - maxLagg: got 3, allowed: one of for, since, tolerance, maxStallMs, maxLag, windowMs, graceMs, nodes"
    `);
  });

  test('a wrong subject gets its own error', async () => {
    const error = await expect({ nodes: [] })
      // @ts-expect-error: an object without a recording is no cluster (runtime check for untyped callers).
      .toStayLive()
      .catch((e: unknown) => e);
    expect(MatcherSubjectError.is(error)).toBe(true);
    expect((error as Error).message).toMatchInlineSnapshot(
      `"toStayLive: expected a started cluster (or anything with a \`recording\`, or a Recording), got Object { nodes }; pass the cluster your fixture gave you, e.g. \`await expect(cluster).toStayLive(…)\`"`,
    );
  });

  test('a dumped and reloaded recording gives the same verdict', () => {
    const rec = simulateHistory({ durationMs: 40_000, nodes: withNode('val-2', { stallAt: 12_000 }) });
    const again = Recording.fromJSON(JSON.stringify(rec));
    expect(judge(again)).toEqual(judge(rec));
  });
});

describe('checkStayLive under chaos', () => {
  test('an executor at full pace while every validator sits in a fault grace is not "too fast"', () => {
    // Short restarts of every validator every 10 s: each pace window overlaps all their graces.
    const faults = [1000, 11_000, 21_000, 31_000].flatMap((t) =>
      ['val-0', 'val-1', 'val-2'].map((v) => ({
        kind: 'restart',
        nodes: [v],
        start: t,
        end: t + 200,
        description: `restart(${v})`,
      })),
    );
    const v = judge(simulateHistory({ durationMs: 40_000, nodes: healthy, faults }));
    expect(v.kind).toBe('live');
  });
});
