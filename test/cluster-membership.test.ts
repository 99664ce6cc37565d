/**
 * End to end: dynamic membership on real refnode processes (local deployer). Nodes join
 * with fresh identities and bootstrap from live nodes; nodes leave for good and every other
 * node's address book forgets them; a removal that would stall finality is refused.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Cluster } from '../src/cluster/cluster.ts';
import type { StartedNode } from '../src/cluster/types.ts';
import { MembershipError } from '../src/support/errors.ts';
import { eventually, processesOfRun } from './helpers.ts';

interface Book {
  entries: { name?: string; bootstrap: boolean }[];
}
interface PeerView {
  peers: { name?: string; connected: boolean }[];
}

async function api<T>(node: StartedNode, path: string): Promise<T> {
  const res = await fetch(`${node.apiUrl}${path}`);
  return (await res.json()) as T;
}

const bookNames = async (node: StartedNode): Promise<string[]> =>
  (await api<Book>(node, '/p2p/book')).entries.map((e) => e.name ?? '?').sort();
const connectedNames = async (node: StartedNode): Promise<string[]> =>
  (await api<PeerView>(node, '/p2p/peers')).peers
    .filter((p) => p.connected)
    .map((p) => p.name ?? '?')
    .sort();

describe('dynamic membership (local deployer)', () => {
  test('fresh nodes join and sync, nodes leave for good, a removal below quorum is refused', async () => {
    let runId: string;
    let dir: string;
    {
      await using cluster = await new Cluster({
        validators: 3,
        wallets: 2,
        membership: { standby: 1 },
      }).start();
      runId = cluster.runId;
      dir = cluster.dir!;
      // Every node reads its peers from a book listing the others.
      expect(await bookNames(cluster.node('val-0'))).toEqual(['val-1', 'val-2']);

      // A fresh executor bootstraps from two validators and finds the third by discovery.
      const exe = await cluster.addNode({ role: 'executor' });
      expect(exe.name).toBe('exe-0');
      expect((await exe.client.info()).nodeId).toBe('exe-0');
      expect(cluster.nodes.map((n) => n.name)).toEqual(['val-0', 'val-1', 'val-2', 'exe-0']);
      expect(cluster.executors.map((n) => n.name)).toEqual(['exe-0']);
      expect(
        await eventually(async () => (await connectedNames(exe)).join() === 'val-0,val-1,val-2', 20_000),
      ).toBe(true);
      expect(await bookNames(cluster.node('val-2'))).toEqual(['exe-0', 'val-0', 'val-1']);
      // It syncs from genesis: its final height reaches what val-0 had when it joined. A
      // fast start (the refnode bundle) can get here before anything is final: wait for that.
      expect(
        await eventually(
          async () => ((await cluster.client('val-0').info()).finalizedHeight ?? -1) > 0,
          20_000,
        ),
      ).toBe(true);
      const target = (await cluster.client('val-0').info()).finalizedHeight ?? -1;
      expect(target).toBeGreaterThan(0);
      expect(
        await eventually(async () => ((await exe.client.info()).finalizedHeight ?? -1) >= target, 20_000),
      ).toBe(true);

      // A standby validator joins under its own name and key.
      const val3 = await cluster.addNode({ role: 'validator' });
      expect(val3.name).toBe('val-3');
      expect(cluster.validators.map((n) => n.name)).toEqual(['val-0', 'val-1', 'val-2', 'val-3']);
      await expect(cluster.addNode({ role: 'validator' })).rejects.toThrow(/no standby validator is left/);

      // Leaving for good: out of every book, process stopped, data deleted.
      const val0Data = join(dir, 'data', 'val-0');
      expect(existsSync(val0Data)).toBe(true);
      const before = await processesOfRun(runId);
      await cluster.removeNode('val-0');
      expect(existsSync(val0Data)).toBe(false);
      expect(await processesOfRun(runId)).toHaveLength(before.length - 1);
      expect(cluster.nodes.map((n) => n.name)).toEqual(['val-1', 'val-2', 'exe-0', 'val-3']);
      // Each node applies its rewritten book within its 500 ms re-read.
      expect(
        await eventually(async () => {
          const books = await Promise.all(cluster.nodes.map(bookNames));
          return books.every((b) => !b.includes('val-0'));
        }, 3000),
      ).toBe(true);
      // Nobody stays connected to (or keeps dialling) the departed node.
      expect(
        await eventually(async () => {
          const views = await Promise.all(cluster.nodes.map(connectedNames));
          return views.every((v) => !v.includes('val-0'));
        }, 10_000),
      ).toBe(true);

      // val-1, val-2, val-3 hold 300 of 400: removing one more would leave 200, not a majority.
      const refusal = await cluster.removeNode('val-1').catch((e: unknown) => e);
      expect(MembershipError.is(refusal)).toBe(true);
      expect(refusal).toMatchObject({
        node: 'val-1',
        action: 'remove',
        belowQuorum: true,
        remainingStake: 200n,
      });
      expect((refusal as Error).message).toBe(
        'remove val-1: the validators left would hold 200 stake; running validators must hold more than half of the stake (at least 201 of 400), so the chain would stop finalizing. Pass { allowBelowQuorum: true } to remove it knowingly.',
      );
      expect(cluster.nodes.map((n) => n.name)).toContain('val-1');

      // The chain keeps finalizing with the new validator set.
      const final = (await cluster.client('val-1').info()).finalizedHeight ?? -1;
      expect(
        await eventually(async () => ((await val3.client.info()).finalizedHeight ?? -1) > final + 2, 30_000),
      ).toBe(true);

      // The timeline has every change.
      const rec = cluster.recording;
      expect(rec.marks.filter((m) => m.label === 'membership').map((m) => m.detail)).toEqual([
        'join(exe-0)',
        'join(val-3)',
        'leave(val-0)',
      ]);
      expect(rec.node('val-0')?.leftAt).toBeGreaterThan(0);
      expect(rec.node('exe-0')?.since).toBeGreaterThan(0);
      expect(
        rec
          .activeNodes()
          .map((n) => n.name)
          .sort(),
      ).toEqual(['exe-0', 'val-1', 'val-2', 'val-3']);
    }
    expect(await processesOfRun(runId)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });

  test('a removal below quorum goes ahead when the caller opts in', async () => {
    await using cluster = await new Cluster({ validators: 2, wallets: 0, membership: {} }).start();
    await expect(cluster.removeNode('val-1')).rejects.toMatchObject({ belowQuorum: true });
    await cluster.removeNode('val-1', { allowBelowQuorum: true });
    expect(cluster.nodes.map((n) => n.name)).toEqual(['val-0']);
    expect(cluster.recording.node('val-1')?.leftAt).toBeDefined();
  });

  test('a cluster without membership refuses to add or remove nodes', async () => {
    await using cluster = await new Cluster({ validators: 1, wallets: 0 }).start();
    await expect(cluster.addNode({ role: 'executor' })).rejects.toThrow(
      'add executor: this cluster has no dynamic membership: start it with the `membership` option (e.g. `membership: { standby: 1 }`) on the local or docker deployer',
    );
    await expect(cluster.removeNode('val-0')).rejects.toSatisfy(MembershipError.is);
  });
});
