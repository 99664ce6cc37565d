/**
 * Scenario 15, wallet balance verification: after a run of random transfers, the total
 * supply equals genesis on every node, and every wallet's balance and nonce equal the
 * replay of its included txs from the workload's own history (what it sent and received),
 * checked against each node's state at its final height.
 *
 * CI profile: 15 s of transfers at 10 tx/s. `CHAINLAB_PROFILE=full`: 60 s.
 */

import { createClusterTest, facetClient, transactions } from 'chainlab/vitest';
import { expect } from 'vitest';
import { scenarioProfile } from './profile.ts';

const profile = scenarioProfile();

const test = createClusterTest({
  validators: 3,
  executors: 1,
  wallets: 30,
  ...profile.cluster,
  name: 'wallet-balances',
});

test('supply is conserved and every wallet balance equals the replay of its included txs', {
  timeout: profile.timeout(profile.balancesMs),
}, async ({ cluster, background }) => {
  const load = await background(transactions({ rate: 10, users: 20, durationMs: profile.balancesMs }));
  await load.done;
  await load.stop();
  const blockMs = profile.slots.slotMs / profile.slots.activeSlotCoeff;
  // Once every tx is final, each node's state at its final height holds all of them.
  await expect(cluster).toIncludeAll(load, {
    final: true,
    within: (profile.slots.securityParam + 20) * blockMs,
  });
  await expect(cluster).toConserveSupply();

  // The replay from the workload's own record: genesis, minus what each wallet sent
  // (amount + fee), plus what it received.
  const genesis = cluster.facts.initialBalances ?? {};
  const expected = new Map(
    cluster.wallets.map((w) => [w.address, { balance: genesis[w.address]!, nonce: 0 }]),
  );
  const included = load.submitted().filter((t) => t.includedAt !== undefined);
  for (const t of included) {
    const from = expected.get(t.from!)!;
    from.balance -= t.amount! + t.fee!;
    from.nonce += 1;
    const to = expected.get(t.to!);
    if (to) to.balance += t.amount!;
  }
  for (const node of cluster.nodes) {
    const state = await facetClient(node.client, 'accounts', cluster.facts.adapter, 'this example').state();
    const wrong = [...expected].filter(([address, want]) => {
      const got = state.accounts[address] ?? { balance: 0n, nonce: 0 };
      return got.balance !== want.balance || got.nonce !== want.nonce;
    });
    expect(
      wrong.map(
        ([address, want]) =>
          `${address.slice(0, 8)}…: balance ${state.accounts[address]?.balance}, nonce ${state.accounts[address]?.nonce} ≠ replay balance ${want.balance}, nonce ${want.nonce}`,
      ),
      `balances on ${node.name} at final height ${state.height}`,
    ).toEqual([]);
  }
  console.log(
    `wallet balances (seed ${cluster.seed}): ${included.length} included transfers replayed over ${expected.size} wallets; ` +
      `every balance and nonce matches on ${cluster.nodes.length} nodes`,
  );
});
