// The API-flood checkers on a real recorded history (test/fixtures/recordings/api-flood.json,
// recorded by record-api-flood.ts): a control probe on three refnode validators with a
// 200/s API limit, a max-QPS flood on val-0 and val-1, one on val-2 which runs with
// --bug no-rate-limit, then a restart of val-1.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { floodOutcome } from '../observe/flood-summary.ts';
import { Recording } from '../observe/recording.ts';
import { checkRateLimit, rateLimitFailure, rateLimitNegated } from './to-rate-limit.ts';
import { checkStayResponsive, responsivenessFailure, responsivenessNegated } from './to-stay-responsive.ts';

const rec = Recording.fromJSON(
  readFileSync(new URL('../../test/fixtures/recordings/api-flood.json', import.meta.url), 'utf8'),
);
const mark = (label: string): number => rec.marks.find((m) => m.label === label)!.at;
const flood = (name: string) => rec.floods.find((f) => f.name === name)!;

describe('the flood outcome of a recorded flood', () => {
  test('counts every tallied request once, per node and per kind, with latency percentiles', () => {
    const f = flood('flood-limited');
    const o = floodOutcome(f);
    const rows = f.rows.filter((r) => r.outcome !== 'unsent').reduce((a, r) => a + r.n, 0);
    expect(o.sent).toBe(rows);
    expect(o.accepted + o.rateLimited + o.refused + o.overloaded + o.failed).toBe(o.sent);
    expect(o.byNode.map((n) => n.node)).toEqual(['val-0', 'val-1']);
    expect(o.byNode.reduce((a, n) => a + n.sent, 0)).toBe(o.sent);
    expect(Object.values(o.byKind).reduce((a, k) => a + k.sent, 0)).toBe(o.sent);
    expect(o.latency!.p50).toBeLessThanOrEqual(o.latency!.p99);
    expect(o.latency!.p99).toBeLessThanOrEqual(o.latency!.max);
  });
});

describe('checkRateLimit on the recorded floods', () => {
  test('nodes with a limit answered the flood 429 in part; the node without one is named', () => {
    const limited = checkRateLimit(flood('flood-limited'));
    expect(limited.kind).toBe('rate-limited');
    expect(rateLimitNegated(limited, rec.seed)).toMatchInlineSnapshot();
    const unlimited = checkRateLimit(flood('flood-unlimited'));
    expect(unlimited).toMatchObject({ kind: 'unlimited', node: 'val-2', also: [] });
    expect(rateLimitFailure(unlimited, rec.seed)).toMatchInlineSnapshot();
  });
});

describe('checkStayResponsive on the recorded control probe', () => {
  const floods = { from: mark('probe-start'), to: mark('floods-end') };

  test('every node answered the probe within bounds through both floods', () => {
    const v = checkStayResponsive(rec, { p99: 1000, errorRate: 0.01 }, floods);
    expect(v.kind).toBe('responsive');
    expect(v.nodes.map((n) => n.node)).toEqual(['val-0', 'val-1', 'val-2']);
    expect(responsivenessNegated(v, rec.seed)).toMatchInlineSnapshot();
  });

  test('a p99 bound below what the probe saw fails naming the node, the bound and the floods', () => {
    const v = checkStayResponsive(rec, { p99: 2, errorRate: 0.01 }, floods);
    expect(v.kind).toBe('slow');
    expect(responsivenessFailure(v, rec.seed, rec).replace(process.cwd(), '.')).toMatchInlineSnapshot();
  });

  test('a restart shows as a changed process start time, named before its probe errors', () => {
    const v = checkStayResponsive(rec, {}, { from: mark('restart'), to: rec.now() });
    expect(v).toMatchObject({ kind: 'restarted', node: 'val-1' });
    expect(responsivenessFailure(v, rec.seed, rec)).toMatchInlineSnapshot();
    // Judging only the other nodes, nothing is wrong.
    expect(
      checkStayResponsive(rec, { nodes: ['val-0', 'val-2'] }, { from: mark('restart'), to: rec.now() }).kind,
    ).toBe('responsive');
  });

  test('a span without probes is its own verdict with a hint', () => {
    const v = checkStayResponsive(rec, {}, { from: 0, to: 1 });
    expect(v.kind).toBe('no-probe');
    expect(responsivenessFailure(v, rec.seed)).toMatchInlineSnapshot();
  });
});
