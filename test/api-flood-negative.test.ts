// Scenario 14 catches the fault it exists for: a node whose API has no request limit
// (refnode --bug no-rate-limit) serves a whole flood, and the scenario fails naming it while
// the healthy node beside it, flooded alike, rate-limits.
import { expect, test } from 'vitest';
import { Cluster } from '../src/cluster/cluster.ts';
import { apiFlood } from '../src/workloads/api-flood/api-flood.ts';
import { controlProbe } from '../src/workloads/api-flood/control-probe.ts';
import '../src/matchers/vitest.ts';
import { matcherFailure as failure } from './helpers.ts';

test('a node without API rate limits (refnode --bug no-rate-limit) fails the API flood scenario, named', async () => {
  await using cluster = await Cluster.of({
    validators: 2,
    slotMs: 250,
    securityParam: 4,
    wallets: 4,
    apiLimits: { ratePerSecond: 20, burst: 40 },
    bugs: { 'val-1': ['no-rate-limit'] },
    name: 'negative-no-rate-limit',
  }).start();
  await using probe = await controlProbe({ rate: 5 }).start(cluster);
  await using flood = await apiFlood({ qps: 'max', durationMs: 5000, connections: 4 }).start(cluster);
  await flood.done;
  await probe.stop();

  const byNode = flood.outcome().byNode;
  // The condition the test claims: both nodes got more than their limit allows in 5 s.
  for (const n of byNode) expect(n.sent, `${n.node} got more than 20/s × 5 s + 40`).toBeGreaterThan(140);
  expect(byNode.find((n) => n.node === 'val-0')!.rateLimited).toBeGreaterThan(0);

  const error = await failure(() => expect(cluster).toRateLimit(flood));
  expect(error.actual).toMatchObject({ kind: 'unlimited', node: 'val-1', also: [] });
  expect(error.message).toMatch(
    /^expected node val-1 to rate-limit or shed api-flood between t=\d+\.\ds and t=\d+\.\ds; it answered every one of the [\d,]+ requests it got \(up to [\d,]+ in one second\) without a 429 or 503: accepted [\d,]+, refused [\d,]+ \(4xx\), failed [\d,]+ \(seed \d+\)\n/,
  );
  expect(error.message).toContain(`replay: CHAINLAB_SEED=${cluster.seed}`);
}, 150_000);
