/**
 * Scenario 14, API DoS/stress: while the normal transaction load runs, an API flood sends
 * valid reads, valid tx submissions, malformed and oversized bodies, unknown routes, slow
 * bodies and bursts to every validator as fast as its connections allow, for a bounded time.
 * A control probe — a low-rate client apart from the flood — measures what an ordinary user
 * sees. The nodes must rate-limit the flood (429), the probe must stay within its latency and
 * error bounds, no node may restart, and block production must be unaffected.
 *
 * The nodes' API limit is set low (30 requests/s per client, burst 60): below what even a
 * CPU-starved node serves a flood on a shared 2-core machine, above what the observer, the
 * tx load and the probe ask of it. The flood runs from its own loopback address, so it is one
 * client and the probe another. Its connections are bounded (4 per node) so it
 * stays a fair share of 2 cores.
 *
 * CI profile: a 10 s flood with 250 ms slots. `CHAINLAB_PROFILE=full`: 60 s with 1 s slots.
 */

import {
  apiFlood,
  controlProbe,
  createClusterTest,
  describeFloodOutcome,
  transactions,
} from 'chainlab/vitest';
import { expect } from 'vitest';
import { scenarioProfile } from './profile.ts';

const profile = scenarioProfile();
const floodMs = profile.name === 'full' ? 60_000 : 10_000;

const test = createClusterTest({
  validators: 3,
  wallets: 8,
  ...profile.cluster,
  apiLimits: { ratePerSecond: 30, burst: 60 },
  name: 'api-flood',
});

test('under an API flood nodes rate-limit it, stay responsive to an ordinary client and keep producing blocks', {
  timeout: profile.timeout(floodMs),
}, async ({ cluster, background }) => {
  const since = cluster.recording.now();
  await using probe = await controlProbe({ rate: 5 }).start(cluster);
  const load = await background(transactions({ rate: 10, users: 4 }));
  await using flood = await apiFlood({ qps: 'max', durationMs: floodMs, connections: 4 }).start(cluster);
  await flood.done;
  await probe.stop();
  await load.stop();
  console.log(`${describeFloodOutcome(flood.outcome())} (seed ${cluster.seed})`);

  await expect(cluster).toRateLimit(flood);
  await expect(cluster).toStayResponsive({ p99: 500, errorRate: 0.01, since });
  await expect(cluster).toKeepBlockIntervals({ tolerance: 0.25, since });
  await expect(cluster).toStayLive({ since });
  await expect(cluster).toIncludeAll(load, { within: 15_000 });
});
