// End to end: a real Byzantine gossip peer floods real refnode nodes. Healthy nodes penalise
// it, refuse each invalid tx it gossiped with its reason and include none; a node started with
// `--bug no-gossip-penalty` keeps its score neutral, and `toPenalize` fails naming that node.
import { describe, expect, test } from 'vitest';
import { matcherFailure as failure } from '../../test/helpers.ts';
import { Cluster } from '../cluster/cluster.ts';
import { byzantinePeer } from '../workloads/byzantine/byzantine-peer.ts';
import './vitest.ts';

const base = { slotMs: 250, securityParam: 4, validators: 3, wallets: 4 } as const;

describe('a Byzantine gossip peer against refnode', () => {
  test('healthy nodes penalise it, refuse its invalid txs with their reasons and include none', async () => {
    await using cluster = await Cluster.of({ ...base, name: 'byzantine-healthy' }).start();
    const attacker = await byzantinePeer({ rate: 100, durationMs: 4000 }).start(cluster);
    await expect(cluster).toPenalize(attacker, { within: 4000 });
    const summary = await attacker.done;
    expect(summary.targets).toEqual(['val-0', 'val-1', 'val-2']);
    expect(summary.unheard).toBe(0);
    // Every kind of the default mix went out, and the rate held (paced, one message at a time).
    for (const [kind, n] of Object.entries(summary.byKind)) expect(n, kind).toBeGreaterThan(0);
    expect(summary.rate).toBeGreaterThan(80);
    await expect(cluster).toRejectWith(attacker);
    await expect(cluster).toNeverInclude(attacker, { for: 1000 });
    const gossiped = cluster.recording.gossipTxsOf(attacker.name);
    expect(new Set(gossiped.map((t) => t.kind)).size).toBeGreaterThanOrEqual(8);
    // The peer left the network: the nodes see it disconnected.
    const views = await Promise.all(cluster.nodes.map((n) => n.client.gossipView!()));
    for (const v of views) expect(v.peers.find((p) => p.peerId === attacker.peerId)?.connected).toBe(false);
  }, 120_000);

  test('a node that never lowers scores (--bug no-gossip-penalty): toPenalize fails naming it', async () => {
    await using cluster = await Cluster.of({
      ...base,
      name: 'byzantine-no-penalty',
      bugs: { 'val-2': ['no-gossip-penalty'] },
    }).start();
    const attacker = await byzantinePeer({ rate: 100, durationMs: 4000 }).start(cluster);
    await attacker.done;
    const error = await failure(() => expect(cluster).toPenalize(attacker, { within: 4000 }));
    expect(error.actual).toMatchObject({
      kind: 'not-penalized',
      missing: [{ node: 'val-2', penalties: false }],
      penalties: [{ node: 'val-0' }, { node: 'val-1' }],
    });
    expect(error.message).toMatch(
      /^expected every node to penalise gossip peer 12D3KooW…\w{4} \(workload byzantine-peer\) between t=\d+\.\ds and t=\d+\.\ds \(score below the gossip threshold, graylisted, or disconnected while flooding\); 1 node did not \(val-2\): val-2 did not: at t=\d+\.\ds the peer's score was \d+\.\d\d \(penalty below -10\.00\), connected, (in its mesh on [a-z,]+|in no mesh), \d+ rejected and \d+ ignored messages; the node reports gossip penalties off; val-0 did at t=\d+\.\ds \((score|graylisted)[^)]*\), val-1 did at t=\d+\.\ds \((score|graylisted)[^)]*\) \(seed \d+\)\nreplay: CHAINLAB_SEED=\d+ /,
    );
  }, 120_000);
});
