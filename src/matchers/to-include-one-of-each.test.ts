import { describe, expect, test } from 'vitest';
import { hexOf, historyOf, txRecord } from '../../test/fixtures/mempool-history.ts';
import { checkOneOfEach, oneOfEachFailure, resolveRaces } from './to-include-one-of-each.ts';

// Two races of wallet 0: a/b spend nonce 0, c/d spend nonce 1; a went to val-0, b to val-1 at once.
const a = txRecord('a', { node: 'val-0', submittedAt: 1000 });
const b = txRecord('b', { node: 'val-1', submittedAt: 1000, outcome: 'rejected', reason: 'bad_nonce' });
const c = txRecord('c', { nonce: 1, node: 'val-1', submittedAt: 1500 });
const d = txRecord('d', { nonce: 1, node: 'val-0', submittedAt: 1500 });
const pairs: [string, string][] = [
  [a.id, b.id],
  [c.id, d.id],
];
const nodes = ['val-0', 'val-1'];
const window = { from: 1000, to: 6000 };
const both = { 'val-0': 2200, 'val-1': 2300 };

describe('checkOneOfEach on recorded histories', () => {
  test('one tx of each pair on every chain, the same everywhere, passes', () => {
    const rec = historyOf({
      nodes,
      txs: [a, b, c, d],
      blocks: [
        { height: 1, seenAt: both, txIds: [a.id] },
        { height: 2, seenAt: { 'val-0': 2700, 'val-1': 2800 }, txIds: [d.id] },
      ],
      endedAt: 6000,
    });
    expect(checkOneOfEach(rec, pairs, 6000, 'of workload double-spends')).toEqual({
      kind: 'one-each',
      pairs: 2,
      source: 'of workload double-spends',
      nodes,
    });
  });

  test('a chain holding both txs of a pair names the node and both heights', () => {
    const rec = historyOf({
      nodes,
      txs: [a, b, c, d],
      blocks: [
        { height: 1, seenAt: both, txIds: [a.id, c.id] },
        { height: 2, seenAt: both, txIds: [d.id] },
      ],
      endedAt: 6000,
    });
    const v = checkOneOfEach(rec, pairs, 6000, 'of workload double-spends');
    expect(v).toMatchObject({ kind: 'both', node: 'val-0', heights: [1, 2] });
    expect(oneOfEachFailure(v, window, 913)).toMatchInlineSnapshot(`
      "expected exactly one tx of each of 2 double-spend pairs (of workload double-spends) on every node's chain, the same one everywhere, within 5.0s (between t=1.0s and t=6.0s); val-0's chain holds both 0c7d450b… and 89ef1b50… (heights 1 and 2), which spend the same (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('a pair with no winner on a node names both txs and what the nodes answered', () => {
    const rec = historyOf({
      nodes,
      txs: [a, b, c, d],
      blocks: [{ height: 1, seenAt: both, txIds: [c.id] }],
      endedAt: 6000,
    });
    const v = checkOneOfEach(rec, pairs, 6000, 'of workload double-spends');
    expect(v).toMatchObject({ kind: 'none', node: 'val-0', count: 2 });
    expect(oneOfEachFailure(v, window, 913).split('\n')[0]).toMatchInlineSnapshot(
      `"expected exactly one tx of each of 2 double-spend pairs (of workload double-spends) on every node's chain, the same one everywhere, within 5.0s (between t=1.0s and t=6.0s); neither f3c489db… (sent to val-0 at t=1.0s: accepted) nor 1cd9f883… (sent to val-1 at t=1.0s: refused with bad_nonce) is on val-0's chain; 1 more (pair, node) had none (seed 913)"`,
    );
  });

  test('nodes holding different winners disagree, each named with its height', () => {
    const rec = historyOf({
      nodes,
      txs: [a, b, c, d],
      blocks: [
        {
          height: 1,
          seenAt: both,
          txIds: [a.id, c.id],
          forkOn: {
            'val-1': { hash: hexOf('fork|1'), stateRoot: hexOf('fork-state|1'), txIds: [b.id, c.id] },
          },
        },
      ],
      endedAt: 6000,
    });
    const v = checkOneOfEach(rec, pairs, 6000);
    expect(v).toMatchObject({ kind: 'split', pair: [a.id, b.id] });
    expect(oneOfEachFailure(v, window, 913).split('\n')[0]).toMatchInlineSnapshot(
      `"expected exactly one tx of each of 2 double-spend pairs (given) on every node's chain, the same one everywhere, within 5.0s (between t=1.0s and t=6.0s); the nodes disagree on which of f3c489db… and 1cd9f883… won: val-0 holds f3c489db… at height 1, val-1 holds 1cd9f883… at height 1 (seed 913)"`,
    );
  });

  test('no pairs is its own verdict; a workload or an array of pairs is accepted, anything else refused', () => {
    expect(checkOneOfEach(historyOf({ nodes, endedAt: 1 }), []).kind).toBe('empty');
    expect(resolveRaces({ name: 'races', pairs: () => pairs })).toEqual({
      pairs,
      label: 'of workload races',
    });
    expect(resolveRaces(pairs).label).toBe('given');
    expect(() => resolveRaces([[a.id]] as unknown as [string, string][])).toThrow(
      'toIncludeOneOfEach: expected a double-spend workload or an array of [txId, txId] pairs',
    );
  });
});
