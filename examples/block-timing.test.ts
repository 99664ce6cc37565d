/**
 * Scenario 12, block timing consistency: under light load, the chain's mean block
 * interval, read from the blocks' slot times on the block feed, stays within
 * slot_duration / f ± 25%, and no gap between blocks exceeds what chance allows.
 *
 * CI profile: a 30 s window with 250 ms slots (f = 0.5, one block per 500 ms expected).
 * `CHAINLAB_PROFILE=full`: 120 s with 1 s slots.
 */

import { checkBlockIntervals } from 'chainlab/matchers';
import { createClusterTest, transactions } from 'chainlab/vitest';
import { expect } from 'vitest';
import { scenarioProfile } from './profile.ts';

const profile = scenarioProfile();

const test = createClusterTest({
  validators: 3,
  executors: 1,
  wallets: 10,
  ...profile.cluster,
  name: 'block-timing',
});

test('the mean block interval stays within slot_duration / f ± 25% with no long gap', {
  timeout: profile.timeout(profile.timingMs),
}, async ({ cluster, background }) => {
  const since = cluster.recording.now();
  await background(transactions({ rate: 5, users: 10 }));
  await expect(cluster).toKeepBlockIntervals({ tolerance: 0.25, since, for: profile.timingMs });

  const v = checkBlockIntervals(
    cluster.recording,
    { tolerance: 0.25 },
    { from: since, to: cluster.recording.now() },
  );
  console.log(
    `block timing (seed ${cluster.seed}): ${v.blocks} blocks in ${((v.window.to - v.window.from) / 1000).toFixed(1)} s on ${v.node}'s chain, ` +
      `mean interval ${Math.round(v.meanMs)} ms (expected ${v.bounds.expectedMs} ms, allowed ${Math.round(v.bounds.minMeanMs)}..${Math.round(v.bounds.maxMeanMs)} ms)`,
  );
  await expect(cluster).toStayLive({ since });
});
