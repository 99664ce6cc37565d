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
    expect(rateLimitNegated(limited, rec.seed)).toMatchInlineSnapshot(
      `"expected flood-limited not to be rate-limited between t=0.2s and t=4.9s, but every node limited it (val-0 789 rate-limited, 0 shed; val-1 349 rate-limited, 0 shed) (seed 913)"`,
    );
    const unlimited = checkRateLimit(flood('flood-unlimited'));
    expect(unlimited).toMatchObject({ kind: 'unlimited', node: 'val-2', also: [] });
    expect(rateLimitFailure(unlimited, rec.seed)).toMatchInlineSnapshot(`
      "expected node val-2 to rate-limit or shed flood-unlimited between t=4.9s and t=9.5s; it answered every one of the 3,111 requests it got (up to 1,219 in one second) without a 429 or 503: accepted 1,388, refused 1,723 (4xx), failed 0 (seed 913)
      flood: flood-unlimited → val-2 at max qps over 4.7s: 3,111 sent (668/s), 0 unsent; accepted 1,388, rate-limited 0 (429), refused 1,723 (4xx), overloaded 0 (503), failed 0; latency p50 7.5 ms, p90 200 ms, p99 300 ms, max 313.2 ms
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });
});

describe('checkStayResponsive on the recorded control probe', () => {
  const floods = { from: mark('probe-start'), to: mark('floods-end') };

  test('every node answered the probe within bounds through both floods', () => {
    const v = checkStayResponsive(rec, { p99: 1000, errorRate: 0.01 }, floods);
    expect(v.kind).toBe('responsive');
    expect(v.nodes.map((n) => n.node)).toEqual(['val-0', 'val-1', 'val-2']);
    expect(responsivenessNegated(v, rec.seed)).toMatchInlineSnapshot(
      `"expected val-0, val-1 and val-2 not to stay responsive between t=0.0s and t=9.5s, but the control probe saw val-0 p99 116.7 ms, 0% errors; val-1 p99 123.8 ms, 0% errors; val-2 p99 142.6 ms, 0% errors (seed 913)"`,
    );
  });

  test('a p99 bound below what the probe saw fails naming the node, the bound and the floods', () => {
    const v = checkStayResponsive(rec, { p99: 2, errorRate: 0.01 }, floods);
    expect(v.kind).toBe('slow');
    expect(responsivenessFailure(v, rec.seed, rec)).toMatchInlineSnapshot(`
      "expected node val-0 to answer control probes with p99 ≤ 2 ms between t=0.0s and t=9.5s; its p99 was 116.7 ms over 47 probes (p50 4.5 ms, p90 38.2 ms, p99 116.7 ms, max 116.7 ms); slowest: 116.7 ms at t=3.1s (tx-status), 62.9 ms at t=2.9s (block), 42.2 ms at t=3.4s (mempool); within 1 s of t=3.1s the other nodes' probes took up to 142.6 ms (val-2), so the stall was not this node alone (seed 913)
      also: expected node val-1 to answer control probes with p99 ≤ 2 ms between t=0.0s and t=9.5s; its p99 was 123.8 ms over 47 probes (p50 5.7 ms, p90 37.5 ms, p99 123.8 ms, max 123.8 ms); slowest: 123.8 ms at t=2.4s (info), 63 ms at t=1.6s (supply), 54.3 ms at t=1.0s (block); within 1 s of t=2.4s the other nodes' probes took up to 142.6 ms (val-2), so the stall was not this node alone
      also: expected node val-2 to answer control probes with p99 ≤ 2 ms between t=0.0s and t=9.5s; its p99 was 142.6 ms over 47 probes (p50 3.8 ms, p90 36.1 ms, p99 142.6 ms, max 142.6 ms); slowest: 142.6 ms at t=3.3s (tx-status), 119.1 ms at t=7.1s (block), 53.3 ms at t=6.9s (blocks-page); within 1 s of t=3.3s the other nodes' probes took up to 123.8 ms (val-1), so the stall was not this node alone
      during flood-limited → val-0, val-1 at max qps over 4.7s: 3,318 sent (712/s), 0 unsent; accepted 1,118, rate-limited 1,138 (429), refused 1,062 (4xx), overloaded 0 (503), failed 0; latency p50 15 ms, p90 150 ms, p99 300 ms, max 1.02 s
      during flood-unlimited → val-2 at max qps over 4.7s: 3,111 sent (668/s), 0 unsent; accepted 1,388, rate-limited 0 (429), refused 1,723 (4xx), overloaded 0 (503), failed 0; latency p50 7.5 ms, p90 200 ms, p99 300 ms, max 313.2 ms
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('a slow node alone is told apart from a stall every node saw: its slowest probes and the others meanwhile', () => {
    // Bound 130 ms: only val-2's slowest probe (142.6 ms) is over it; the others' probes
    // within a second of it took at most 123.8 ms, so nothing says the machine stalled.
    const v = checkStayResponsive(rec, { p99: 130, errorRate: 0.01 }, floods);
    expect(v).toMatchObject({ kind: 'slow', node: 'val-2', also: [] });
    if (v.kind !== 'slow') return;
    expect(v.slowest.map((o) => o.ms)).toEqual([142.6]);
    expect(v.meanwhile).toMatchObject({ node: 'val-1', ms: 123.8 });
    expect(responsivenessFailure(v, rec.seed)).toContain(
      "slowest: 142.6 ms at t=3.3s (tx-status); within 1 s of t=3.3s the other nodes' probes took up to 123.8 ms (val-1) (seed 913)",
    );
  });

  test('a restart shows as a changed process start time, named before its probe errors', () => {
    const v = checkStayResponsive(rec, {}, { from: mark('restart'), to: rec.now() });
    expect(v).toMatchObject({ kind: 'restarted', node: 'val-1' });
    // Its probes were refused while it was down: a symptom of the restart, kept in `also`.
    expect(v.kind === 'restarted' && v.also).toContainEqual(
      expect.objectContaining({ kind: 'erroring', node: 'val-1' }),
    );
    expect(responsivenessFailure(v, rec.seed, rec)).toMatchInlineSnapshot(`
      "expected node val-1 not to restart between t=10.5s and t=16.3s; its process start time changed from 2026-12-01T16:49:44.000Z to 2026-12-01T16:49:57.000Z (seen at t=14.3s) (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
    // Judging only the other nodes, nothing is wrong.
    expect(
      checkStayResponsive(rec, { nodes: ['val-0', 'val-2'] }, { from: mark('restart'), to: rec.now() }).kind,
    ).toBe('responsive');
  });

  test('a span without probes is its own verdict with a hint', () => {
    const v = checkStayResponsive(rec, {}, { from: 0, to: 1 });
    expect(v.kind).toBe('no-probe');
    expect(responsivenessFailure(v, rec.seed)).toMatchInlineSnapshot(
      `"expected the control probe to show responsive nodes between t=0.0s and t=0.0s, but no control probe recorded anything then (seed 913); start one beside the load, e.g. \`await using probe = await controlProbe().start(cluster)\`"`,
    );
  });
});
