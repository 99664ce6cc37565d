/**
 * Waiting for a common tip on real litecoind nodes: two nodes that each mined a block at the
 * same height while apart stay tied after they reconnect (each keeps the block it saw first),
 * so the wait lasts to its deadline, unless it is told where to mine the block that breaks
 * the tie.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RegtestNode,
  type RegtestNodes,
  startRegtestNodes,
} from '../../../test/litecoind/regtest-nodes.ts';
import { AdapterError } from '../../support/errors.ts';
import { waitForSameTip } from './sync.ts';

describe('litecoind waitForSameTip', () => {
  let net: RegtestNodes;
  let address = '';
  let other = '';

  beforeAll(async () => {
    net = await startRegtestNodes(2);
    const [first] = net.nodes;
    await first!.client.rpc.call('createwallet', { wallet_name: 'miner' });
    address = String(await first!.client.rpc.call('getnewaddress', [], { wallet: 'miner' }));
    other = String(await first!.client.rpc.call('getnewaddress', [], { wallet: 'miner' }));
    await first!.client.generateToAddress(1, address);
    await waitForSameTip(net.nodes, { timeoutMs: 10_000 });
  });
  afterAll(async () => {
    await net?.[Symbol.asyncDispose]();
  });

  it('waits out a tie to its deadline, and breaks it by mining one block where told', async () => {
    const [ltc0, ltc1] = net.nodes as [RegtestNode, RegtestNode];
    const setActive = (active: boolean) =>
      Promise.all(net.nodes.map((n) => n.client.rpc.call('setnetworkactive', [active])));
    await setActive(false);
    await expect
      .poll(async () => (await Promise.all(net.nodes.map((n) => n.client.peers()))).flat().length, {
        timeout: 10_000,
      })
      .toBe(0);
    // Different payees: the same one on the same parent in the same second is the same block.
    const [own0] = await ltc0.client.generateToAddress(1, address);
    const [own1] = await ltc1.client.generateToAddress(1, other);
    expect(own0).not.toBe(own1);
    await setActive(true);
    const connected = async () =>
      (await Promise.all(net.nodes.map(async (n) => (await n.client.peers()).length))).every((c) => c > 0);
    await expect.poll(connected, { timeout: 15_000 }).toBe(true);
    // Each has the other's block now, and keeps its own: a tie at height 2.
    for (const [node, theirs] of [
      [ltc0, own1],
      [ltc1, own0],
    ] as const)
      await expect
        .poll(async () => (await node.client.block(theirs!))?.hash, { timeout: 10_000 })
        .toBe(theirs);
    expect([(await ltc0.client.tip()).hash, (await ltc1.client.tip()).hash]).toEqual([own0, own1]);

    const tied = await waitForSameTip(net.nodes, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(AdapterError.is(tied) && tied.message).toBe(
      `litecoind adapter: not within 2000 ms: same tip on every node (last seen ltc-0=2/${own0!.slice(0, 8)} ltc-1=2/${own1!.slice(0, 8)})`,
    );

    const tip = await waitForSameTip(net.nodes, {
      timeoutMs: 10_000,
      breakTies: { node: ltc1, address },
    });
    expect(tip.height).toBe(3);
    expect((await ltc0.client.block(tip.hash))?.parent).toBe(own1);
    expect((await ltc0.client.blocks(2, 2)).map((b) => b.hash)).toEqual([own1]);
  });
});
