import { describe, expect, it } from 'vitest';
import { waitFor, writeGenesis } from './cluster.ts';

describe('two groups started apart', () => {
  it('converge on one chain once connected, without reverting a final block', async () => {
    await using set = await writeGenesis({ validators: 4, wallets: 2, slotMs: 200, securityParam: 16 });
    const addr = (i: number) =>
      set.config((i + 1) % 4).p2p.peers.find((p) => p.includes(`/tcp/${set.config(i).p2p.port}/`))!;
    // Group A = val-0, val-1; group B = val-2, val-3; each group only knows its own members.
    const a = await Promise.all([set.start(0, ['--peers', addr(1)]), set.start(1, ['--peers', addr(0)])]);
    const b = await Promise.all([set.start(2, ['--peers', addr(3)]), set.start(3, ['--peers', addr(2)])]);
    await waitFor(
      async () => (await Promise.all([...a, ...b].map((n) => n.info()))).every((i) => i.height >= 2),
      15_000,
      'both groups to build',
    );
    const [infoA, infoB] = await Promise.all([a[0]!.info(), b[0]!.info()]);
    expect(infoA.peers).toBe(1);
    expect(infoB.peers).toBe(1);
    // Apart, the groups built different chains.
    const heightBoth = Math.min(infoA.height, infoB.height);
    const [blockA, blockB] = await Promise.all([
      a[0]!.get(`/blocks?from=1&to=${heightBoth}`),
      b[0]!.get(`/blocks?from=1&to=${heightBoth}`),
    ]);
    expect(blockA.body.blocks[0].hash).not.toBe(blockB.body.blocks[0].hash);
    // Precondition: group B has nothing final yet (else its chain could never yield to A's).
    expect((await b[1]!.info()).finalizedHeight).toBe(0);
    const finalBefore = await Promise.all([...a, ...b].map(async (n) => ({ node: n, info: await n.info() })));

    // Connect: restart val-2 with every other node as a peer (the link between the groups).
    await b[0]!.kill('SIGTERM');
    const bridge = await set.start(2, ['--peers', [0, 1, 3].map(addr).join(',')]);
    const all = [a[0]!, a[1]!, bridge, b[1]!];
    await waitFor(
      async () => {
        const infos = await Promise.all(all.map((n) => n.info()));
        const final = Math.min(...infos.map((i) => i.finalizedHeight));
        if (final < 3) return false;
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
      const current = node === b[0] ? bridge : node;
      const block = (await current.get(`/blocks?from=${info.finalizedHeight}&to=${info.finalizedHeight}`))
        .body.blocks[0];
      expect(block.hash).toBe(info.finalizedTip);
    }
    for (const node of all) expect((await node.get('/supply')).body.supply).toBe(set.genesis.totalSupply);
  });
});
