// toKeepFinality on recorded histories: a healthy run, a node that reverts a block it held
// final, two nodes finalizing different chains, and the depth rule of a proof-of-work chain.
import { describe, expect, test } from 'vitest';
import { simulateHistory } from '../../test/fixtures/simulated-history.ts';
import { Recording } from '../observe/recording.ts';
import { checkKeepFinality, keepFinalityFailure } from './to-keep-finality.ts';
import './vitest.ts';

const healthy = [{ name: 'val-0' }, { name: 'val-1' }, { name: 'val-2', lagBlocks: 3 }];
const OTHER = '9'.repeat(64);

/** A healthy history where `node` announced another block at `height` `afterMs` after holding it final. */
function withRevert(node: string, height: number, afterMs = 2500): Recording {
  const dump = simulateHistory({ durationMs: 30_000, nodes: healthy }).toDump();
  const claim = dump.finalized.find((f) => f.node === node && f.height === height)!;
  const original = dump.blocks.find((b) => b.height === height)!;
  return Recording.fromJSON({
    ...dump,
    blocks: [
      ...dump.blocks,
      { ...original, node, hash: OTHER, at: claim.at + afterMs, source: 'feed' as const },
    ].sort((a, b) => a.at - b.at),
  });
}

describe('checkKeepFinality', () => {
  test('nodes that finalize one chain keep finality', () => {
    const v = checkKeepFinality(simulateHistory({ durationMs: 30_000, nodes: healthy }));
    expect(v.kind).toBe('kept');
    expect(v).toMatchObject({ heights: { 'val-0': 71, 'val-1': 71, 'val-2': 68 } });
  });

  test('a node replacing a block it held final is a revert naming the node, the height and both blocks', () => {
    const v = checkKeepFinality(withRevert('val-1', 20));
    expect(v).toMatchObject({ kind: 'reverted', node: 'val-1', height: 20, later: { hash: OTHER } });
    expect(keepFinalityFailure(v, 913).split('\n')[0]).toMatch(
      /^expected val-1 never to revert a block it held final between t=0\.0s and t=30\.0s; at height 20 it held [0-9a-f]{8}… final from t=\d+\.\ds, then had 99999999… there at t=\d+\.\ds \(seed 913\)$/,
    );
    expect(keepFinalityFailure(v, 913).split('\n')[1]).toBe(
      'replay: CHAINLAB_SEED=913 npx vitest run <this file>',
    );
  });

  test('two nodes finalizing different chains conflict at the first height they differ', () => {
    const v = checkKeepFinality(
      simulateHistory({
        durationMs: 30_000,
        nodes: [{ name: 'val-0' }, { name: 'val-1' }, { name: 'val-2', forkRate: 0.5 }],
      }),
    );
    expect(v).toMatchObject({
      kind: 'conflict',
      height: 0,
      first: { node: 'val-0' },
      other: { node: 'val-2' },
    });
    expect(keepFinalityFailure(v, 913).split('\n')[0]).toMatch(
      /^expected every node to finalize the same block at each height between t=0\.0s and t=30\.0s; at height 0 val-0 held [0-9a-f]{8}… final from t=\d+\.\ds, val-2 held [0-9a-f]{8}… final from t=\d+\.\ds \(seed 913\)$/,
    );
  });

  test('under a depth rule a block is final once the announced tip is that deep above it', () => {
    const asPow = (rec: Recording, depth: number): Recording => {
      const d = rec.toDump();
      return Recording.fromJSON({
        ...d,
        facts: { ...d.facts, finality: { rule: 'depth', depth } },
        finalized: [],
        samples: [],
      });
    };
    // The simulated chain gets a block every 400 ms; the last one is at height 74.
    expect(
      checkKeepFinality(asPow(simulateHistory({ durationMs: 30_000, nodes: healthy }), 6)),
    ).toMatchObject({
      kind: 'kept',
      heights: { 'val-0': 68 },
    });
    // Replaced right after it became final under k = 3: a revert under depth 3 …
    expect(checkKeepFinality(asPow(withRevert('val-1', 20, 100), 3))).toMatchObject({
      kind: 'reverted',
      node: 'val-1',
      height: 20,
    });
    // … but not under depth 6, where the tip was not yet 6 blocks above it: val-1 then
    // builds on the new block and finalizes it, which differs from the other nodes.
    expect(checkKeepFinality(asPow(withRevert('val-1', 20, 100), 6))).toMatchObject({
      kind: 'conflict',
      height: 20,
      other: { node: 'val-1', hash: OTHER },
    });
  });
});

describe('toKeepFinality', () => {
  test('passes on a healthy history, fails on a revert, and is .not-aware', async () => {
    await expect(simulateHistory({ durationMs: 30_000, nodes: healthy })).toKeepFinality();
    await expect(withRevert('val-1', 20)).not.toKeepFinality();
    await expect(expect(withRevert('val-1', 20)).toKeepFinality()).rejects.toThrow(
      /expected val-1 never to revert a block it held final .* at height 20 it held [0-9a-f]{8}… final from t=\d+\.\ds, then had 99999999… there at t=\d+\.\ds \(seed 913\)/,
    );
    await expect(
      expect(simulateHistory({ durationMs: 30_000, nodes: healthy })).not.toKeepFinality(),
    ).rejects.toThrow(
      /^expected val-0, val-1 and val-2 to revert a final block between t=0\.0s and t=30\.0s, but every final block held/,
    );
  });
});
