import { describe, expect, it } from 'vitest';
import { txId } from '../src/codec.ts';
import { waitFor, writeGenesis } from './cluster.ts';

describe('4-validator cluster', () => {
  it('produces blocks at about slotMs/f, includes a tx on all nodes (executor too), and agrees on final state', async () => {
    await using set = await writeGenesis({
      validators: 4,
      executors: 1,
      wallets: 10,
      slotMs: 200,
      activeSlotCoeff: 0.5,
      securityParam: 5,
    });
    const nodes = await Promise.all([0, 1, 2, 3, 4].map((i) => set.start(i)));
    await waitFor(
      async () => (await Promise.all(nodes.map((n) => n.info()))).every((info) => info.peers >= 4),
      15_000,
      'full mesh',
    );

    // Block rate: expected interval slotMs / f = 400 ms, from the slot timestamps on the chain.
    const startHeight = (await nodes[0]!.info()).height;
    await new Promise((ok) => setTimeout(ok, 8000));
    const endHeight = (await nodes[0]!.info()).height;
    const window = (await nodes[0]!.get(`/blocks?from=${startHeight}&to=${endHeight}`)).body.blocks as {
      timestamp: number;
    }[];
    expect(window.length).toBeGreaterThan(5);
    const intervalMs = (window.at(-1)!.timestamp - window[0]!.timestamp) / (window.length - 1);
    expect(intervalMs).toBeGreaterThan(400 * 0.5);
    expect(intervalMs).toBeLessThan(400 * 2);

    // A tx sent to one node is included and visible on all.
    const tx = set.tx(0, 1, { amount: 1234, fee: 7 });
    // Sent to the executor: it never proposes, so the tx must travel by gossip.
    const sent = await nodes[4]!.post('/txs', tx);
    expect(sent.status).toBe(202);
    expect(sent.body.id).toBe(txId(tx));
    for (const node of nodes) {
      await waitFor(
        async () => (await node.get(`/txs/${txId(tx)}`)).body.status === 'included',
        10_000,
        `tx on ${node.ready.nodeId}`,
      );
      const account = await node.get(`/accounts/${set.wallets[1]!.address}`);
      expect(account.body.balance).toBe(set.wallets[1]!.balance + 1234);
      const sender = await node.get(`/accounts/${set.wallets[0]!.address}`);
      expect(sender.body).toEqual({ balance: set.wallets[0]!.balance - 1234 - 7, nonce: 1 });
    }

    // State roots agree at final heights, and supply is conserved there.
    const infos = await Promise.all(nodes.map((n) => n.info()));
    const final = Math.min(...infos.map((info) => info.finalizedHeight));
    expect(final).toBeGreaterThan(5);
    const views = await Promise.all(nodes.map((n) => n.get(`/blocks?from=${final - 5}&to=${final}`)));
    const reference = views[0]!.body.blocks.map(
      (b: { hash: string; stateRoot: string }) => `${b.hash}:${b.stateRoot}`,
    );
    expect(reference).toHaveLength(6);
    for (const view of views)
      expect(
        view.body.blocks.map((b: { hash: string; stateRoot: string }) => `${b.hash}:${b.stateRoot}`),
      ).toEqual(reference);
    for (const node of nodes) {
      const supply = await node.get(`/supply?height=${final}`);
      expect(supply.body.supply).toBe(set.genesis.totalSupply);
    }
    // Blocks came from more than one proposer, i.e. the lottery spreads over validators.
    const blocks = (await nodes[0]!.get(`/blocks?from=1&to=${final}`)).body.blocks as { proposer: string }[];
    expect(new Set(blocks.map((b) => b.proposer)).size).toBeGreaterThan(1);
    const executorKey = (await nodes[4]!.get('/info')).body.publicKey;
    expect(blocks.some((b) => b.proposer === executorKey)).toBe(false);
  });
});
