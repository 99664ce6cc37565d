/**
 * End to end on the local deployer: with `links: true` every node-to-node connection of a
 * refnode cluster passes through the link proxy, and link faults act on them. A partition is
 * recorded as a fault window naming its links, confirmed, and nothing passes between the
 * sides — not over the links (their byte counters stand still) and not around them (no node
 * holds a socket to another node's p2p port; only the proxy does), although the nodes of a
 * star learned each other by peer exchange before the cut. Latency is measured, not assumed.
 */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Cluster } from '../src/cluster/cluster.ts';
import type { StartedCluster } from '../src/cluster/types.ts';
import { blockPropagation } from '../src/observe/block-propagation.ts';
import { CapabilityError, ConfigError } from '../src/support/errors.ts';
import { eventually, heightOf, watchUntil } from './helpers.ts';
import { bypasses, p2pSockets } from './link-sockets.ts';

/** Bytes each direction of the links between two sides has carried so far. */
async function bytesBetween(
  cluster: StartedCluster,
  a: readonly string[],
  b: readonly string[],
): Promise<number> {
  const links = await cluster.links.status();
  return links
    .filter((l) => (a.includes(l.from) && b.includes(l.to)) || (b.includes(l.from) && a.includes(l.to)))
    .reduce((sum, l) => sum + l.bytes.forward + l.bytes.back, 0);
}

describe('link layer on the local deployer', () => {
  test('a partition passes nothing over or around the links, is recorded, and heals', async () => {
    // A star: the leaves dial only val-0 and learn each other by peer exchange.
    await using cluster = await Cluster.of({
      validators: 5,
      wallets: 2,
      shape: 'star',
      links: true,
      name: 'links-part',
    }).start();
    expect(cluster.links.enabled).toBe(true);
    const all = cluster.nodes.map((n) => n.name);
    // Leaves reach each other (learned, dialled through their links) before the cut.
    const learned = await eventually(
      async () => (await cluster.client('val-3').connectedPeers!()).includes('val-4'),
      20_000,
    );
    expect(learned).toBe(true);
    const status = await cluster.links.status();
    expect(status).toHaveLength(all.length * (all.length - 1));
    const leafLinks = status.filter((l) => l.id === 'val-3>val-4' || l.id === 'val-4>val-3');
    expect(leafLinks.reduce((n, l) => n + l.accepted, 0)).toBeGreaterThan(0);
    const sockets = await p2pSockets(cluster);
    expect(sockets.bypass).toEqual([]);
    expect(sockets.proxied).toBeGreaterThanOrEqual(4);

    const majority = ['val-0', 'val-1', 'val-2'];
    const minority = ['val-3', 'val-4'];
    const split = await cluster.links.partition([majority, minority]);
    expect(split.description).toBe('partition(val-0,val-1,val-2 | val-3,val-4)');
    const window = cluster.recording.faults.find((f) => f.kind === 'partition')!;
    expect(window).toMatchObject({ description: split.description, nodes: [...all].sort() });
    expect(window.end).toBeUndefined();
    expect(window.links).toHaveLength(12);
    expect(window.links).toContainEqual({ from: 'val-3', to: 'val-0', blackhole: true });
    expect(cluster.recording.linkAt('val-0', 'val-4')).toEqual({ blackhole: true });
    expect(cluster.recording.linkAt('val-0', 'val-1')).toEqual({});

    // For 4 s at least, and until the majority has made a block (3 of 5 validators: a slot stays
    // empty with probability 0.5^(3/5) ≈ 0.66, so a fixed 4 s sees none about 1 run in 4,000):
    // no byte crosses, no node connects around the proxy, no side sees the other.
    const before = await bytesBetween(cluster, majority, minority);
    const majorityFrom = await heightOf(cluster, 'val-0');
    await watchUntil(
      async () => {
        expect(await bypasses(cluster)).toEqual([]);
        for (const n of minority) {
          const peers = await cluster.client(n).connectedPeers!();
          expect(
            peers.filter((p) => majority.includes(p)),
            `${n}'s peers`,
          ).toEqual([]);
        }
      },
      async () => (await heightOf(cluster, 'val-0')) > majorityFrom,
      { minimumMs: 4000, timeoutMs: 20_000, what: `val-0 making a block past height ${majorityFrom}` },
    );
    expect(await bytesBetween(cluster, majority, minority)).toBe(before);
    // The majority went on producing; the minority never received those blocks.
    const majorityTip = await cluster.client('val-0').info();
    const minorityView = await cluster.client('val-3').blocks(majorityTip.height, majorityTip.height);
    expect(minorityView.map((b) => b.hash)).not.toContain(majorityTip.tip);

    await cluster.links.heal();
    expect(split.active).toBe(false);
    expect(window.end).toBeGreaterThan(window.start);
    // Healed: the sides reconnect through their links and agree again.
    const rejoined = await eventually(
      async () => (await cluster.client('val-3').connectedPeers!()).includes('val-0'),
      20_000,
    );
    expect(rejoined).toBe(true);
    expect(await bytesBetween(cluster, majority, minority)).toBeGreaterThan(before);
    await expect(cluster).toConverge({ within: 30_000 });
    expect(await bypasses(cluster)).toEqual([]);
  });

  test('latency delays a link by what was set; blockPeer cuts one pair; bad input is refused', async () => {
    // One proposer: its chain has no fork races, so each of its blocks reaches both
    // executors once, and what they show is their links' delay. With three validators and
    // one delayed, that validator raced the others instead: at 150 ms of a 200 ms slot it
    // often proposed before their block of the slot before reached it, each side kept its
    // own branch of the tie, and about one start in eight the tie run outlasted finality
    // (depth 5), leaving it on its own chain; and an undelayed validator that lost a
    // same-slot tie showed the winner's block only when it reorganized, hundreds of ms late.
    await using cluster = await Cluster.of({
      validators: 1,
      executors: 2,
      wallets: 2,
      links: true,
      name: 'links-lat',
    }).start();
    const tiers = await cluster.links.latency({
      tiers: [{ name: 'far', nodes: ['exe-1'], latencyMs: 150 }],
    });
    expect(tiers.links).toHaveLength(4);
    const window = cluster.recording.faults.find((f) => f.kind === 'latency')!;
    expect(window.links).toContainEqual({ from: 'val-0', to: 'exe-1', latencyMs: 150, jitterMs: 0 });
    expect(cluster.recording.linkAt('exe-1', 'exe-0')).toEqual({ latencyMs: 150, jitterMs: 0 });
    expect(cluster.recording.linkAt('val-0', 'exe-0')).toEqual({});
    expect(await cluster.links.status()).toHaveLength(6);
    // Measured: val-0's blocks reach exe-1 one 150 ms hop later than they reach exe-0, and
    // not much more: a block that came by sync instead of gossip takes two round trips
    // (600 ms) or more. Measured from when both executors are at val-0's tip: just after the
    // start, a node whose gossip streams are not open yet misses a block and gets it by sync.
    const caughtUp = await eventually(async () => {
      const [tip, ...executors] = await Promise.all(
        ['val-0', 'exe-0', 'exe-1'].map((n) => heightOf(cluster, n)),
      );
      return tip! > 0 && executors.every((h) => h >= tip!);
    }, 10_000);
    expect(caughtUp, 'exe-0 and exe-1 caught up with val-0 under the delay').toBe(true);
    const from = cluster.recording.now();
    const measured = () =>
      blockPropagation(cluster.recording.blocks, ['exe-0', 'exe-1'], { origins: ['val-0'], from });
    const sampled = await eventually(
      async () => measured()['exe-0']!.samples >= 5 && measured()['exe-1']!.samples >= 5,
      30_000,
    );
    expect(sampled, `5 of val-0's blocks seen on exe-0 and exe-1: ${JSON.stringify(measured())}`).toBe(true);
    const delays = measured();
    // Each feed's observation adds a few ms, not always the same on both ends: 10 % slack,
    // as in the gossip latency gradient example.
    expect(delays['exe-1']!.median).toBeGreaterThanOrEqual(135);
    expect(delays['exe-1']!.median - delays['exe-0']!.median).toBeGreaterThanOrEqual(120);
    expect(delays['exe-1']!.median - delays['exe-0']!.median, 'exe-1 follows by gossip').toBeLessThan(400);

    const blocked = await cluster.links.blockPeer('val-0', 'exe-0');
    expect(blocked.links).toEqual(['val-0→exe-0', 'exe-0→val-0']);
    const peers = await cluster.client('val-0').connectedPeers!();
    expect(peers).not.toContain('exe-0');
    expect(peers).toContain('exe-1');
    await cluster.links.unblockPeer('exe-0', 'val-0');
    expect(blocked.active).toBe(false);
    await tiers.lift();
    expect(cluster.recording.linkAt('exe-1', 'exe-0')).toEqual({});

    // Per-link settings reach the proxy and the recording; a reset cuts open connections once.
    const capped = await cluster.links.set(
      { between: ['val-0', 'exe-1'] },
      { bytesPerSecond: 200_000, loss: 0.01 },
    );
    expect(capped.description).toBe('link(val-0↔exe-1: loss 0.01, bytesPerSecond 200000)');
    expect(cluster.recording.linkAt('exe-1', 'val-0')).toEqual({ bytesPerSecond: 200_000, loss: 0.01 });
    const flow = (await cluster.links.status()).find((l) => l.id === 'val-0>exe-1')!;
    expect(
      flow.connections.length +
        (await cluster.links.status()).find((l) => l.id === 'exe-1>val-0')!.connections.length,
    ).toBeGreaterThan(0);
    expect(await cluster.links.reset('val-0', 'exe-1')).toBeGreaterThan(0);
    expect(cluster.recording.faults.find((f) => f.kind === 'link-reset')).toMatchObject({
      description: 'reset(val-0, exe-1)',
      nodes: ['exe-1', 'val-0'],
    });
    const reconnected = await eventually(
      async () => (await cluster.client('val-0').connectedPeers!()).includes('exe-1'),
      20_000,
    );
    expect(reconnected).toBe(true);
    await capped.lift();
    expect(cluster.recording.linkAt('exe-1', 'val-0')).toEqual({});

    await expect(cluster.links.partition([['val-0', 'nope']])).rejects.toThrow(ConfigError);
    await expect(cluster.links.partition([['val-0', 'nope']])).rejects.toThrow(/groups\[0\]\[1\].*nope/s);
    await expect(cluster.links.set({ from: 'val-0', to: 'exe-0' }, { latencyMs: -1 })).rejects.toThrow(
      /latencyMs.*-1/s,
    );
  });

  test('membership: a node leaving loses its links and peers; joining again gives it new ones', async () => {
    await using cluster = await Cluster.of({
      validators: 3,
      wallets: 2,
      links: true,
      name: 'links-members',
    }).start();
    const target = (await cluster.links.status()).find((l) => l.to === 'val-2')!.target;
    await cluster.links.leave('val-2');
    const links = await cluster.links.status();
    expect(links.filter((l) => l.from === 'val-2' || l.to === 'val-2')).toEqual([]);
    // The others' books no longer list it, so they closed their connections to it.
    const gone = await eventually(async () => {
      const views = await Promise.all(['val-0', 'val-1'].map((n) => cluster.client(n).connectedPeers!()));
      return views.every((v) => !v.includes('val-2'));
    }, 10_000);
    expect(gone).toBe(true);

    await cluster.links.join({ name: 'val-2', target, dials: ['val-0', 'val-1'] });
    const ports = (await cluster.links.status()).filter((l) => l.to === 'val-2').map((l) => l.port);
    expect(ports).toHaveLength(2);
    expect(cluster.links.endpointsFor('val-0').reachable.find((p) => p.name === 'val-2')!.p2pPort).toBe(
      (await cluster.links.status()).find((l) => l.id === 'val-0>val-2')!.port,
    );
    const back = await eventually(
      async () => (await cluster.client('val-0').connectedPeers!()).includes('val-2'),
      20_000,
    );
    expect(back).toBe(true);
    await expect(cluster).toConverge({ within: 30_000 });
  });

  test('without links, link faults are refused; the attach deployer refuses `links: true`', async () => {
    await using cluster = await Cluster.of({ validators: 1, wallets: 1, name: 'no-links' }).start();
    expect(cluster.links.enabled).toBe(false);
    const refusal = await cluster.links.partition([['val-0']]).catch((e: unknown) => e);
    expect(CapabilityError.is(refusal)).toBe(true);
    expect((refusal as Error).message).toMatch(/links: true/);

    const attached = await Cluster.of({
      validators: 1,
      deployer: 'attach',
      attach: { urls: [cluster.nodes[0]!.apiUrl], chainDir: join(cluster.dir!, 'chain') },
      links: true,
      name: 'attach-links',
    })
      .start()
      .catch((e: unknown) => e);
    expect(CapabilityError.is(attached)).toBe(true);
    expect(attached).toMatchObject({ deployer: 'attach', capability: 'links', missing: 'feature' });
    expect((attached as Error).message).toMatch(
      /attach deployer cannot put links between nodes it did not start/,
    );
  });
});
