import { describe, expect, it } from 'vitest';
import { waitFor, writeGenesis } from './cluster.ts';

describe('restart and SIGKILL', () => {
  it('a node stopped with SIGTERM and one killed with SIGKILL resume from disk, keep final blocks and catch up', async () => {
    // Five validators: with two down, the other three still hold a stake majority and keep going.
    await using set = await writeGenesis({ validators: 5, wallets: 4, slotMs: 200, securityParam: 4 });
    const nodes = await Promise.all([0, 1, 2, 3, 4].map((i) => set.start(i)));
    await waitFor(
      async () => (await Promise.all(nodes.map((n) => n.info()))).every((i) => i.finalizedHeight >= 4),
      20_000,
      'final height 4',
    );
    // Some txs so the replayed state is not trivial.
    for (let i = 0; i < 3; i++)
      expect((await nodes[0]!.post('/txs', set.tx(i, 3, { amount: 10 + i }))).status).toBe(202);
    await waitFor(
      async () =>
        (await nodes[3]!.get(`/accounts/${set.wallets[3]!.address}`)).body.balance ===
        set.wallets[3]!.balance + 33,
      10_000,
      'txs included',
    );

    const beforeStop = await nodes[1]!.info();
    const beforeKill = await nodes[2]!.info();
    expect(await nodes[1]!.kill('SIGTERM')).toBe(0);
    await nodes[2]!.kill('SIGKILL');
    // The rest keeps going while they are down.
    const othersBefore = (await nodes[0]!.info()).height;
    await waitFor(
      async () => (await nodes[0]!.info()).height >= othersBefore + 3,
      15_000,
      'progress while two are down',
    );

    const [restarted, killed] = await Promise.all([set.start(1), set.start(2)]);
    for (const [node, before] of [
      [restarted, beforeStop],
      [killed, beforeKill],
    ] as const) {
      const info = await node.info();
      // Straight from disk, before any sync: the final block is still there with the same hash.
      expect(info.finalizedHeight).toBeGreaterThanOrEqual(before.finalizedHeight);
      const block = (await node.get(`/blocks?from=${before.finalizedHeight}&to=${before.finalizedHeight}`))
        .body.blocks[0];
      expect(block.hash).toBe(before.finalizedTip);
    }
    // Both catch up: past the height the others had once both were back (judged by height
    // reached, not by the five heights being close at one moment, which is how fast blocks
    // travel), and they agree on the final chain.
    const others = await Promise.all([nodes[0]!, nodes[3]!, nodes[4]!].map((n) => n.info()));
    const target = Math.max(othersBefore + 3, ...others.map((i) => i.height)) + 2;
    await waitFor(
      async () => {
        const heights = (await Promise.all([restarted, killed].map((n) => n.info()))).map((i) => i.height);
        if (heights.every((h) => h >= target)) return true;
        // Thrown, not returned: a timeout then names the heights last seen.
        throw new Error(`val-1 at ${heights[0]}, val-2 at ${heights[1]}; ${target} needed`);
      },
      20_000,
      'restarted nodes to catch up',
    );
    const final = Math.min(
      ...(await Promise.all([restarted, killed, nodes[0]!].map((n) => n.info()))).map(
        (i) => i.finalizedHeight,
      ),
    );
    const hashes = await Promise.all(
      [nodes[0]!, restarted, killed].map(
        async (n) => (await n.get(`/blocks?from=${final}&to=${final}`)).body.blocks[0].hash,
      ),
    );
    expect(new Set(hashes).size).toBe(1);
    expect((await killed.get(`/accounts/${set.wallets[3]!.address}`)).body.balance).toBe(
      set.wallets[3]!.balance + 33,
    );
    expect((await killed.get('/supply')).body.supply).toBe(set.genesis.totalSupply);
  });
});
