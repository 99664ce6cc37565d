/**
 * The link layer is chain-neutral: a litecoind cluster started with `links: true` (local
 * deployer, real `litecoind -regtest` processes) dials its peers only through the links
 * (`-connect` to the proxy's ports, nothing learned dialled), and a partition acts on it as on
 * refnode. Split 2|2, both sides go on mining their own chain and no node keeps a peer
 * across the cut; healed, the nodes reconnect through their links and converge on one chain.
 */
import { describe, expect, test } from 'vitest';
import { litecoindAdapter } from '../src/adapter/litecoind/adapter.ts';
import { LitecoindChainClient } from '../src/adapter/litecoind/chain-client.ts';
import type { LitecoinPeer } from '../src/adapter/litecoind/client.ts';
import { Cluster } from '../src/cluster/cluster.ts';
import type { StartedCluster } from '../src/cluster/types.ts';
import { eventually } from './helpers.ts';

const BLOCK_MS = 400;

/** A node's raw `getpeerinfo`. */
async function rawPeers(cluster: StartedCluster, name: string): Promise<LitecoinPeer[]> {
  const client = cluster.client(name);
  if (!(client instanceof LitecoindChainClient)) throw new Error(`${name} is not a litecoind node`);
  return client.node.peers();
}

/**
 * Which link each of a node's connections runs over, from the proxy's side of the socket:
 * an outbound peer's address is the port the proxy listens on for the link, an inbound one's
 * is the port the proxy dialled the node from. A connection matching neither bypasses the links.
 */
async function peerLinks(
  cluster: StartedCluster,
  name: string,
): Promise<{ links: string[]; bypass: string[] }> {
  const status = await cluster.links.status();
  const listen = new Map(status.map((l) => [l.port, l]));
  const upstream = new Map(
    status.flatMap((l) =>
      l.connections.flatMap((c) => (c.upstreamPort === null ? [] : [[c.upstreamPort, l] as const])),
    ),
  );
  const out = { links: [] as string[], bypass: [] as string[] };
  for (const p of await rawPeers(cluster, name)) {
    const port = Number(p.addr.split(':').pop());
    const link = p.inbound ? upstream.get(port) : listen.get(port);
    if (link !== undefined && (p.inbound ? link.to : link.from) === name) out.links.push(link.id);
    else out.bypass.push(`${p.inbound ? 'inbound from' : 'outbound to'} ${p.addr}`);
  }
  return out;
}

describe('link layer on litecoind (local deployer)', () => {
  test('a 2|2 partition forks the chain with no peer across the cut; healed, the nodes converge', {
    timeout: 240_000,
  }, async () => {
    await using cluster = await Cluster.of({
      adapter: litecoindAdapter(),
      validators: 4,
      wallets: 0,
      blockIntervalMs: BLOCK_MS,
      links: true,
      startTimeoutMs: 120_000,
      name: 'links-ltc',
    }).start();
    expect(cluster.links.enabled).toBe(true);
    const all = cluster.nodes.map((n) => n.name);
    const left = ['val-0', 'val-1'];
    const right = ['val-2', 'val-3'];

    // Before the cut: a full mesh, each node naming every other and dialling each one itself
    // (its `-connect` peers: `manual`, the only outbound kind), every connection on a link.
    for (const n of all) {
      const others = all.filter((o) => o !== n).sort();
      const meshed = await eventually(async () => {
        const named = [...new Set(await cluster.client(n).connectedPeers!())].sort();
        const dialled = (await rawPeers(cluster, n)).filter((p) => !p.inbound && p.subver !== '');
        return named.join() === others.join() && dialled.length === others.length;
      }, 20_000);
      expect(meshed, `${n} connected to ${others.join(', ')}, dialling each`).toBe(true);
      const raw = await rawPeers(cluster, n);
      expect([...new Set(raw.filter((p) => !p.inbound).map((p) => p.connectionType))]).toEqual(['manual']);
      const { links, bypass } = await peerLinks(cluster, n);
      expect(bypass, `${n}'s connections around the links`).toEqual([]);
      expect(links.length).toBeGreaterThanOrEqual(others.length);
    }

    const split = await cluster.links.partition([left, right]);
    expect(split.description).toBe('partition(val-0,val-1 | val-2,val-3)');
    expect(cluster.recording.faults.find((f) => f.kind === 'partition')?.links).toHaveLength(8);
    const fromHeight = Object.fromEntries(
      await Promise.all(all.map(async (n) => [n, (await cluster.client(n).info()).height] as const)),
    );

    // For ~20 blocks: no node has a peer on the other side (by name, or by any completed
    // handshake on a link that crosses the cut), and none connects around the links.
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      for (const n of all) {
        const other = left.includes(n) ? right : left;
        const named = await cluster.client(n).connectedPeers!();
        expect(
          named.filter((p) => other.includes(p)),
          `${n}'s peers across the cut`,
        ).toEqual([]);
        const { bypass } = await peerLinks(cluster, n);
        expect(bypass, `${n}'s connections around the links`).toEqual([]);
      }
    }
    // Both sides mined on their own chain: each advanced, and neither has the other's tip.
    // Read once each side agrees within itself (a block mined a moment before the read may
    // not have crossed to its neighbour yet), still cut off.
    let tips: { height: number; tip: string }[] = [];
    const sidesSettled = await eventually(async () => {
      tips = await Promise.all(['val-0', 'val-1', 'val-2', 'val-3'].map((n) => cluster.client(n).info()));
      return tips[0]!.tip === tips[1]!.tip && tips[2]!.tip === tips[3]!.tip;
    }, 10_000);
    expect(sidesSettled, 'val-0 and val-1, and val-2 and val-3, on the same tip').toBe(true);
    const [leftTip, , rightTip] = tips as [(typeof tips)[0], unknown, (typeof tips)[0]];
    expect(leftTip.height).toBeGreaterThan(fromHeight['val-0']!);
    expect(rightTip.height).toBeGreaterThan(fromHeight['val-2']!);
    expect(leftTip.tip).not.toBe(rightTip.tip);
    expect(await cluster.client('val-2').block(leftTip.tip)).toBeUndefined();
    expect(await cluster.client('val-0').block(rightTip.tip)).toBeUndefined();
    // Each side agrees within itself.
    expect((await cluster.client('val-1').block(leftTip.tip))?.hash).toBe(leftTip.tip);
    expect((await cluster.client('val-3').block(rightTip.tip))?.hash).toBe(rightTip.tip);

    await cluster.links.heal();
    expect(split.active).toBe(false);
    const rejoined = await eventually(
      async () => (await cluster.client('val-0').connectedPeers!()).includes('val-2'),
      20_000,
    );
    expect(rejoined).toBe(true);
    await expect(cluster).toConverge({ within: 30_000 });
    // One side reorganised onto the other's chain: exactly one split tip is on the active chain.
    const onChain = await Promise.all(
      [leftTip, rightTip].map(
        async (t) => (await cluster.client('val-3').blocks(t.height, t.height))[0]?.hash === t.tip,
      ),
    );
    expect(onChain.filter(Boolean)).toHaveLength(1);
    for (const n of all) expect((await peerLinks(cluster, n)).bypass, `${n} after heal`).toEqual([]);
  });
});
