// Copied into the consumer project: a Jest test whose matcher fails on a really broken chain
// (both proposers mint a unit per block), so Jest's output must carry chainlab's message,
// the seed and the Jest replay command.
import { expect, test } from '@jest/globals';
import { useCluster } from 'chainlab/jest';

const minting = ['mint-on-propose'];
const env = useCluster({
  validators: 2,
  wallets: 4,
  slotMs: 200,
  bugs: { 'val-0': minting, 'val-1': minting },
});

test('a chain whose proposers mint conserves supply', async () => {
  await expect(env.cluster).toStayLive({ for: 3000 });
  await expect(env.cluster).toConserveSupply();
});
