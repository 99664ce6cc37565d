/**
 * The emission rule against a real chain across four halvings (regtest halves every
 * 150 blocks): litecoind's UTXO-set total equals the sum of subsidies at every height
 * checked. Mining past block 432 also proves MWEB stays off (once active, regtest could
 * not mine without a peg-in).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RegtestNodes, startRegtestNodes } from '../../../test/litecoind/regtest-nodes.ts';
import { blockSubsidy, emittedSupply } from './emission.ts';

describe('litecoind emission', () => {
  let net: RegtestNodes;

  beforeAll(async () => {
    net = await startRegtestNodes(1);
  });
  afterAll(async () => {
    await net?.[Symbol.asyncDispose]();
  });

  it('matches gettxoutsetinfo at and around each halving, past where MWEB would activate', async () => {
    const { client } = net.nodes[0]!;
    await client.rpc.call('createwallet', { wallet_name: 'm' });
    const address = String(await client.rpc.call('getnewaddress', [], { wallet: 'm' }));
    let height = 0;
    for (const target of [1, 149, 150, 151, 299, 300, 450, 600]) {
      await client.generateToAddress(target - height, address, { timeoutMs: 30_000 });
      height = target;
      const utxo = await client.utxoTotal();
      expect(utxo.height).toBe(target);
      expect(utxo.total, `height ${target}`).toBe(emittedSupply(target));
    }
    // the coinbase of block 450 claims 50 LTC >> 3
    const block = await client.block(String(await client.rpc.call('getblockhash', [450])));
    const coinbase = (await client.rpc.call('getrawtransaction', [block!.txIds[0], true])) as {
      vout: { value: { text: string } }[];
    };
    expect(coinbase.vout[0]!.value.text).toBe('6.25000000');
    expect(blockSubsidy(450)).toBe(625_000_000n);
  });
});
