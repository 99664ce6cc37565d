/**
 * Scenario 5, mempool divergence and convergence: every validator gets its own batch at
 * the same moment (disjoint txs from disjoint wallets, then the same txs in a different
 * order per validator), so the mempools start out different while normal load keeps
 * running. Within a short window every tx must be pending or included on every node — the
 * mempools converged — and in the end every tx is included: nothing is dropped.
 *
 * CI profile: 150 txs per validator, 5 tx/s of normal load. `CHAINLAB_PROFILE=full`:
 * 1,500 per validator beside 20 tx/s.
 */

import { createClusterTest, divergence, transactions } from 'chainlab/vitest';
import { expect } from 'vitest';
import { scenarioProfile } from './profile.ts';

const profile = scenarioProfile();
const full = profile.name === 'full';
const perValidator = full ? 1500 : 150;

const test = createClusterTest({
  validators: 3,
  wallets: full ? 160 : 24,
  ...profile.slots,
  maxBlockTxs: full ? 200 : 40,
  name: 'mempool-divergence',
});

test(
  'disjoint batches per validator converge and are all included while normal load runs',
  async ({ cluster, background }) => {
    const since = cluster.recording.now();
    const normal = await background(transactions({ rate: full ? 20 : 5, users: 4, name: 'normal-load' }));
    const split = await background(divergence({ batches: perValidator, order: 'disjoint' }));
    await split.done;
    expect(Object.values(split.batches).map((ids) => ids.length)).toEqual([
      perValidator,
      perValidator,
      perValidator,
    ]);

    await expect(cluster).toConvergeMempools(split, { within: full ? 15_000 : 5000 });
    await expect(cluster).toIncludeAll(split, { within: full ? 90_000 : 30_000 });
    await normal.stop();
    await expect(cluster).toIncludeAll(normal, { within: 15_000 });
    await expect(cluster).toStayLive({ since });
  },
  profile.timeout(full ? 240_000 : 60_000),
);

test(
  'the same batch in a different order per validator converges',
  async ({ cluster, background }) => {
    const shuffled = await background(
      divergence({ batches: perValidator, order: 'shuffled', name: 'shuffled' }),
    );
    await shuffled.done;
    await expect(cluster).toConvergeMempools(shuffled, { within: full ? 15_000 : 5000 });
    await expect(cluster).toIncludeAll(shuffled, { within: full ? 90_000 : 30_000 });
    await expect(cluster).toConverge();
    await expect(cluster).toConserveSupply();
  },
  profile.timeout(full ? 240_000 : 60_000),
);
