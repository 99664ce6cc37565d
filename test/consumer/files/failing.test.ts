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
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a chain whose proposers mint conserves supply', async () => {
  // Supply is judged at the final height: wait until minted blocks are final on every node.
  for (const node of env.cluster.nodes) {
    while (((await env.cluster.client(node.name).info()).finalizedHeight ?? 0) < 2) await sleep(200);
  }
  await expect(env.cluster).toConserveSupply();
});
