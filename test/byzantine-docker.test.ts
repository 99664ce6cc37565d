// The Byzantine gossip peer against refnode nodes in Docker containers. The peer runs in
// this process and dials each node through the p2p port its container publishes on
// 127.0.0.1 (`DeployedNode.p2pEndpoint`); the node sees it arrive from the bridge's gateway
// (the engine's port forwarding), not from loopback. Each node must read the flood (its own
// verdict counts), penalise the peer, refuse its invalid txs and keep finalizing, as on the
// local deployer; a container started with `--bug no-gossip-penalty` reads the flood and
// `toPenalize` fails naming it. Without a Docker engine it is skipped locally and fails in CI.
import { expect, test } from 'vitest';
import { Cluster } from '../src/cluster/cluster.ts';
import type { StartedCluster } from '../src/cluster/types.ts';
import '../src/matchers/vitest.ts';
import { byzantinePeer } from '../src/workloads/byzantine/byzantine-peer.ts';
import { matcherFailure } from './helpers.ts';
import { describeNeeding, dockerRequirement } from './requirements.ts';

/** Where a refnode node says a peer's connection comes from (`GET /p2p/peers`). */
async function remoteAddrOf(apiUrl: string, peerId: string): Promise<string | null | undefined> {
  const res = await fetch(`${apiUrl}/p2p/peers`, { signal: AbortSignal.timeout(5000) });
  const body = (await res.json()) as { peers: { peerId: string; remoteAddr: string | null }[] };
  return body.peers.find((p) => p.peerId === peerId)?.remoteAddr;
}

/** The last count a node gave of the messages it read from `peerId`, by verdict. */
function readFrom(cluster: StartedCluster, node: string, peerId: string) {
  const views = cluster.recording
    .gossipSamplesOf(node)
    .flatMap((s) => s.peers?.filter((p) => p.peerId === peerId) ?? []);
  return views.at(-1)?.messages;
}

const base = {
  slotMs: 250,
  securityParam: 4,
  validators: 3,
  wallets: 4,
  deployer: 'docker',
} as const;

describeNeeding(await dockerRequirement(), 'a Byzantine gossip peer on the docker deployer', () => {
  test('reaches every container through its published p2p port; each node reads the flood, penalises the peer, refuses its invalid txs and stays live', async () => {
    await using cluster = await Cluster.of({ ...base, name: 'byzantine-docker' }).start();
    expect(cluster.deployer.name).toBe('docker');
    for (const node of cluster.nodes) expect(node.p2pEndpoint?.host, node.name).toBe('127.0.0.1');
    const since = cluster.recording.now();
    const attacker = await byzantinePeer({ rate: 100, durationMs: 3000 }).start(cluster);
    for (const node of cluster.nodes) {
      // Through the engine's forwarding: an address on the container's network, never loopback.
      const addr = await remoteAddrOf(node.client.url, attacker.peerId);
      expect(addr, node.name).toMatch(/^\/ip4\/\d+\.\d+\.\d+\.\d+\/tcp\/\d+/);
      expect(addr, node.name).not.toMatch(/^\/ip4\/127\./);
    }

    await expect(cluster).toPenalize(attacker, { within: 5000 });
    const summary = await attacker.done;
    expect(summary.targets).toEqual(['val-0', 'val-1', 'val-2']);
    expect(summary.unheard).toBe(0);
    // The node's own count of what it read from the peer: a score alone could come from elsewhere.
    for (const name of summary.targets)
      expect(readFrom(cluster, name, attacker.peerId)?.rejected, name).toBeGreaterThan(0);
    await expect(cluster).toRejectWith(attacker);
    await expect(cluster).toStayLive({ since });
  }, 180_000);

  test('a container that never lowers scores (--bug no-gossip-penalty) reads the flood, and toPenalize fails naming it', async () => {
    await using cluster = await Cluster.of({
      ...base,
      name: 'byzantine-docker-no-penalty',
      bugs: { 'val-2': ['no-gossip-penalty'] },
    }).start();
    const attacker = await byzantinePeer({ rate: 100, durationMs: 3000 }).start(cluster);
    await attacker.done;
    const error = await matcherFailure(() => expect(cluster).toPenalize(attacker, { within: 3000 }));
    // Only val-2 is judged here (the healthy nodes are the first test's): named, penalties off.
    const verdict = error.actual as { kind: string; missing: { node: string; penalties?: boolean }[] };
    expect(verdict.kind).toBe('not-penalized');
    expect(verdict.missing.find((m) => m.node === 'val-2')).toMatchObject({ penalties: false });
    expect(error.message).toMatch(/val-2 did not: .*the node reports gossip penalties off/);
    // It read what the peer sent (and rejected it): only the penalty is missing.
    expect(readFrom(cluster, 'val-2', attacker.peerId)?.rejected).toBeGreaterThan(0);
  }, 180_000);
});
