/** End to end: the transaction workload against real refnode clusters. */
import { describe, expect, test } from 'vitest';
import { restarts } from '../src/chaos/node-faults.ts';
import { Cluster } from '../src/cluster/cluster.ts';
import type { TxRecord } from '../src/observe/recording.ts';
import { ConfigError } from '../src/support/errors.ts';
import { transactions } from '../src/workloads/transactions.ts';
import { eventually } from './helpers.ts';

const definition = new Cluster({ validators: 2, wallets: 6, seed: 4242 });

/** What defines a tx sequence, independent of timing. */
function sequence(records: TxRecord[]) {
  return records.map(({ id, from, to, amount, fee, nonce, node }) => ({
    id,
    from,
    to,
    amount,
    fee,
    nonce,
    node,
  }));
}

describe('transactions workload', () => {
  test('records every tx: accepted, then included and final; same seed → same sequence', async () => {
    const runs = [];
    for (let i = 0; i < 2; i++) {
      await using cluster = await definition.start();
      const load = await transactions({ rate: 25, users: 4, count: 30, amount: { min: 1, max: 50 } }).start(
        cluster,
      );
      await load.done;
      expect(load.sent).toBe(30);
      const ids = load.ids();
      expect(new Set(ids).size).toBe(30);
      // Every submitted tx is in the recording, with the node that took it.
      for (const id of ids)
        expect(cluster.recording.txs.get(id)).toMatchObject({
          workload: 'transactions',
          outcome: 'accepted',
        });
      const done = await eventually(
        async () => load.submitted().every((r) => r.finalAt !== undefined),
        30_000,
        250,
      );
      const pending = load
        .submitted()
        .filter((r) => r.finalAt === undefined)
        .map((r) => r.id.slice(0, 8));
      expect(done, `txs not final: ${pending.join(', ')}`).toBe(true);
      // Nonces per wallet are dense from 0: nothing skipped, nothing reused.
      const byWallet = new Map<string, number[]>();
      for (const r of load.submitted()) byWallet.set(r.from!, [...(byWallet.get(r.from!) ?? []), r.nonce!]);
      for (const nonces of byWallet.values())
        expect(nonces.sort((a, b) => a - b)).toEqual(nonces.map((_, i) => i));
      expect(byWallet.size).toBeLessThanOrEqual(4);
      runs.push(sequence(load.submitted().sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id))));
    }
    expect(runs[1]).toEqual(runs[0]);
  });

  test('bad options are refused before anything is sent; refusals are recorded with the reason', async () => {
    expect(() => transactions({ rate: 0, users: 0 })).toThrow(ConfigError);
    try {
      transactions({ rate: -1, users: 2, fee: { min: 5, max: 1 }, colour: 1 } as never);
    } catch (error) {
      expect((error as ConfigError).issues.map((i) => i.path)).toEqual([
        'transactions.rate',
        'transactions.fee.max',
        'transactions.colour',
      ]);
    }
    await using cluster = await new Cluster({ validators: 1, wallets: 2 }).start();
    const tooMany = await transactions({ rate: 5, users: 3 })
      .start(cluster)
      .catch((e) => e);
    expect(ConfigError.is(tooMany)).toBe(true);
    expect(tooMany.message).toContain(
      "transactions.users: got 3, allowed: 1..2 (the cluster's funded wallets",
    );
    expect(cluster.recording.txs.size).toBe(0);
    // Node selections name the cluster's nodes; an unknown name is refused the same way by every workload and fault.
    for (const start of [
      () => transactions({ rate: 5, users: 1, targets: ['val-9'] }).start(cluster),
      () => restarts({ targets: ['val-9'] }).start(cluster),
    ]) {
      const unknown = await start().catch((e) => e);
      expect(ConfigError.is(unknown)).toBe(true);
      expect(unknown.message).toMatch(
        /targets: got \["val-9"\], allowed: node names of this cluster: val-0$/m,
      );
    }
    expect(cluster.recording.txs.size).toBe(0);

    // Refusals are recorded with the chain's reason, and the refused nonces are reused.
    const cheap = await transactions({ rate: 50, users: 1, count: 3, fee: 0, name: 'cheap' }).start(cluster);
    await cheap.done;
    expect(cheap.submitted().map((r) => [r.outcome, r.reason])).toEqual([
      ['rejected', 'fee_too_low'],
      ['rejected', 'fee_too_low'],
      ['rejected', 'fee_too_low'],
    ]);
    const paying = await transactions({ rate: 50, users: 1, count: 2, name: 'paying' }).start(cluster);
    await paying.done;
    expect(paying.submitted().map((r) => [r.outcome, r.nonce])).toEqual([
      ['accepted', 0],
      ['accepted', 1],
    ]);
  });
});
