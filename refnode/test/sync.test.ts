import { describe, expect, it } from 'vitest';
import { type RunningNode, waitFor, writeBook, writeGenesis } from './cluster.ts';

/** Status requests `node` made that failed or timed out so far. */
async function unansweredStatusRequests(node: RunningNode): Promise<number> {
  const made = (labels: Record<string, string>) =>
    node.metric('refnode_p2p_sync_requests_made_total', { kind: 'status', ...labels });
  return (await made({})) - (await made({ outcome: 'ok' }));
}

/** Status requests `node` makes over `windowMs`. */
async function statusRequestsOver(node: RunningNode, windowMs: number): Promise<number> {
  const made = () => node.metric('refnode_p2p_sync_requests_made_total', { kind: 'status' });
  const before = await made();
  await new Promise((ok) => setTimeout(ok, windowMs));
  return (await made()) - before;
}

describe('block sync', () => {
  it('a node following the chain live asks one peer a second for its tip; on a chain that stands still it asks every peer', async () => {
    // Two clusters of 4 validators side by side: one makes a block every ~0.5 s, so every
    // node follows it by gossip; the other wins a slot about once a minute, so its tip
    // stands still and no node counts as following. The lottery is a function of the keys and
    // the slot, both fixed by the seed: with `sync-still` the first winner is val-0 itself, at
    // slot 23, and a node's own block does not make it follow, so val-0 never does here.
    await using live = await writeGenesis({
      validators: 4,
      wallets: 4,
      slotMs: 250,
      activeSlotCoeff: 0.5,
      seed: 'sync-live',
    });
    await using still = await writeGenesis({
      validators: 4,
      wallets: 4,
      slotMs: 1000,
      activeSlotCoeff: 0.02,
      seed: 'sync-still',
    });
    const liveNodes = await Promise.all([0, 1, 2, 3].map((i) => live.start(i)));
    const stillNodes = await Promise.all([0, 1, 2, 3].map((i) => still.start(i)));
    await waitFor(
      async () => (await Promise.all(liveNodes.map((n) => n.info()))).every((i) => i.height >= 4),
      20_000,
      'the live cluster at height 4',
    );
    await waitFor(
      async () => (await Promise.all(stillNodes.map((n) => n.info()))).every((i) => i.peers === 3),
      20_000,
      'every node of the still cluster peered with the 3 others',
    );

    const windowMs = 5000;
    const [following, standing] = await Promise.all([
      statusRequestsOver(liveNodes[0]!, windowMs),
      statusRequestsOver(stillNodes[0]!, windowMs),
    ]);
    // One tick a second: one peer a tick when following, all 3 otherwise (a tick late on a
    // busy machine only lowers both counts, so the lower bound leaves room for it).
    expect(following, 'status requests of a node following the chain, over 5 s').toBeLessThanOrEqual(
      windowMs / 1000 + 2,
    );
    expect(
      standing,
      'status requests of a node on a chain that stands still, over 5 s',
    ).toBeGreaterThanOrEqual((2 * windowMs) / 1000);
  }, 60_000);

  it('a peer that never answers sync requests does not hold back catching up from the others', async () => {
    // Five validators; val-3 has the silent-sync bug: it reads sync requests and never answers,
    // so each one waits out the asker's request timeout (10 s). val-4 starts late knowing only
    // val-3 (2/5 of the stake: it does not propose) and stays at height 0: gossip brings it
    // blocks whose parents it lacks. Then its peers file gains the three others. Their answers
    // must count as they come: waited for together with val-3's, they came after the timeout,
    // and meanwhile val-4, seeing the whole stake and no height ahead, proposed on its stale tip
    // (with k = 3 it could finalize that branch and never rejoin).
    await using set = await writeGenesis({
      validators: 5,
      wallets: 1,
      slotMs: 250,
      activeSlotCoeff: 0.5,
      securityParam: 3,
      seed: 'sync-silent-peer',
    });
    const entries = [0, 1, 2, 3, 4].map((i) => set.directEntry(i));
    const early = [0, 1, 2, 3];
    for (const i of early)
      writeBook(
        set.bookPath(`val-${i}`),
        early.filter((j) => j !== i).map((j) => entries[j]!),
      );
    writeBook(set.bookPath('val-4'), [entries[3]!]);
    const run = (i: number, bugs: string[] = []) => [
      '--peers=',
      '--peers-file',
      set.bookPath(`val-${i}`),
      ...bugs.flatMap((bug) => ['--bug', bug]),
    ];
    const [reference] = await Promise.all([
      set.start(0, run(0)),
      set.start(1, run(1)),
      set.start(2, run(2)),
      set.start(3, run(3, ['silent-sync'])),
    ]);
    await waitFor(async () => (await reference.info()).height >= 6, 30_000, 'the first four at height 6');

    const late = await set.start(4, run(4));
    await waitFor(async () => (await late.info()).peers === 1, 20_000, 'val-4 connected to val-3');
    // The fault holds: one sync tick later, val-4 has learned nothing from val-3.
    await new Promise((ok) => setTimeout(ok, 1500));
    expect((await late.info()).height, 'val-4 with only the silent peer').toBe(0);
    expect(await unansweredStatusRequests(late), 'status requests val-3 left unanswered so far').toBe(0);

    writeBook(set.bookPath('val-4'), entries.slice(0, 4));
    const target = (await reference.info()).height;
    await waitFor(
      async () => (await late.info()).height >= target,
      30_000,
      `val-4 at the others' height ${target}`,
    );
    // Caught up while its first request to val-3 (sent on connect) was still waiting: no
    // status request of val-4 had failed yet.
    expect(
      await unansweredStatusRequests(late),
      'status requests of val-4 that had failed when it caught up',
    ).toBe(0);

    // And on the others' chain: its final block is theirs.
    const final = await waitFor(
      async () => {
        const info = await late.info();
        return info.finalizedHeight >= target ? info : undefined;
      },
      30_000,
      `val-4 final at height ${target}`,
    );
    expect(
      await reference.blockHashAt(final.finalizedHeight),
      "the others' block at val-4's final height",
    ).toBe(final.finalizedTip);
  }, 90_000);
});
