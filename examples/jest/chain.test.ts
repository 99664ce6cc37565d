// The README's Jest example: one cluster for the file, load in the background, verdicts.

import { expect, test } from '@jest/globals';
import { transactions, useCluster } from 'chainlab/jest';

const env = useCluster({ validators: 3, wallets: 20, slotMs: 200 });

test('stays live, includes every tx and conserves supply under load', async () => {
  const load = await env.background(transactions({ rate: 10, users: 5 }));
  await expect(env.cluster).toStayLive({ for: 8000 });
  await load.stop();
  await expect(env.cluster).toIncludeAll(load, { within: 15_000 });
  await expect(env.cluster).toConserveSupply();
});
