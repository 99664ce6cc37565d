/**
 * End to end on the local deployer: a node that joins a running cluster gets what the
 * cluster's first nodes got. With `links: true` it gets a link to and from every present
 * node and dials only through them (no socket of its own to another node's p2p port), and a
 * partition applied after it joined cuts it too. With `clockSkew` it starts at the offset
 * the option names for it (or unskewed, and skewable at run time). A join that fails gives
 * its standby validator key back, so the next validator join takes it.
 */
import { readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Cluster } from '../src/cluster/cluster.ts';
import type { StartedCluster } from '../src/cluster/types.ts';
import '../src/matchers/vitest.ts';
import { MembershipError } from '../src/support/errors.ts';
import { eventually, watchUntil } from './helpers.ts';
import { p2pSockets } from './link-sockets.ts';
import { describeNeeding, libfaketimeRequirement } from './requirements.ts';

/** Bytes the links between `node` and the others carried so far, both ways. */
async function bytesOf(cluster: StartedCluster, node: string): Promise<number> {
  return (await cluster.links.status())
    .filter((l) => l.from === node || l.to === node)
    .reduce((sum, l) => sum + l.bytes.forward + l.bytes.back, 0);
}

const connected = async (cluster: StartedCluster, node: string): Promise<string[]> =>
  [...(await cluster.client(node).connectedPeers!())].sort();

/** The names in a refnode's address book, as it loaded it. */
async function bookNames(apiUrl: string): Promise<string[]> {
  const book = (await (await fetch(`${apiUrl}/p2p/book`)).json()) as { entries: { name?: string }[] };
  return book.entries.map((e) => e.name ?? '?').sort();
}

/** A node's clock minus ours, measured at the middle of one request. */
async function measuredOffset(
  cluster: StartedCluster,
  node: string,
): Promise<{ offsetMs: number; rttMs: number }> {
  const before = Date.now();
  const reading = await cluster.client(node).clock!();
  const after = Date.now();
  return { offsetMs: reading.now - (before + after) / 2, rttMs: after - before };
}

function expectOffset(m: { offsetMs: number; rttMs: number }, expected: number, node: string): void {
  expect(
    Math.abs(m.offsetMs - expected),
    `${node}: measured ${m.offsetMs} ms, expected ${expected} ms`,
  ).toBeLessThanOrEqual(m.rttMs / 2 + 25);
}

describe('nodes that join a cluster with links', () => {
  test('a joiner dials only through its links, a later partition cuts it, a leaver loses its links', async () => {
    await using cluster = await Cluster.of({
      validators: 3,
      wallets: 2,
      links: true,
      membership: { standby: 1 },
      name: 'joiners-links',
    }).start();
    const exe = await cluster.addNode({ role: 'executor' });
    expect(exe.name).toBe('exe-0');
    // A link to and from every present node.
    const status = await cluster.links.status();
    expect(status).toHaveLength(4 * 3);
    expect(
      status
        .filter((l) => l.from === 'exe-0' || l.to === 'exe-0')
        .map((l) => l.id)
        .sort(),
    ).toEqual(['exe-0>val-0', 'exe-0>val-1', 'exe-0>val-2', 'val-0>exe-0', 'val-1>exe-0', 'val-2>exe-0']);
    // It bootstraps from val-0 and val-1 and finds val-2 by discovery, all through links.
    expect(
      await eventually(
        async () => (await connected(cluster, 'exe-0')).join() === 'val-0,val-1,val-2',
        20_000,
      ),
    ).toBe(true);
    const sockets = await p2pSockets(cluster);
    expect(sockets.bypass).toEqual([]);
    expect(sockets.proxied).toBeGreaterThanOrEqual(3);
    expect(await bytesOf(cluster, 'exe-0')).toBeGreaterThan(0);
    // It syncs through them.
    const final = (await cluster.client('val-0').info()).finalizedHeight ?? -1;
    expect(
      await eventually(async () => ((await exe.client.info()).finalizedHeight ?? -1) >= final, 20_000),
    ).toBe(true);

    // A partition applied after it joined cuts it like any other node.
    const split = await cluster.links.partition([['exe-0']]);
    expect(split.description).toBe('partition(exe-0 | val-0,val-1,val-2)');
    expect(split.links).toHaveLength(6);
    const before = await bytesOf(cluster, 'exe-0');
    const cutAt = (await exe.client.info()).height;
    const majorityFrom = (await cluster.client('val-0').info()).height;
    // Cut for 3 s at least, and until the majority has made a block: with 3 of the 4 staked
    // validators running a slot stays empty with probability 0.5^(3/4) ≈ 0.59, so a 3 s window
    // sees no block now and then (15 empty slots: about 1 run in 2,500); 20 s without one, about never.
    await watchUntil(
      async () => {
        expect(await connected(cluster, 'exe-0')).toEqual([]);
        expect((await p2pSockets(cluster)).bypass).toEqual([]);
      },
      async () => (await cluster.client('val-0').info()).height > majorityFrom,
      { minimumMs: 3000, timeoutMs: 20_000, what: `val-0 making a block past height ${majorityFrom}` },
    );
    expect(await bytesOf(cluster, 'exe-0')).toBe(before);
    expect((await exe.client.info()).height).toBe(cutAt);
    await split.lift();
    expect(await eventually(async () => (await connected(cluster, 'exe-0')).includes('val-0'), 20_000)).toBe(
      true,
    );
    await expect(cluster).toConverge({ within: 30_000 });

    // A standby validator joins through links too; a node that leaves loses its links.
    const val3 = await cluster.addNode({ role: 'validator' });
    expect(await eventually(async () => (await connected(cluster, val3.name)).length === 4, 20_000)).toBe(
      true,
    );
    await cluster.removeNode('exe-0');
    const after = await cluster.links.status();
    expect(after).toHaveLength(4 * 3);
    expect(after.filter((l) => l.from === 'exe-0' || l.to === 'exe-0')).toEqual([]);
    expect(
      await eventually(async () => {
        const views = await Promise.all(cluster.nodes.map((n) => connected(cluster, n.name)));
        return views.every((v) => !v.includes('exe-0'));
      }, 10_000),
    ).toBe(true);
    expect((await p2pSockets(cluster)).bypass).toEqual([]);
  }, 120_000);
});

describeNeeding(libfaketimeRequirement(), 'nodes that join a cluster with clock skew', () => {
  test('a failed join gives its standby key back; joiners start at the offset clockSkew names', async () => {
    await using cluster = await Cluster.of({
      validators: 3,
      wallets: 2,
      membership: { standby: 1 },
      clockSkew: { offsets: { 'exe-0': '+1s' } },
      name: 'joiners-clock',
    }).start();
    // val-3 cannot start: its config file is missing.
    const chainDir = join(cluster.dir!, 'chain');
    let config = '';
    for (const file of (await readdir(chainDir)).filter((f) => /^node-\d+\.json$/.test(f)))
      if ((JSON.parse(await readFile(join(chainDir, file), 'utf8')) as { nodeId: string }).nodeId === 'val-3')
        config = join(chainDir, file);
    expect(config).not.toBe('');
    await rename(config, `${config}.away`);
    const failed = await cluster.addNode({ role: 'validator' }).catch((e: unknown) => e);
    expect(MembershipError.is(failed)).toBe(true);
    expect(failed).toMatchObject({ node: 'val-3', action: 'add' });
    expect(cluster.nodes.map((n) => n.name)).toEqual(['val-0', 'val-1', 'val-2']);
    expect(cluster.recording.events.filter((e) => e.node === 'val-3').map((e) => e.event)).toEqual([
      'joining',
      'join-failed',
    ]);
    // Nobody keeps the node that never came up in its address book.
    const books = await Promise.all(cluster.nodes.map((n) => bookNames(n.apiUrl)));
    expect(books).toEqual([
      ['val-1', 'val-2'],
      ['val-0', 'val-2'],
      ['val-0', 'val-1'],
    ]);

    // The key came back: the next validator join takes it, unskewed but skewable.
    await rename(`${config}.away`, config);
    const val3 = await cluster.addNode({ role: 'validator' });
    expect(val3.name).toBe('val-3');
    expect(val3.clockOffsetMs).toBe(0);
    expectOffset(await measuredOffset(cluster, 'val-3'), 0, 'val-3');
    await val3.setClockOffset('-500ms');
    expectOffset(await measuredOffset(cluster, 'val-3'), -500, 'val-3');

    // An executor the option names starts at its offset, recorded like the first nodes'.
    const exe = await cluster.addNode({ role: 'executor' });
    expect(exe.name).toBe('exe-0');
    expect(exe.clockOffsetMs).toBe(1000);
    expectOffset(await measuredOffset(cluster, 'exe-0'), 1000, 'exe-0');
    expect(cluster.recording.clockOffsetAt('exe-0', cluster.recording.now())).toBe(1000);
    expect(
      cluster.recording.faults.find((f) => f.kind === 'clock-skew' && f.nodes.includes('exe-0'))?.description,
    ).toBe('clock-skew(exe-0 +1000 ms)');
    await expect(cluster).toKeepFinality();
  }, 120_000);
});
