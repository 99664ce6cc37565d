import { describe, expect, test } from 'vitest';
import { type SimulatedNode, simulateHistory } from '../../test/fixtures/simulated-history.ts';
import { checkSyncJoiners, syncJoinersFailure, syncJoinersNegated } from './to-sync-joiners.ts';
import './vitest.ts';

const genesisNodes: SimulatedNode[] = [{ name: 'val-0' }, { name: 'val-1' }, { name: 'val-2' }];
/**
 * A node that joins at 20 s and syncs `lagBlocks` blocks (400 ms each) behind the chain, so
 * it reaches the final height of its join time about `lagBlocks · 0.4 s` later; without
 * `lagBlocks` it never answers.
 */
const joiner = (name: string, lagBlocks?: number): SimulatedNode => ({
  name,
  role: 'executor',
  joinAt: 20_000,
  ...(lagBlocks === undefined ? { crashAt: 20_000 } : { lagBlocks }),
});

describe('checkSyncJoiners on recorded histories', () => {
  test('a joiner that catches up within the bound passes', () => {
    const rec = simulateHistory({ durationMs: 40_000, nodes: [...genesisNodes, joiner('exe-0', 15)] });
    const v = checkSyncJoiners(rec, { within: 10_000 }, rec.now());
    expect(v.kind).toBe('synced');
    expect(v.joiners).toMatchObject([{ node: 'exe-0', joinedAt: 20_000, target: 46, targetNode: 'val-0' }]);
    expect(v.joiners[0]!.reachedAt).toBe(25_615);
    expect(syncJoinersNegated(v, rec.seed)).toMatchInlineSnapshot(
      `"expected joining nodes not to reach the cluster's final height in time, but exe-0 reached 46 5.6s after joining (seed 913)"`,
    );
  });

  test('a joiner that syncs too late is named with its target, its height and the window', () => {
    const rec = simulateHistory({
      durationMs: 40_000,
      nodes: [...genesisNodes, joiner('exe-0', 15), joiner('exe-1', 40)],
    });
    const v = checkSyncJoiners(rec, { within: 10_000 }, rec.now());
    expect(v).toMatchObject({ kind: 'behind', behind: [{ node: 'exe-1', target: 46, deadline: 30_000 }] });
    expect(syncJoinersFailure(v, rec.seed, { from: 0, to: 40_000 })).toMatchInlineSnapshot(`
      "expected joining node exe-1 to reach the cluster's final height 46 (val-0's when it joined at t=20.0s) by t=30.0s (within 10.0s); its final height was 31 at t=30.0s (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('before its deadline a joiner still syncing is pending; a joiner that left is not judged', () => {
    const rec = simulateHistory({ durationMs: 40_000, nodes: [...genesisNodes, joiner('exe-0')] });
    expect(checkSyncJoiners(rec, { within: 10_000 }, 25_000)).toMatchObject({
      kind: 'pending',
      pending: ['exe-0'],
    });
    const gone = simulateHistory({
      durationMs: 40_000,
      nodes: [...genesisNodes, { ...joiner('exe-0'), leaveAt: 24_000 }, joiner('exe-1', 5)],
    });
    const v = checkSyncJoiners(gone, { within: 10_000 }, gone.now());
    expect(v.kind).toBe('synced');
    expect(v.joiners.map((j) => `${j.node}:${j.left}`)).toEqual(['exe-0:true', 'exe-1:false']);
  });

  test('a node the membership marked as joining is judged even when it joined in the first second', () => {
    const early = { ...joiner('exe-0', 15), joinAt: 500 };
    const rec = simulateHistory({ durationMs: 20_000, nodes: [...genesisNodes, early] });
    // Without the cluster's mark, a node seen within a second of the first is a starting one.
    expect(checkSyncJoiners(rec, { within: 10_000 }, rec.now()).kind).toBe('no-joiners');
    rec.mark('membership', 'join(exe-0)');
    expect(checkSyncJoiners(rec, { within: 10_000 }, rec.now()).joiners.map((j) => j.node)).toEqual([
      'exe-0',
    ]);
  });

  test('a run where nobody joined fails rather than passing vacuously', () => {
    const rec = simulateHistory({ durationMs: 20_000, nodes: genesisNodes });
    const v = checkSyncJoiners(rec, {}, rec.now());
    expect(v.kind).toBe('no-joiners');
    expect(syncJoinersFailure(v, rec.seed, { from: 0, to: 20_000 })).toMatchInlineSnapshot(`
      "expected a node to join the cluster between t=0.0s and t=20.0s; none did (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('the matcher judges a recording and is .not-aware', async () => {
    const synced = simulateHistory({ durationMs: 40_000, nodes: [...genesisNodes, joiner('exe-0', 15)] });
    await expect(synced).toSyncJoiners({ within: 10_000 });
    const late = simulateHistory({ durationMs: 40_000, nodes: [...genesisNodes, joiner('exe-0', 40)] });
    await expect(late).not.toSyncJoiners({ within: 10_000 });
    await expect(expect(late).toSyncJoiners({ within: 10_000 })).rejects.toThrow(
      /expected joining node exe-0/,
    );
    await expect(expect(late).toSyncJoiners({ within: -1 })).rejects.toThrow(/within/);
  });
});
