/**
 * Scenario 7, invalid transaction fuzzing: fast-check generates invalid txs of every kind
 * (bad or foreign signatures, stale and far-future nonces, unaffordable, zero, negative and
 * overflowing amounts, malformed encodings, oversized bodies, another chain's id,
 * duplicates, too-low fees) while valid load runs. Each must be refused with its reason,
 * none may ever reach a block, and the cluster stays live. A failure prints fast-check's
 * shrunk counterexample with the seed and path that replay it.
 *
 * CI profile: 1,000 generated txs beside 10 tx/s of valid load. `CHAINLAB_PROFILE=full`:
 * 10,000 beside 20 tx/s.
 */

import { createClusterTest, invalidTxs, transactions } from 'chainlab/vitest';
import { expect } from 'vitest';
import { scenarioProfile } from './profile.ts';

const profile = scenarioProfile();
const full = profile.name === 'full';

const test = createClusterTest({ validators: 3, wallets: 12, ...profile.slots, name: 'invalid-tx-fuzzing' });

test(
  'every invalid tx is rejected with its reason and never included, while valid load keeps flowing',
  async ({ cluster, background }) => {
    const since = cluster.recording.now();
    const valid = await background(
      transactions({ rate: full ? 20 : 10, users: 8, targets: 'all', name: 'valid-load' }),
    );
    const fuzz = await background(invalidTxs({ count: full ? 10_000 : 1000 }));

    const summary = await fuzz.done;
    expect(summary.numRuns).toBe(full ? 10_000 : 1000);
    await expect(cluster).toRejectWith(fuzz);
    await expect(cluster).toNeverInclude(fuzz, { for: 3000 });

    await valid.stop();
    expect(valid.submitted().length).toBeGreaterThan(0);
    await expect(cluster).toIncludeAll(valid, { within: 15_000 });
    await expect(cluster).toStayLive({ since });
    await expect(cluster).toConserveSupply();
  },
  profile.timeout(full ? 240_000 : 60_000),
);
