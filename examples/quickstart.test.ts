// The README's example, run as a test: a cluster from the fixture, load in the background, verdicts.

import { createClusterTest, transactions } from 'chainlab/vitest';
import { expect } from 'vitest';

const test = createClusterTest({ validators: 4, executors: 2, wallets: 50, slotMs: 200 });

test('stays live, includes every tx and conserves supply under load', async ({ cluster, background }) => {
  const load = await background(transactions({ rate: 20, users: 10 }));
  await expect(cluster).toStayLive({ for: 10_000 });
  await load.stop();
  await expect(cluster).toIncludeAll(load, { within: 15_000 });
  await expect(cluster).toConserveSupply();
});
