/**
 * Scenario 7, invalid transaction fuzzing: fast-check generates invalid txs of every kind
 * (bad or foreign signatures, stale and far-future nonces, unaffordable, zero, negative and
 * overflowing amounts, malformed encodings, oversized txs and bodies past the node's body
 * limit, another chain's id, duplicates, too-low fees) while valid load runs, spread over
 * every node. Each must be refused with its reason, none may ever reach a block, and the
 * cluster stays live. A failure prints fast-check's shrunk counterexample with the seed and
 * path that replay it; a run cut short fails too (`toRejectWith` counts runs done against
 * runs planned). Then the same with every node's mempool full (a valid tx it has no room for
 * is refused `mempool_full`), and double-spend races: two valid txs spending the same nonce,
 * sent to two nodes at once; exactly one of each is included on every node and the balances
 * replay.
 *
 * CI profile: 1,000 txs beside 10 tx/s of valid load, 300 against full mempools, 40 races.
 * `CHAINLAB_PROFILE=full`: 100,000 beside 20 tx/s (six fast-check runs in parallel), 10,000
 * against full mempools, 500 races.
 */

import { createClusterTest, doubleSpends, invalidTxs, transactions } from 'chainlab/vitest';
import { expect } from 'vitest';
import { scenarioProfile } from './profile.ts';

const profile = scenarioProfile();
const full = profile.name === 'full';
const lanes = full ? 6 : 1;

const test = createClusterTest({
  validators: 3,
  wallets: 16,
  // Small enough that four spare wallets fill it with txs that can never be included.
  mempool: { maxCount: 256 },
  ...profile.slots,
  name: 'invalid-tx-fuzzing',
});

test(
  'every invalid tx is rejected with its reason and never included, while valid load keeps flowing',
  async ({ cluster, background }) => {
    const since = cluster.recording.now();
    const valid = await background(
      transactions({ rate: full ? 20 : 10, users: 8, targets: 'all', name: 'valid-load' }),
    );
    const fuzz = await background(invalidTxs({ count: full ? 100_000 : 1000, concurrency: lanes }));

    await expect(cluster).toRejectWith(fuzz);
    await expect(cluster).toNeverInclude(fuzz, { for: 3000 });

    await valid.stop();
    expect(valid.submitted().length).toBeGreaterThan(0);
    await expect(cluster).toIncludeAll(valid, { within: 15_000 });
    await expect(cluster).toStayLive({ since });
    await expect(cluster).toConserveSupply();
  },
  profile.timeout(full ? 1_800_000 : 60_000),
);

test(
  'with every mempool full, a valid tx without room is refused mempool_full and nothing invalid gets in',
  async ({ cluster, background }) => {
    const since = cluster.recording.now();
    const fuzz = await background(
      invalidTxs({ count: full ? 10_000 : 300, fullMempool: true, concurrency: lanes, name: 'full-mempool' }),
    );

    await expect(cluster).toRejectWith(fuzz);
    await expect(cluster).toNeverInclude(fuzz, { for: 3000 });
    await expect(cluster).toStayLive({ since });
    // The fillers were released when the run ended: they drain into blocks, leaving every
    // mempool empty (the next test races txs into them), and replay.
    const mempoolSizes = () => Promise.all(cluster.nodes.map(async (n) => (await n.client.mempool!()).size));
    await expect.poll(mempoolSizes, { timeout: 20_000 }).toEqual(cluster.nodes.map(() => 0));
    await expect(cluster).toConverge({ within: 20_000 });
    await expect(cluster).toConserveSupply();
  },
  profile.timeout(full ? 600_000 : 60_000),
);

test(
  'double spends raced to two nodes at once: exactly one of each is included everywhere, and balances replay',
  async ({ cluster, background }) => {
    const races = await background(doubleSpends({ pairs: full ? 500 : 40, rate: 5 }));
    await races.done;

    await expect(cluster).toIncludeOneOfEach(races, { within: 20_000 });
    await expect(cluster).toConverge({ within: 20_000 });
    await expect(cluster).toConserveSupply();
  },
  profile.timeout(full ? 180_000 : 30_000),
);
