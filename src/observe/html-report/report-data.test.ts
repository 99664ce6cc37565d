/**
 * The report's data from recorded histories: a real recording (three validators stopped
 * after 13.9 s, test/fixtures/recordings/validators-stopped.json) and simulated ones for
 * exact edge cases (a stall, fault kinds the renderer has never heard of, a long run).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { simulateHistory } from '../../../test/fixtures/simulated-history.ts';
import { ConfigError } from '../../support/errors.ts';
import { Recording } from '../recording.ts';
import { bucketMsFor, buildReportData, replayCommand } from './report-data.ts';
import { parseReportMeta } from './report-meta.ts';

const recorded = (): Recording =>
  Recording.fromJSON(
    readFileSync(
      join(import.meta.dirname, '../../../test/fixtures/recordings/validators-stopped.json'),
      'utf8',
    ),
  );

const nonNull = (values: readonly (number | null)[]): number[] => values.filter((v) => v !== null);

describe('report data from a recorded run (three validators stopped at t=13.9s)', () => {
  const data = buildReportData(recorded(), {}, { generatedAt: '2026-01-01T00:00:00.000Z' });

  test('one series per node in every per-node chart', () => {
    for (const chart of [data.height, data.final, data.production])
      expect(chart.series.map((s) => s.label)).toEqual(['val-0', 'val-1', 'val-2', 'exe-0']);
    expect(data.nodes.map((n) => n.color)).toEqual(['#4e79a7', '#f28e2b', '#e15759', '#76b7b2']);
  });

  test('the stopped validators end unknown (their samples fail), the executor keeps its height', () => {
    expect(data.final.series.map((s) => s.values.at(-1))).toEqual([null, null, null, 18]);
    expect(data.final.series.map((s) => nonNull(s.values).at(-1))).toEqual([17, 18, 17, 18]);
    // Final heights never go down.
    for (const s of data.final.series) {
      const v = nonNull(s.values);
      expect(v).toEqual([...v].sort((a, b) => a - b));
    }
  });

  test('fault windows still open at the end are drawn to the end, one colour for their kind', () => {
    expect(data.faults).toEqual([
      { kind: 'stop', nodes: ['val-0'], from: 13.901, to: 24.716, open: true, description: 'stop(val-0)' },
      { kind: 'stop', nodes: ['val-1'], from: 13.902, to: 24.716, open: true, description: 'stop(val-1)' },
      { kind: 'stop', nodes: ['val-2'], from: 13.902, to: 24.716, open: true, description: 'stop(val-2)' },
    ]);
    expect(data.faultKinds).toEqual([{ kind: 'stop', color: '#f4a261' }]);
  });

  test('tx latency percentiles over all 50 included txs, in seconds', () => {
    expect(data.latency.summary).toEqual({
      count: 50,
      p50: 0.848,
      p90: 1.82,
      p95: 1.948,
      p99: 2.242,
      max: 2.242,
    });
    expect(data.latency.txs).toEqual({
      submitted: 50,
      accepted: 50,
      rejected: 0,
      failed: 0,
      included: 50,
      final: 50,
    });
    expect(data.latency.points.x).toHaveLength(50);
    expect(data.latency.bucketSeconds).toBe(1);
  });

  test('the seed, the replay command, proposers and marks', () => {
    expect(data.seed).toBe(913);
    expect(data.replay).toBe('CHAINLAB_SEED=913 npx vitest run <test file>');
    expect(data.proposers.map((p) => p.blocks)).toEqual([9, 9, 6]);
    expect(data.marks.map((m) => m.label)).toEqual(['load-start', 'load-included', 'validators-stopped']);
  });
});

describe('report data from simulated runs', () => {
  test('a stalled node is flat in the final chart while the others climb', () => {
    const rec = simulateHistory({
      durationMs: 30_000,
      nodes: [{ name: 'val-0' }, { name: 'val-1' }, { name: 'val-2', stallAt: 10_000 }],
    });
    const data = buildReportData(rec);
    const after = data.final.x.map((x, i) => [x, i] as const).filter(([x]) => x >= 12);
    const range = (label: string): number => {
      const values = data.final.series.find((s) => s.label === label)!.values;
      const v = nonNull(after.map(([, i]) => values[i] ?? null));
      return Math.max(...v) - Math.min(...v);
    };
    expect(range('val-2')).toBe(0);
    expect(range('val-0')).toBeGreaterThan(30);
  });

  test('any fault kind gets its own colour and label, with no renderer change', () => {
    const kinds = ['restart', 'partition', 'latency', 'clock-skew', 'join', 'a-kind-from-next-year'];
    const rec = simulateHistory({
      durationMs: 20_000,
      nodes: [{ name: 'val-0' }, { name: 'val-1' }],
      faults: kinds.map((kind, i) => ({
        kind,
        nodes: ['val-1'],
        start: i * 2000,
        end: i * 2000 + 1500,
        description: `${kind}(val-1)`,
      })),
    });
    const data = buildReportData(rec);
    expect(data.faultKinds.map((k) => k.kind)).toEqual([...kinds].sort());
    expect(new Set(data.faultKinds.map((k) => k.color)).size).toBe(kinds.length);
    expect(data.faults.map((f) => f.description)).toEqual(kinds.map((k) => `${k}(val-1)`));
  });

  test("each node's clock offset from the samples, only when a sample read a clock", () => {
    expect(buildReportData(recorded()).clock).toBeUndefined();
    const rec = simulateHistory({ durationMs: 10_000, nodes: [{ name: 'val-0' }, { name: 'val-1' }] });
    const dump = JSON.parse(JSON.stringify(rec)) as { samples: { node: string; clock?: object }[] };
    for (const sample of dump.samples)
      sample.clock = { now: 0, offsetMs: sample.node === 'val-1' ? 1000 : -3, uncertaintyMs: 2 };
    const clock = buildReportData(Recording.fromJSON(dump)).clock!;
    expect(clock.series.map((s) => [s.label, [...new Set(nonNull(s.values))]])).toEqual([
      ['val-0', [-3]],
      ['val-1', [1000]],
    ]);
  });

  test('failures keep their window and message; the replay command names the file and the test', () => {
    const rec = simulateHistory({ durationMs: 10_000, nodes: [{ name: 'val-0' }] });
    const data = buildReportData(rec, {
      testFile: 'examples/chaos.test.ts',
      failures: [
        {
          test: "val-2's chain",
          matcher: 'toConverge',
          message: 'expected …',
          window: { from: 2000, to: 8000 },
          at: 8100,
        },
      ],
      logs: [{ node: 'val-0', href: 'val-0.log' }],
    });
    expect(data.failures).toEqual([
      { test: "val-2's chain", matcher: 'toConverge', message: 'expected …', from: 2, to: 8, at: 8.1 },
    ]);
    expect(data.replay).toBe(
      `CHAINLAB_SEED=913 npx vitest run examples/chaos.test.ts -t 'val-2'\\''s chain$'`,
    );
    expect(data.nodes[0]?.log).toBe('val-0.log');
  });

  test('a 30-minute run stays within the point budget', () => {
    const rec = simulateHistory({
      durationMs: 30 * 60_000,
      sampleEveryMs: 1000,
      nodes: ['val-0', 'val-1', 'val-2', 'val-3', 'exe-0', 'exe-1'].map((name) => ({
        name,
        ...(name.startsWith('exe') ? { role: 'executor' as const } : {}),
      })),
    });
    const data = buildReportData(rec, {}, { maxPoints: 4000 });
    expect(data.height.x).toHaveLength(4000);
    expect(data.production.x.length).toBeLessThanOrEqual(100);
    expect(bucketMsFor(30 * 60_000)).toBe(30_000);
    // Building 30 minutes of a 6-node history hashes ~27,000 block observations: CPU work
    // of about a second on a quiet machine and several on a busy one, no waiting.
  }, 30_000);
});

describe('report meta and replay command', () => {
  test('bad meta names each field, what it got and what is allowed', () => {
    const error = (() => {
      try {
        parseReportMeta({ failures: [{ message: 7, window: { from: 0, to: 1 }, at: 1 }], colour: 'red' });
      } catch (e) {
        return e;
      }
    })();
    expect(ConfigError.is(error)).toBe(true);
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual(['failures[0].message', 'colour']);
    expect((error as Error).message).toContain('colour: got "red", allowed: one of title, testFile');
  });

  test('several failing tests replay the whole file', () => {
    const f = (test: string) => ({ test, message: 'x', window: { from: 0, to: 1 }, at: 1 });
    expect(replayCommand(5, 'a.test.ts', [f('one'), f('two')])).toBe(
      'CHAINLAB_SEED=5 npx vitest run a.test.ts',
    );
  });
});
