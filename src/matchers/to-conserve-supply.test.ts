import { describe, expect, test } from 'vitest';
import { type SimulatedNode, simulateHistory } from '../../test/fixtures/simulated-history.ts';
import { Recording } from '../observe/recording.ts';
import { checkConserveSupply, supplyFailure } from './to-conserve-supply.ts';
import './vitest.ts';

const healthy: SimulatedNode[] = [
  { name: 'val-0' },
  { name: 'val-1' },
  { name: 'val-2' },
  { name: 'exe-0', role: 'executor' },
];

describe('checkConserveSupply on recorded histories', () => {
  test('supply and every balance match the replay on a healthy chain with transfers', () => {
    const rec = simulateHistory({ durationMs: 20_000, nodes: healthy, txsPerBlock: 3 });
    const v = checkConserveSupply(rec);
    expect(v.kind).toBe('conserved');
    if (v.kind !== 'conserved') throw new Error('unreachable');
    expect(v.nodes[0]).toMatchObject({ node: 'val-0', height: 46, txs: 138 });
  });

  test('a proposer minting for itself breaks supply on every node', () => {
    const rec = simulateHistory({ durationMs: 20_000, nodes: healthy, txsPerBlock: 1, mintPerBlock: 1n });
    const v = checkConserveSupply(rec);
    expect(v).toMatchObject({
      kind: 'supply-changed',
      node: 'val-0',
      observed: 5_000_046n,
      expected: 5_000_000n,
    });
    expect(supplyFailure(v, rec.seed)).toMatchInlineSnapshot(`
      "expected total supply on val-0 at final height 46 (t=20.0s) to equal genesis 5000000; it is 5000046 (+46); e.g. 59e668bb… has 32, the replay gives 16 (+16, it proposed 16 blocks); also changed on val-1, val-2 and exe-0 (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('a balance that differs from the replay is named with both values', () => {
    const rec = simulateHistory({ durationMs: 20_000, nodes: healthy, txsPerBlock: 2 });
    // Move 7 units between two accounts in val-1's snapshot: supply stays, balances do not.
    const dump = rec.toDump();
    const state = dump.states.find((s) => s.node === 'val-1')!;
    const [a, b] = Object.keys(state.snapshot.accounts).sort();
    state.snapshot.accounts[a!]!.balance -= 7n;
    state.snapshot.accounts[b!]!.balance += 7n;
    const v = checkConserveSupply(Recording.fromJSON(dump));
    expect(v).toMatchObject({ kind: 'balance-mismatch', node: 'val-1', address: a, mismatches: 2 });
    expect(supplyFailure(v, rec.seed)).toMatchInlineSnapshot(`
      "expected every account on val-1 at final height 46 (t=20.0s) to match the replay of its included txs; 1c09098a… has balance 999975, replay of the final chain gives 999982 (-7); 1 more account differs (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('a node without a snapshot cannot be judged, and says why', () => {
    const rec = simulateHistory({ durationMs: 20_000, nodes: healthy, states: false });
    expect(supplyFailure(checkConserveSupply(rec), rec.seed)).toMatchInlineSnapshot(`
      "could not judge supply on val-0: no state snapshot was taken (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('a tx body we never saw makes the replay incomplete rather than wrong', () => {
    const dump = simulateHistory({ durationMs: 20_000, nodes: healthy, txsPerBlock: 1 }).toDump();
    dump.txs = dump.txs.slice(1);
    expect(checkConserveSupply(Recording.fromJSON(dump))).toMatchObject({
      kind: 'unobserved',
      node: 'val-0',
    });
  });
});

describe('toConserveSupply', () => {
  test('passes on a healthy history, fails on a minting one, and is .not-aware', async () => {
    await expect(simulateHistory({ durationMs: 20_000, nodes: healthy, txsPerBlock: 1 })).toConserveSupply();
    const minting = simulateHistory({ durationMs: 20_000, nodes: healthy, mintPerBlock: 1n });
    await expect(expect(minting).toConserveSupply()).rejects.toThrowErrorMatchingInlineSnapshot(`
      [Error: expected total supply on val-0 at final height 46 (t=20.0s) to equal genesis 5000000; it is 5000046 (+46); e.g. 59e668bb… has 16, the replay gives 0 (+16, it proposed 16 blocks); also changed on val-1, val-2 and exe-0 (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>]
    `);
    await expect(minting).not.toConserveSupply();
  });
});
