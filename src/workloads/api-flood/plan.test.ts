import { expect, test } from 'vitest';
import { apiFlood } from './api-flood.ts';
import { type FloodPlan, floodSchedule } from './plan.ts';

const plan: FloodPlan = {
  targets: [
    { node: 'val-0', url: 'http://127.0.0.1:1' },
    { node: 'val-1', url: 'http://127.0.0.1:2' },
  ],
  catalog: { read: [], submit: [], malformed: [], oversized: [], unknownRoute: [], slowBody: [] },
  qps: 100,
  durationMs: 2000,
  mix: { read: 6, submit: 2, malformed: 1, oversized: 0, unknownRoute: 1, slowBody: 0 },
  burst: { size: 30, everyMs: 500 },
  connections: 4,
  slowConnections: 1,
  slowBodyMs: 1000,
  timeoutMs: 1000,
  from: undefined,
  seed: 7,
};

test('the schedule: evenly paced requests plus bursts, in time order, kinds by weight, targets in turn', () => {
  const s = [...floodSchedule(plan)];
  const steady = s.filter((r) => !r.burst);
  const bursts = s.filter((r) => r.burst);
  expect(steady).toHaveLength(200);
  expect(steady[1]!.at - steady[0]!.at).toBe(10);
  expect(bursts.map((r) => r.at)).toEqual([
    ...Array(30).fill(500),
    ...Array(30).fill(1000),
    ...Array(30).fill(1500),
  ]);
  expect(s.every((r, i) => i === 0 || s[i - 1]!.at <= r.at)).toBe(true);
  expect(s.filter((r) => r.target === 0).length).toBe(s.length / 2);
  const count = (k: string) => s.filter((r) => r.kind === k).length;
  expect(count('oversized')).toBe(0);
  expect(count('read')).toBeGreaterThan(count('submit'));
  expect(count('submit')).toBeGreaterThan(count('malformed') / 2);
  // Same seed, same schedule; another seed, another draw.
  expect([...floodSchedule(plan)]).toEqual(s);
  expect([...floodSchedule({ ...plan, seed: 8 })].map((r) => r.kind)).not.toEqual(s.map((r) => r.kind));
});

test('at max only the bursts are scheduled, and a burst never holds a slow body', () => {
  const s = [...floodSchedule({ ...plan, qps: 'max', mix: { ...plan.mix, slowBody: 50 } })];
  expect(s).toHaveLength(90);
  expect(s.every((r) => r.burst && r.kind !== 'slowBody')).toBe(true);
});

test('bad options are refused before anything starts, naming each option and what is allowed', () => {
  expect(() =>
    apiFlood({
      qps: 0,
      durationMs: 10_000_000,
      mix: { read: -1, nope: 1 } as never,
      burst: { size: 0, everyMs: 1 },
    }),
  ).toThrowErrorMatchingInlineSnapshot(`
    [ConfigError: invalid apiFlood options: 6 problems
      - apiFlood.qps: got 0, allowed: 'max' or a number of requests/s with 0 < qps ≤ 1000000
      - apiFlood.durationMs: got 10000000, allowed: an integer 1..600000 (ms)
      - apiFlood.mix.read: got -1, allowed: a weight 0..1000
      - apiFlood.mix.nope: got 1, allowed: one of read, submit, malformed, oversized, unknownRoute, slowBody
      - apiFlood.burst.size: got 0, allowed: an integer 1..10000 (requests)
      - apiFlood.burst.everyMs: got 1, allowed: an integer ≥ 10 (ms)]
  `);
  expect(() =>
    apiFlood({
      qps: 'max',
      durationMs: 1000,
      mix: { read: 0, submit: 0, malformed: 0, oversized: 0, unknownRoute: 0, slowBody: 0 },
    }),
  ).toThrowErrorMatchingInlineSnapshot(`
    [ConfigError: invalid apiFlood options: 1 problem
      - apiFlood.mix: got {"read":0,"submit":0,"malformed":0,"oversized":0,"unknownRoute":0,"slowBody":0}, allowed: weights with at least one kind above 0]
  `);
});
