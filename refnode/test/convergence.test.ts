import { describe, expect, it } from 'vitest';
import { waitFor, writeGenesis } from './cluster.ts';

describe('two groups started apart', () => {
  it('the majority builds, the minority stalls, and once connected all converge without reverting a final block', async () => {
    await using set = await writeGenesis({ validators: 4, wallets: 2, slotMs: 200, securityParam: 5 });
    const addr = (i: number) =>
      set.config((i + 1) % 4).p2p.peers.find((p) => p.includes(`/tcp/${set.config(i).p2p.port}/`))!;
    // Majority A = val-0..val-2 (3/4 of the stake), minority B = val-3 alone; each knows only its own group.
    const a = await Promise.all([
      set.start(0, ['--peers', [1, 2].map(addr).join(',')]),
      set.start(1, ['--peers', [0, 2].map(addr).join(',')]),
      set.start(2, ['--peers', [0, 1].map(addr).join(',')]),
    ]);
    const lone = await set.start(3, ['--peers=']); // no peer at all
    await waitFor(
      async () => (await Promise.all(a.map((n) => n.info()))).every((i) => i.finalizedHeight >= 3),
      30_000,
      'the majority to finalize',
    );
    // A validator that sees less than half of the stake never proposes: nothing to revert later.
    const loneApart = await lone.info();
    expect(loneApart.peers).toBe(0);
    expect(loneApart.height).toBe(0);
    const finalBefore = await Promise.all(a.map(async (node) => ({ node, info: await node.info() })));

    // Connect: restart val-3 with every other node as a peer.
    await lone.kill('SIGTERM');
    const joined = await set.start(3, ['--peers', [0, 1, 2].map(addr).join(',')]);
    const all = [...a, joined];
    await waitFor(
      async () => {
        const infos = await Promise.all(all.map((n) => n.info()));
        const final = Math.min(...infos.map((i) => i.finalizedHeight));
        if (final < finalBefore[0]!.info.finalizedHeight) return false;
        const hashes = await Promise.all(
          all.map(async (n) => (await n.get(`/blocks?from=${final}&to=${final}`)).body.blocks[0]?.hash),
        );
        return new Set(hashes).size === 1;
      },
      40_000,
      'one final chain on all four',
    );
    // No node reverted a block that was final for it before the connection.
    for (const { node, info } of finalBefore) {
      const block = (await node.get(`/blocks?from=${info.finalizedHeight}&to=${info.finalizedHeight}`)).body
        .blocks[0];
      expect(block.hash).toBe(info.finalizedTip);
    }
    for (const node of all) expect((await node.get('/supply')).body.supply).toBe(set.genesis.totalSupply);
  });
});
