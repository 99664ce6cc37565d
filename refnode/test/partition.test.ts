import { describe, expect, it } from 'vitest';
import { waitFor, writeBook, writeGenesis } from './cluster.ts';

describe('partition by address books', () => {
  it('with deep-reorg a node reverts its final blocks when it rejoins a longer chain; without it the node stays on its fork', async () => {
    // Five validators: val-2..4 (3/5 of the stake) keep producing; val-0 and val-1 are cut off
    // alone and produce anyway (no-stake-quorum), each finalizing a private chain (k = 3).
    await using set = await writeGenesis({ validators: 5, wallets: 2, slotMs: 200, securityParam: 3 });
    const entries = [0, 1, 2, 3, 4].map((i) => set.directEntry(i));
    const majority = [2, 3, 4];
    for (const i of majority)
      writeBook(
        set.bookPath(`val-${i}`),
        majority.filter((j) => j !== i).map((j) => entries[j]!),
      );
    writeBook(set.bookPath('val-0'), []);
    writeBook(set.bookPath('val-1'), []);
    const run = (i: number, bugs: string[]) => [
      '--peers=',
      '--peers-file',
      set.bookPath(`val-${i}`),
      ...bugs.flatMap((bug) => ['--bug', bug]),
    ];
    const [deep, stuck, ...honest] = await Promise.all([
      set.start(0, run(0, ['no-stake-quorum', 'deep-reorg'])),
      set.start(1, run(1, ['no-stake-quorum'])),
      ...majority.map((i) => set.start(i, run(i, []))),
    ]);
    const reference = honest[0]!;

    // Both loners finalize a private chain while the majority's chain grows longer.
    const split = await waitFor(
      async () => {
        const [d, s, r] = await Promise.all([deep!.info(), stuck!.info(), reference.info()]);
        return d.finalizedHeight >= 2 && s.finalizedHeight >= 2 && r.height > Math.max(d.height, s.height) + 3
          ? { d, s }
          : undefined;
      },
      60_000,
      'both loners to finalize and the majority to get ahead',
    );
    expect((await deep!.info()).peers).toBe(0);
    const deepFinal = { height: split.d.finalizedHeight, hash: split.d.finalizedTip };
    const stuckFinal = { height: split.s.finalizedHeight, hash: split.s.finalizedTip };
    expect(await reference.blockHashAt(deepFinal.height)).not.toBe(deepFinal.hash);
    expect(await reference.blockHashAt(stuckFinal.height)).not.toBe(stuckFinal.hash);

    // Heal: the loners' books now hold the majority.
    for (const i of [0, 1])
      writeBook(
        set.bookPath(`val-${i}`),
        majority.map((j) => entries[j]!),
      );
    await waitFor(
      async () => (await deep!.info()).finalBlocksReverted > 0,
      30_000,
      'the deep-reorg node to revert its final blocks',
    );
    expect(await deep!.blockHashAt(deepFinal.height)).toBe(await reference.blockHashAt(deepFinal.height));
    expect(await deep!.metric('refnode_final_blocks_reverted_total')).toBeGreaterThan(0);

    // The honest loner saw the same longer chain (it is connected) but keeps its final block.
    await waitFor(
      async () => (await stuck!.metric('refnode_p2p_sync_requests_made_total', { kind: 'blocks' })) >= 1,
      15_000,
      'the honest loner to ask the majority for its blocks',
    );
    const stuckNow = await stuck!.info();
    expect(await stuck!.blockHashAt(stuckFinal.height)).toBe(stuckFinal.hash);
    expect(stuckNow.finalBlocksReverted).toBe(0);
    expect(await reference.blockHashAt(stuckFinal.height)).not.toBe(stuckFinal.hash);
    for (const node of honest) expect((await node.info()).finalBlocksReverted).toBe(0);
  });
});
