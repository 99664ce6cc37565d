/**
 * The link layer on the docker deployer: the proxy runs as one more container on the
 * cluster's network, and the same `cluster.links` calls act the same way. Every p2p
 * connection a node holds runs to or from the proxy's container (never to another node's
 * address), a partition is recorded and confirmed, no byte crosses it, and it heals.
 * Skipped only when no Docker engine answers (CI always starts one).
 */
import { describe, expect, test } from 'vitest';
import { Cluster } from '../src/cluster/cluster.ts';
import type { StartedCluster } from '../src/cluster/types.ts';
import { dockerAvailability } from '../src/deployers/docker/docker-client.ts';
import '../src/matchers/vitest.ts';

const docker = await dockerAvailability();
if (!docker.available) console.warn(`links on docker SKIPPED: ${docker.reason}`);

/** Hosts at the far end of every connection each node holds now (`GET /p2p/peers`). */
async function remoteHosts(cluster: StartedCluster): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const node of cluster.nodes) {
    const res = await fetch(`${node.apiUrl}/p2p/peers`);
    const view = (await res.json()) as { peers: { connected: boolean; remoteAddr: string | null }[] };
    out.set(
      node.name,
      view.peers.filter((p) => p.connected && p.remoteAddr).map((p) => p.remoteAddr!.split('/')[2]!),
    );
  }
  return out;
}

async function bytesBetween(cluster: StartedCluster, a: string, rest: readonly string[]): Promise<number> {
  const links = await cluster.links.status();
  return links
    .filter((l) => (l.from === a && rest.includes(l.to)) || (l.to === a && rest.includes(l.from)))
    .reduce((sum, l) => sum + l.bytes.forward + l.bytes.back, 0);
}

describe.skipIf(!docker.available)('link layer on the docker deployer', () => {
  test('every connection runs through the proxy; a partition passes nothing, is recorded, and heals', async () => {
    await using cluster = await Cluster.of({
      validators: 3,
      wallets: 2,
      deployer: 'docker',
      links: true,
      name: 'links-docker',
      startTimeoutMs: 120_000,
    }).start();
    // Outbound connections go to the proxy by name, inbound ones come from its address: one
    // far end for every connection of every node, whatever the nodes learned.
    const hosts = new Set([...(await remoteHosts(cluster)).values()].flat());
    const names = new Set(cluster.nodes.map((n) => n.name));
    expect([...hosts].filter((h) => names.has(h))).toEqual([]);
    expect([...hosts].filter((h) => h !== 'chainlab-links')).toHaveLength(1);

    const split = await cluster.links.partition([['val-0'], ['val-1', 'val-2']]);
    expect(cluster.recording.faults.find((f) => f.kind === 'partition')).toMatchObject({
      description: 'partition(val-0 | val-1,val-2)',
      nodes: ['val-0', 'val-1', 'val-2'],
    });
    const before = await bytesBetween(cluster, 'val-0', ['val-1', 'val-2']);
    const stalledAt = (await cluster.client('val-0').info()).height;
    await new Promise((r) => setTimeout(r, 4000));
    expect(await bytesBetween(cluster, 'val-0', ['val-1', 'val-2'])).toBe(before);
    expect(await cluster.client('val-0').connectedPeers!()).toEqual([]);
    // One third of the stake: val-0 stalls while the others go on.
    expect((await cluster.client('val-0').info()).height).toBeLessThanOrEqual(stalledAt + 1);
    await split.lift();
    await expect(cluster).toConverge({ within: 30_000 });
    expect(await bytesBetween(cluster, 'val-0', ['val-1', 'val-2'])).toBeGreaterThan(before);
  }, 240_000);
});
