// End to end: the mempool and invalid-tx matchers fail, with precise messages, on real
// violations — validators that do not gossip txs (`--bug no-tx-gossip`), a valid tx
// claimed to be refused, a tx that was never sent, an included tx, and a fuzz run whose
// expectation is wrong (shrunk by fast-check and replayed from its seed and path).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { matcherFailure as failure } from '../../test/helpers.ts';
import { Cluster } from '../cluster/cluster.ts';
import type { StartedCluster } from '../cluster/types.ts';
import { divergence } from '../workloads/divergence.ts';
import { invalidTxs } from '../workloads/invalid-txs.ts';
import { propagation } from '../workloads/propagation.ts';
import { sendTx } from '../workloads/send.ts';
import './vitest.ts';

const base = { slotMs: 200, securityParam: 6 } as const;

describe('validators that do not gossip txs (--bug no-tx-gossip)', () => {
  let cluster: StartedCluster;
  beforeAll(async () => {
    const bug = ['no-tx-gossip'];
    cluster = await Cluster.of({
      ...base,
      validators: 3,
      wallets: 16,
      // Small blocks keep txs pending for seconds, so gossip (not block luck) decides where they are.
      maxBlockTxs: 10,
      bugs: { 'val-0': bug, 'val-1': bug, 'val-2': bug },
      name: 'no-tx-gossip',
    }).start();
  }, 120_000);
  afterAll(async () => {
    await cluster?.dispose();
  });

  test('toIncludeExactlyOnce names a tx that reached another validator only inside a block, or never', async () => {
    const batch = await propagation({ batch: 120, nodes: ['val-0'], jitter: 0 }).start(cluster);
    try {
      await batch.done;
      const error = await failure(() =>
        expect(cluster).toIncludeExactlyOnce(batch, { within: 20_000, propagateWithin: 1500 }),
      );
      expect(error.message).toMatch(
        /^expected every one of 120 txs \(of workload propagation\) to reach every node within 1\.5s of its submission; [0-9a-f]{8}… \(nonce \d+ of [0-9a-f]{8}…\) sent to val-0 at t=\d+\.\ds (reached val-[12] only at t=\d+\.\ds \(\d+\.\ds later, in block \d+, never through its mempool\)|never reached val-[12] \(neither its mempool nor its chain\)); \d+ \(tx, node\) pairs were late \(seed \d+\)\nreplay: CHAINLAB_SEED=\d+ npx vitest run <this file>/,
      );
      expect(error.actual).toMatchObject({ kind: 'slow', total: 120, limitMs: 1500 });
    } finally {
      await batch.stop();
    }
  });

  test('toConvergeMempools names txs only their own validator holds', async () => {
    const split = await divergence({ batches: 60, name: 'split' }).start(cluster);
    try {
      await split.done;
      const error = await failure(() => expect(cluster).toConvergeMempools(split, { within: 3000 }));
      expect(error.message).toMatch(
        /^expected the mempools of val-0, val-1 and val-2 to converge within 3\.0s \(between t=\d+\.\ds and t=\d+\.\ds\): every one of 180 txs \(of workload split\) pending or included on every node; at t=\d+\.\ds [0-9a-f]{8}… \(sent to (val-\d) at t=\d+\.\ds\) was held by \1 but in neither the mempool nor the chain of val-\d and val-\d; val-0 lacks \d+, val-1 lacks \d+, val-2 lacks \d+ \(seed \d+\)\n/,
      );
      expect(error.actual).toMatchObject({ kind: 'diverged', total: 180 });
    } finally {
      await split.stop();
    }
  });
});

describe('a healthy cluster', () => {
  let cluster: StartedCluster;
  beforeAll(async () => {
    cluster = await Cluster.of({ ...base, validators: 2, wallets: 6, name: 'reject-never' }).start();
  }, 120_000);
  afterAll(async () => {
    await cluster?.dispose();
  });

  test('toRejectWith fails on a valid tx and on one never sent; toNeverInclude fails once it is in a block', async () => {
    const [a, b] = cluster.wallets;
    const valid = await a!.transfer({ to: b!.address, amount: 7n, nonce: 0 });
    expect(await sendTx(cluster, valid, { node: 'val-1' })).toEqual({ ok: true, id: valid.id });

    const accepted = await failure(() => expect(cluster).toRejectWith(valid, 'bad_nonce'));
    expect(accepted.message).toMatch(
      new RegExp(
        `^expected ${valid.id!.slice(0, 8)}… \\(nonce 0 of ${a!.address.slice(0, 8)}…\\) \\(given tx\\) to be rejected with bad_nonce; val-1 accepted it at t=\\d+\\.\\ds \\(seed ${cluster.seed}\\)\\nreplay: CHAINLAB_SEED=${cluster.seed}`,
      ),
    );

    const unsent = await a!.transfer({ to: b!.address, amount: 9n, nonce: 5 });
    const never = await failure(() => expect(cluster).toRejectWith(unsent));
    expect(never.message).toContain(
      `expected ${unsent.id!.slice(0, 8)}… (given tx) to be rejected; it was never submitted (not in the recording; send it with sendTx) (seed ${cluster.seed})`,
    );

    const included = await failure(() => expect(cluster).toNeverInclude(valid, { for: 20_000 }));
    expect(included.message).toMatch(
      new RegExp(
        `^expected none of 1 tx \\(given tx\\) ever to be in a block \\(watched \\d+ blocks between t=0\\.0s and t=\\d+\\.\\ds\\); ${valid.id!.slice(0, 8)}… is in block \\d+ \\([0-9a-f]{8}…\\) on val-[01], seen at t=\\d+\\.\\ds \\(seed ${cluster.seed}\\)`,
      ),
    );

    // And the matchers pass where they should: a stale nonce is refused and never included.
    const stale = await a!.transfer({ to: b!.address, amount: 8n, nonce: 0 });
    await sendTx(cluster, stale);
    await expect(cluster).toRejectWith(stale, 'bad_nonce');
    await expect(cluster).toNeverInclude(stale, { for: 1000 });
  });

  test('a fuzz run with a wrong expectation prints the shrunk counterexample, and its seed and path replay it', async () => {
    const options = {
      count: 40,
      kinds: ['nonce_too_high', 'fee_too_low'],
      // Deliberately wrong: refnode refuses far-future nonces with bad_nonce.
      reasons: { nonce_too_high: ['insufficient_funds' as const] },
    };
    const fuzz = await invalidTxs(options).start(cluster);
    const error = await failure(() => expect(cluster).toRejectWith(fuzz));
    const summary = await fuzz.done;
    expect(summary).toMatchObject({
      failed: true,
      counterexample: { kind: 'nonce_too_high', node: 0, amount: 2, beyond: 1000 },
    });
    expect(error.message).toMatch(
      /^expected every generated invalid tx \(of workload invalid-txs\) to be rejected with its kind's reason; run \d+ of 40 \(nonce_too_high\) sent to val-[01] at t=\d+\.\ds was refused with bad_nonce \(nonce \d+ is too far ahead: allowed \d+\.\.\d+\); expected insufficient_funds\n/,
    );
    expect(error.message).toContain(
      `shrunk counterexample (fast-check, ${summary.numShrinks} shrink${summary.numShrinks === 1 ? '' : 's'}): {"kind":"nonce_too_high","node":0,"amount":2,"beyond":1000} → val-0 was refused with bad_nonce`,
    );
    expect(error.message).toContain(
      `fast-check seed ${summary.seed}, path "${summary.path}": replay this case alone with invalidTxs({ …, replay: { seed: ${summary.seed}, path: '${summary.path}' } }) (seed ${cluster.seed})\nreplay: CHAINLAB_SEED=${cluster.seed}`,
    );

    // The printed seed and path run exactly the shrunk case again.
    const replay = await invalidTxs({
      ...options,
      replay: { seed: summary.seed, path: summary.path! },
      name: 'replayed',
    }).start(cluster);
    const again = await replay.done;
    expect(again.failed).toBe(true);
    expect(replay.attempts()[0]!.case).toEqual(summary.counterexample);
  });
});
