// The shared matchers catch a real litecoind fault: a node started without peers (and that
// nobody dials) mines its own chain from genesis while the lottery keeps drawing it. The
// connected nodes converge; the cluster does not, and toConverge names the lone node, its
// block and the others' at the common final height; toKeepFinality finds the two chains
// final at one height.
import { describe, expect, test } from 'vitest';
import { litecoindAdapter } from '../src/adapter/litecoind/adapter.ts';
import type { ChainAdapter } from '../src/adapter/types.ts';
import { Cluster } from '../src/cluster/cluster.ts';
import { Ready } from '../src/cluster/ready.ts';
import '../src/matchers/vitest.ts';
import { eventually, matcherFailure as failure } from './helpers.ts';

/** litecoind, with `lone` launched without peers and left out of everyone's peer list. */
function isolating(lone: string): ChainAdapter {
  const base = litecoindAdapter();
  return {
    ...base,
    prepare: async (topology, dir, seed) => {
      const prepared = await base.prepare(topology, dir, seed);
      return {
        ...prepared,
        launch: (node, ep) =>
          prepared.launch(node, {
            ...ep,
            peers: node.name === lone ? [] : ep.peers.filter((p) => p.name !== lone),
          }),
      };
    },
  };
}

describe('litecoind: matchers catch a real fault', () => {
  test('a node started isolated mines its own chain: toConverge fails naming it, toKeepFinality finds the conflict', async () => {
    await using cluster = await Cluster.of({
      adapter: isolating('val-3'),
      validators: 4,
      // Funding waits for every node to see the payment, which the lone node never does.
      wallets: 0,
      blockIntervalMs: 250,
      securityParam: 2,
      // The lone node has no peer to wait for.
      ready: Ready.forServing(),
      name: 'negative-isolated',
    }).start();
    const rec = cluster.recording;
    // The condition the test claims: the lone node and the connected three each have final
    // blocks of their own, so the lowest final height, where toConverge compares, is above
    // genesis (the only block they share). Waiting on val-3 alone was not enough: a lottery
    // that draws val-3 four times before the others mine three (CHAINLAB_SEED=55) leaves
    // them at final height 0, within toConverge's spread, where all four rightly agree.
    const nodes = ['val-0', 'val-1', 'val-2', 'val-3'];
    const ownFinal = await eventually(async () => nodes.every((n) => rec.finalHeightAt(n) >= 2), 30_000);
    expect(ownFinal, `every node has final height ≥ 2 (seed ${cluster.seed})`).toBe(true);
    expect((await cluster.client('val-3').info()).peers).toBe(0);

    // The connected three agree: the fault is the isolation, not the chain.
    await expect(cluster).toConverge({ nodes: ['val-0', 'val-1', 'val-2'], within: 10_000 });

    const error = await failure(() => expect(cluster).toConverge({ within: 3000 }));
    expect(error.actual).toMatchObject({ kind: 'diverged' });
    const groups = (error.actual as { groups: { nodes: string[] }[] }).groups;
    expect(groups.map((g) => g.nodes)).toEqual([['val-0', 'val-1', 'val-2'], ['val-3']]);
    expect(error.message).toMatch(
      /^expected all 4 nodes to agree on the final block between t=\d+\.\ds and t=\d+\.\ds; /,
    );
    expect(error.message).toContain('val-3');
    expect(error.message).toContain(`(seed ${cluster.seed})\nreplay: CHAINLAB_SEED=${cluster.seed}`);

    console.log(error.message);
    const conflict = await failure(() => expect(cluster).toKeepFinality());
    console.log(conflict.message);
    expect(conflict.actual).toMatchObject({ kind: 'conflict' });
    const claims = conflict.actual as { first: { node: string }; other: { node: string } };
    expect([claims.first.node, claims.other.node]).toContain('val-3');
  }, 120_000);
});
