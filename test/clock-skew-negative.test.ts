// Scenario 11's drift expectation catches a node that breaks the rule: with refnode's
// `ignore-drift` bug on the executor running 1 s behind, it adopts the +1 s validator's
// blocks (2 s ahead of its clock, beyond the 1 s bound) at once, and `toRespectDrift`
// fails naming the node, the rule, its bound and its clock offset.
import { describe, expect, test } from 'vitest';
import { clockSkew } from '../src/chaos/clock-skew.ts';
import { Cluster } from '../src/cluster/cluster.ts';
import { transactions } from '../src/workloads/transactions.ts';
import '../src/matchers/vitest.ts';
import { eventually, matcherFailure as failure } from './helpers.ts';

describe('the clock-skew scenario catches a node that ignores the drift rule', () => {
  test('refnode --bug ignore-drift on the node behind: toRespectDrift fails naming it and the rule', async () => {
    await using cluster = await Cluster.of({
      validators: 3,
      executors: 1,
      wallets: 4,
      slotMs: 1000,
      securityParam: 4,
      clockSkew: {},
      bugs: { 'exe-0': ['ignore-drift'] },
      name: 'negative-drift',
    }).start();
    const load = await transactions({ rate: 5, users: 4 }).start(cluster);
    await using _skew = await clockSkew({ offsets: { 'val-1': '+1s', 'exe-0': '-1s' } }).start(cluster);
    // The condition the test claims, made every time: val-1 proposed a block exe-0 took early.
    const tookEarly = await eventually(
      async () => ((await cluster.node('exe-0').client.clock!()).acceptedBeyondDrift ?? 0) > 0,
      40_000,
      500,
    );
    expect(tookEarly, 'exe-0 adopts a block from beyond its drift bound').toBe(true);
    await load.stop();
    const error = await failure(() => expect(cluster).toRespectDrift());
    expect(error.actual).toMatchObject({ kind: 'ignored', node: 'exe-0', maxDriftMs: 1000, offsetMs: -1000 });
    expect(error.message).toMatch(
      /^expected exe-0 to hold or refuse blocks from the future per the drift rule between t=\d+\.\ds and t=\d+\.\ds \(a block whose slot starts more than its drift bound of 1000 ms ahead of its clock is refused\); it adopted \d+ such blocks? at once, the first seen at t=\d+\.\ds \(its clock -1000 ms\)/,
    );
    expect(error.message).toContain(`(seed ${cluster.seed})\nreplay: CHAINLAB_SEED=${cluster.seed}`);
    // The unskewed nodes kept the rule.
    await expect(cluster).toRespectDrift({ nodes: ['val-0', 'val-2'] });
  }, 150_000);
});
