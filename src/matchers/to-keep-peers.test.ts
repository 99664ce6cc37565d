import { describe, expect, test } from 'vitest';
import { simulateHistory } from '../../test/fixtures/simulated-history.ts';
import type { Recording } from '../observe/recording.ts';
import { checkKeepPeers, keepPeersFailure, keepPeersNegated } from './to-keep-peers.ts';
import './vitest.ts';

/** Sets `node`'s sampled peer count to `peers` from `from` to `to` (what an isolated node reports). */
function isolate(rec: Recording, node: string, from: number, to: number, peers = 0): Recording {
  for (const s of rec.samples)
    if (s.node === node && s.at >= from && s.at <= to && s.info) s.info.peers = peers;
  return rec;
}

const nodes = [{ name: 'val-0' }, { name: 'val-1' }, { name: 'val-2' }];

describe('checkKeepPeers on recorded histories', () => {
  test('every node connected to the others passes, naming the fewest peers each had', () => {
    const rec = simulateHistory({ durationMs: 20_000, nodes });
    const v = checkKeepPeers(rec, { atLeast: 2 }, { from: 0, to: 20_000 });
    expect(v.kind).toBe('kept');
    expect(keepPeersNegated(v, rec.seed)).toMatchInlineSnapshot(
      `"expected some node to lose its peers between t=0.0s and t=20.0s, but every present node kept them (fewest: val-0 ≥ 2, val-1 ≥ 2, val-2 ≥ 2) (seed 913)"`,
    );
  });

  test('a node without peers for longer than the window is named with the span', () => {
    const rec = isolate(simulateHistory({ durationMs: 30_000, nodes }), 'val-1', 12_000, 30_000);
    const v = checkKeepPeers(rec, { within: 5000 }, { from: 0, to: 30_000 });
    expect(v).toMatchObject({ kind: 'too-few-peers', node: 'val-1', peers: 0, needed: 1, since: 12_000 });
    expect(keepPeersFailure(v, rec.seed)).toMatchInlineSnapshot(`
      "expected node val-1 to stay connected to at least 1 present peer between t=0.0s and t=30.0s (short for at most 5.0s); it had 0 from t=12.0s on (18.0s) (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('a short dip, and a node that just joined, are within the window', () => {
    const dip = isolate(simulateHistory({ durationMs: 30_000, nodes }), 'val-1', 12_000, 15_000);
    expect(checkKeepPeers(dip, { within: 5000 }, { from: 0, to: 30_000 }).kind).toBe('kept');
    const joined = isolate(
      simulateHistory({
        durationMs: 30_000,
        nodes: [...nodes, { name: 'exe-0', role: 'executor', joinAt: 20_000 }],
      }),
      'exe-0',
      20_000,
      24_000,
    );
    expect(checkKeepPeers(joined, { within: 5000 }, { from: 0, to: 30_000 }).kind).toBe('kept');
  });

  test('the bound shrinks to the nodes present: a lone survivor needs no peers', () => {
    const rec = isolate(
      simulateHistory({
        durationMs: 30_000,
        nodes: [{ name: 'val-0' }, { name: 'val-1', leaveAt: 10_000 }],
      }),
      'val-0',
      10_000,
      30_000,
    );
    expect(checkKeepPeers(rec, { atLeast: 1, within: 2000 }, { from: 0, to: 30_000 }).kind).toBe('kept');
  });

  test('the matcher is .not-aware', async () => {
    const bad = isolate(simulateHistory({ durationMs: 30_000, nodes }), 'val-2', 5000, 30_000);
    await expect(bad).not.toKeepPeers({ within: 5000, since: 0 });
    await expect(expect(bad).toKeepPeers({ within: 5000, since: 0 })).rejects.toThrow(/expected node val-2/);
  });
});
