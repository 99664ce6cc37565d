// End to end, the negative of `toRejectWith(attacker)` for txs that arrive by gossip: a real
// Byzantine gossip peer floods real refnode nodes, one of which runs
// `--bug no-gossip-sig-check` (it admits gossiped txs without verifying their signature, while
// its API still checks them). The forged txs it took are pending or in its blocks, so
// `toRejectWith` fails naming that node; the healthy nodes refused the same tx with its reason.
import { describe, expect, test } from 'vitest';
import { matcherFailure as failure } from '../../test/helpers.ts';
import { Cluster } from '../cluster/cluster.ts';
import { byzantinePeer } from '../workloads/byzantine/byzantine-peer.ts';
import './vitest.ts';

describe('a Byzantine gossip peer against a node that does not check gossiped txs', () => {
  test('--bug no-gossip-sig-check on val-2: toRejectWith(attacker) fails naming val-2 and the forged tx it took', async () => {
    await using cluster = await Cluster.of({
      slotMs: 250,
      securityParam: 4,
      validators: 3,
      wallets: 4,
      name: 'byzantine-no-sig-check',
      bugs: { 'val-2': ['no-gossip-sig-check'] },
    }).start();
    const attacker = await byzantinePeer({ rate: 100, durationMs: 4000 }).start(cluster);
    await attacker.done;
    const error = await failure(() => expect(cluster).toRejectWith(attacker));
    expect(error.actual).toMatchObject({
      kind: 'accepted',
      node: 'val-2',
      tx: { kind: expect.stringMatching(/^(bad_signature|wrong_key)$/), expected: ['bad_signature'] },
    });
    expect(error.message).toMatch(
      /^expected every invalid tx \(gossiped by workload byzantine-peer\) to be rejected with its reason by every node it reached; val-2 accepted [0-9a-f]{8}… \((bad_signature|wrong_key), published at t=\d+\.\ds\): it was (pending in its mempool|in a block) at t=\d+\.\ds, expected bad_signature(; \d+ more \(tx, node\) answers? (was|were) pending or included)? \(seed \d+\)\nreplay: CHAINLAB_SEED=\d+ /,
    );
    // Only val-2 took it: the healthy nodes that read the same tx refused it with its reason.
    const named = (error.actual as { tx: { id: string } }).tx.id;
    const record = cluster.recording.gossipTxsOf(attacker.name).find((t) => t.id === named)!;
    for (const node of ['val-0', 'val-1']) {
      const answer = record.statuses[node];
      if (answer?.status !== 'unknown' && answer !== undefined)
        expect(answer, node).toMatchObject({ status: 'rejected', reason: 'bad_signature' });
    }
  }, 120_000);
});
