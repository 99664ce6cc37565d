/**
 * The Byzantine gossip peer against containers: it dials each node through the p2p port the
 * docker deployer publishes on 127.0.0.1 (not the addresses the nodes announce inside their
 * network), floods, and the nodes penalise it. Skipped only when no Docker engine answers.
 */
import { describe, expect, test } from 'vitest';
import { Cluster } from '../../cluster/cluster.ts';
import { dockerAvailability } from '../../deployers/docker/docker-client.ts';
import '../../matchers/vitest.ts';
import { byzantinePeer } from './byzantine-peer.ts';

const docker = await dockerAvailability();
if (!docker.available) console.warn(`byzantine peer docker test SKIPPED: ${docker.reason}`);

describe.skipIf(!docker.available)('a Byzantine gossip peer against a docker cluster', () => {
  test('dials the published p2p ports, floods, and every node penalises it', async () => {
    await using cluster = await Cluster.of({
      validators: 3,
      wallets: 4,
      slotMs: 250,
      securityParam: 4,
      deployer: 'docker',
      startTimeoutMs: 120_000,
      name: 'byzantine-docker',
    }).start();
    for (const node of cluster.nodes) expect(node.p2pEndpoint?.host).toBe('127.0.0.1');
    const attacker = await byzantinePeer({ rate: 50, durationMs: 4000 }).start(cluster);
    await expect(cluster).toPenalize(attacker, { within: 4000 });
    const summary = await attacker.done;
    expect(summary.unheard).toBe(0);
    expect(summary.messages).toBeGreaterThan(150);
    await expect(cluster).toRejectWith(attacker);
  }, 240_000);
});
