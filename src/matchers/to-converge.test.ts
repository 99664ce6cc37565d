import { describe, expect, test } from 'vitest';
import { type SimulatedNode, simulateHistory } from '../../test/fixtures/simulated-history.ts';
import { checkConverge, convergenceFailure } from './to-converge.ts';
import './vitest.ts';

const healthy: SimulatedNode[] = [
  { name: 'val-0' },
  { name: 'val-1' },
  { name: 'val-2' },
  { name: 'exe-0', role: 'executor' },
];
const withNode = (name: string, change: Partial<SimulatedNode>): SimulatedNode[] =>
  healthy.map((n) => (n.name === name ? { ...n, ...change } : n));

describe('checkConverge on recorded histories', () => {
  test('a healthy cluster agrees on the final block and state root', () => {
    const rec = simulateHistory({ durationMs: 20_000, nodes: healthy });
    const v = checkConverge(rec, {});
    expect(v).toMatchObject({ kind: 'converged', height: 46 });
    if (v.kind !== 'converged') throw new Error('unreachable');
    expect(new Set(v.nodes.map((n) => n.hash))).toEqual(new Set([v.hash]));
  });

  test('a node on a different genesis diverges, and the message shows both sides', () => {
    // It stays within the spread because it produces at the same pace, on its own chain.
    const rec = simulateHistory({ durationMs: 20_000, nodes: withNode('val-2', { forkRate: 1 }) });
    const v = checkConverge(rec, {});
    expect(v).toMatchObject({ kind: 'diverged', height: 46 });
    expect(convergenceFailure(v, { from: 10_000, to: 20_000 }, rec.seed)).toMatchInlineSnapshot(`
      "expected all 4 nodes to agree on the final block between t=10.0s and t=20.0s; at final height 46 val-0, val-1 and exe-0 have 070ba5e3… (state root e39dc767…) while val-2 has ac7befc6… (state root 5c222d7c…); their chains differ from genesis on; at t=20.0s val-0, val-1, val-2 and exe-0 were at height 49 (final 46) (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('a node moving on its own branch shows in the heads: where each node stood', () => {
    const rec = simulateHistory({
      durationMs: 20_000,
      nodes: withNode('val-2', { forkRate: 1, lagBlocks: 1 }),
    });
    const v = checkConverge(rec, {});
    expect(v).toMatchObject({ kind: 'diverged' });
    if (v.kind !== 'diverged') throw new Error('unreachable');
    expect(v.heads.find((h) => h.node === 'val-2')).toEqual({ node: 'val-2', height: 48, finalHeight: 45 });
    expect(convergenceFailure(v, { from: 10_000, to: 20_000 }, rec.seed)).toMatchInlineSnapshot(`
      "expected all 4 nodes to agree on the final block between t=10.0s and t=20.0s; at final height 45 val-0, val-1 and exe-0 have 094dc02b… (state root cf164169…) while val-2 has c441c407… (state root c9c40eb6…); their chains differ from genesis on; at t=20.0s val-0, val-1 and exe-0 were at height 49 (final 46), val-2 at height 48 (final 45) (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('a stalled node is too far behind to agree', () => {
    const rec = simulateHistory({ durationMs: 20_000, nodes: withNode('exe-0', { stallAt: 8_000 }) });
    const v = checkConverge(rec, {});
    expect(v).toMatchObject({ kind: 'spread', lowest: [{ node: 'exe-0' }] });
    expect(convergenceFailure(v, { from: 10_000, to: 20_000 }, rec.seed)).toMatchInlineSnapshot(`
      "expected all 4 nodes to agree on the final block between t=10.0s and t=20.0s; at t=20.0s exe-0 was at final height 16 while val-0 was at 46 (more than 2 apart) (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('a node that does not answer is named with the error', () => {
    const rec = simulateHistory({ durationMs: 20_000, nodes: withNode('val-1', { crashAt: 15_000 }) });
    const v = checkConverge(rec, {});
    expect(v).toMatchObject({ kind: 'unreachable', unreachable: [{ node: 'val-1', since: 15_000 }] });
    expect(convergenceFailure(v, { from: 10_000, to: 20_000 }, rec.seed)).toMatchInlineSnapshot(`
      "expected all 4 nodes to agree on the final block between t=10.0s and t=20.0s; val-1 did not answer since t=15.0s (connect ECONNREFUSED 127.0.0.1:40001) (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('`nodes` limits the judgement', () => {
    const rec = simulateHistory({ durationMs: 20_000, nodes: withNode('val-1', { crashAt: 15_000 }) });
    expect(checkConverge(rec, { nodes: ['val-0', 'val-2', 'exe-0'] }).kind).toBe('converged');
  });

  test('a slightly lagging node still agrees at the common final height', () => {
    const rec = simulateHistory({ durationMs: 20_000, nodes: withNode('exe-0', { lagBlocks: 1 }) });
    expect(checkConverge(rec, {})).toMatchObject({ kind: 'converged', height: 45 });
  });
});

describe('toConverge', () => {
  test('passes when converged, fails naming the odd node, and is .not-aware', async () => {
    await expect(simulateHistory({ durationMs: 20_000, nodes: healthy })).toConverge({ within: 0 });
    const forked = simulateHistory({ durationMs: 20_000, nodes: withNode('val-2', { forkRate: 1 }) });
    await expect(expect(forked).toConverge({ within: 1000 })).rejects.toThrowErrorMatchingInlineSnapshot(`
      [Error: expected all 4 nodes to agree on the final block between t=20.0s and t=20.0s; at final height 46 val-0, val-1 and exe-0 have 070ba5e3… (state root e39dc767…) while val-2 has ac7befc6… (state root 5c222d7c…); their chains differ from genesis on; at t=20.0s val-0, val-1, val-2 and exe-0 were at height 49 (final 46) (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>]
    `);
    await expect(forked).not.toConverge();
    await expect(
      expect(simulateHistory({ durationMs: 20_000, nodes: healthy })).not.toConverge(),
    ).rejects.toThrowErrorMatchingInlineSnapshot(
      `[Error: expected all 4 nodes not to agree on the final block between t=20.0s and t=20.0s, but at t=20.0s they did at final height 46 (070ba5e3…, state root e39dc767…) (seed 913)]`,
    );
  });
});
