import { createServer } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type PortReservation, reservePorts } from '../../../src/deployers/local/free-port.ts';
import { isP2pError, type P2pError } from './errors.ts';
import { peerIdFromSecretKey } from './identity.ts';
import {
  type ChainStatus,
  type Network,
  type NetworkOptions,
  type SyncProvider,
  startNetwork,
  type Topic,
  type Verdict,
} from './network.ts';

// Real libp2p nodes on 127.0.0.1 in this process. Set P2P_TEST_LOG=info to see their story.
const logger = pino({ level: process.env.P2P_TEST_LOG ?? 'silent' });
const CHAIN_ID = 'p2p-test';

/** A real in-memory chain of `height` blocks; block i's bytes are `block-i`, its hash `hash-of-i` in hex. */
function memoryChain(height: number): SyncProvider & { blocks: Uint8Array[] } {
  const blocks = Array.from({ length: height + 1 }, (_, i) => new TextEncoder().encode(`block-${i}`));
  const hashOf = (i: number) => Buffer.from(`hash-${i}`).toString('hex');
  return {
    blocks,
    status: (): ChainStatus => ({ height, tip: hashOf(height), finalizedHeight: Math.max(0, height - 2) }),
    blocksByHeight: (from, to) => blocks.slice(from, to + 1),
    blockByHash: (hash) => {
      const index = blocks.findIndex((_, i) => hashOf(i) === hash);
      return index === -1 ? undefined : blocks[index];
    },
  };
}

/**
 * A port for a test node, reserved machine-wide until the file ends and drawn from below the
 * ephemeral range: a stopped node binds its port again, and a port from `listen(0)` could
 * meanwhile go to any outgoing connection on the machine (these nodes' own dials included).
 */
const reservations: PortReservation[] = [];
async function freePort(): Promise<number> {
  const reservation = await reservePorts(1);
  reservations.push(reservation);
  return reservation.ports[0]!;
}
afterAll(() => {
  for (const reservation of reservations.splice(0)) reservation.release();
});

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((name) => name.startsWith('TCP')).length;
}

interface TestNode {
  name: string;
  key: string;
  port: number;
  peerId: string;
  address: string;
  registry: Registry;
  sync: SyncProvider;
  received: Record<Topic, string[]>;
  net?: Network;
}

async function defineNode(name: string, seedByte: number, height: number): Promise<TestNode> {
  const key = seedByte.toString(16).padStart(2, '0').repeat(32);
  const port = await freePort();
  const peerId = await peerIdFromSecretKey(key);
  return {
    name,
    key,
    port,
    peerId,
    address: `/ip4/127.0.0.1/tcp/${port}/p2p/${peerId}`,
    registry: new Registry(),
    sync: memoryChain(height),
    received: { blocks: [], txs: [], da: [] },
  };
}

async function start(
  node: TestNode,
  peers: TestNode[],
  extra: Partial<NetworkOptions> = {},
): Promise<Network> {
  node.registry = new Registry();
  const net = await startNetwork({
    secretKey: node.key,
    host: '127.0.0.1',
    port: node.port,
    announce: [],
    peers: peers.map((peer) => peer.address),
    chainId: CHAIN_ID,
    logger: logger.child({ node: node.name }),
    registry: node.registry,
    sync: node.sync,
    ...extra,
  });
  for (const topic of ['blocks', 'txs', 'da'] as const) {
    net.subscribe(topic, (data): Verdict => {
      node.received[topic].push(new TextDecoder().decode(data));
      return 'accept';
    });
  }
  node.net = net;
  return net;
}

function net(node: TestNode): Network {
  if (node.net === undefined) throw new Error(`${node.name} is not started`);
  return node.net;
}

async function metric(node: TestNode, name: string, labels: Record<string, string> = {}): Promise<number> {
  const found = (await node.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (found?.values ?? []) as { value: number; labels: Record<string, string | number> }[];
  return values
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((sum, v) => sum + v.value, 0);
}

describe('p2p network (real libp2p on 127.0.0.1)', () => {
  let a: TestNode;
  let b: TestNode;
  let c: TestNode;
  let d: TestNode;
  let baselineTcp = 0;

  beforeAll(async () => {
    baselineTcp = tcpHandles();
    [a, b, c, d] = await Promise.all([
      defineNode('a', 0xa1, 30),
      defineNode('b', 0xb2, 30),
      defineNode('c', 0xc3, 12),
      defineNode('d', 0xd4, 0),
    ]);
  });

  afterAll(async () => {
    await Promise.all([a, b, c, d].map((node) => node?.net?.stop()));
  });

  test('peer ids are deterministic from the secret key', async () => {
    expect(await peerIdFromSecretKey(a.key)).toBe(a.peerId);
    expect(a.peerId).toMatch(/^12D3Koo/);
    expect(a.peerId).not.toBe(b.peerId);
    await expect(peerIdFromSecretKey('zz')).rejects.toThrow(/64 hex chars/);
  });

  test('bad options are refused before anything starts, all named at once', async () => {
    const error = await startNetwork({
      secretKey: 'nope',
      host: 'localhost',
      port: 70000,
      announce: ['not-a-multiaddr'],
      peers: ['/ip4/127.0.0.1/tcp/1'],
      chainId: 'bad chain',
      logger,
      registry: new Registry(),
      sync: memoryChain(0),
    }).catch((e: unknown) => e);
    expect(isP2pError(error)).toBe(true);
    const p2pError = error as P2pError;
    expect(p2pError.code).toBe('invalid_option');
    for (const field of [
      'secretKey',
      'host',
      'port',
      'chainId',
      'announce[0]',
      'peers[0] must end with /p2p/',
    ]) {
      expect(p2pError.message).toContain(field);
    }
  });

  test('a port in use fails with listen_failed naming the address and the errno', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(d.port, '127.0.0.1', resolve));
    try {
      const error = (await start(d, []).catch((e: unknown) => e)) as P2pError;
      expect(error.code).toBe('listen_failed');
      expect(error.message).toBe(
        `p2p could not listen on 127.0.0.1:${d.port}: listen EADDRINUSE: address already in use 127.0.0.1:${d.port}`,
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  test('nodes started in any order connect to every configured peer (a dials b and c before they exist)', async () => {
    const started = Date.now();
    await start(a, [b, c]);
    await new Promise((resolve) => setTimeout(resolve, 1200)); // a's first dials fail: b and c are down
    await start(b, [a, c]);
    // c announces a DNS name instead of its listen address (as in docker): peers learn that.
    await start(c, [a, b], { announce: [`/dns4/localhost/tcp/${c.port}`] });
    await waitFor('a full mesh of a, b, c', () => [a, b, c].every((node) => net(node).peers().length === 2));
    expect(new Set(net(a).peers())).toEqual(new Set([b.peerId, c.peerId]));
    expect(net(a).addresses).toEqual([a.address]);
    expect(net(c).addresses).toEqual([`/dns4/localhost/tcp/${c.port}/p2p/${c.peerId}`]);
    expect(await metric(a, 'refnode_p2p_peers')).toBe(2);
    expect(await metric(a, 'refnode_p2p_dials_total', { outcome: 'error' })).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(8000);
  });

  test('a message published on each topic reaches every other node exactly once', async () => {
    const nodes = [a, b, c];
    await waitFor('topic meshes', () =>
      nodes.every((node) =>
        (['blocks', 'txs', 'da'] as const).every((t) => net(node).topicPeers(t).length === 2),
      ),
    );
    for (const topic of ['blocks', 'txs', 'da'] as const) {
      for (const sender of nodes) {
        const payload = `${topic} from ${sender.name}`;
        await net(sender).publish(topic, new TextEncoder().encode(payload));
        // The same bytes again: the content-hash message id dedups it, and publish still resolves.
        await net(sender).publish(topic, new TextEncoder().encode(payload));
      }
    }
    await waitFor('all deliveries', () =>
      nodes.every((node) => (['blocks', 'txs', 'da'] as const).every((t) => node.received[t].length >= 2)),
    );
    await new Promise((resolve) => setTimeout(resolve, 300)); // room for a duplicate to (wrongly) arrive
    for (const node of nodes) {
      for (const topic of ['blocks', 'txs', 'da'] as const) {
        const expected = nodes
          .filter((other) => other !== node)
          .map((other) => `${topic} from ${other.name}`);
        expect(node.received[topic].sort(), `${node.name} on ${topic}`).toEqual(expected.sort());
      }
      expect(await metric(node, 'refnode_p2p_gossip_received_total', { verdict: 'accept' })).toBe(6);
      expect(await metric(node, 'refnode_p2p_gossip_published_total', { topic: 'txs' })).toBe(2);
    }
  });

  test('publishing with no peers on a topic resolves', async () => {
    const lonely = await defineNode('lonely', 0x0e, 0);
    const lonelyNet = await start(lonely, []);
    try {
      await expect(lonelyNet.publish('blocks', new Uint8Array([1]))).resolves.toBeUndefined();
    } finally {
      await lonelyNet.stop();
    }
  });

  test('status, blocksByHeight and blockByHash round-trip through the sync protocol', async () => {
    const fromA = net(a);
    expect(await fromA.status(c.peerId)).toEqual(c.sync.status());
    const blocks = await fromA.blocksByHeight(b.peerId, 3, 7);
    expect(blocks.map((block) => new TextDecoder().decode(block))).toEqual([
      'block-3',
      'block-4',
      'block-5',
      'block-6',
      'block-7',
    ]);
    // c has only 12 blocks: the answer is what it has.
    expect((await fromA.blocksByHeight(c.peerId, 10, 20)).length).toBe(3);
    const hash = Buffer.from('hash-5').toString('hex');
    expect(new TextDecoder().decode(await fromA.blockByHash(b.peerId, hash))).toBe('block-5');
    expect(await fromA.blockByHash(b.peerId, Buffer.from('hash-99').toString('hex'))).toBeUndefined();
    await expect(fromA.blocksByHeight(b.peerId, 0, 500)).rejects.toMatchObject({
      code: 'bad_argument',
      message: expect.stringContaining('to must be'),
    });
    await expect(fromA.blocksByHeight(b.peerId, 5, 4)).rejects.toMatchObject({ code: 'bad_argument' });
    expect(await metric(b, 'refnode_p2p_sync_requests_served_total', { kind: 'blocks', outcome: 'ok' })).toBe(
      1,
    );
    expect(await metric(a, 'refnode_p2p_sync_requests_made_total', { outcome: 'ok' })).toBe(5);
  });

  test('a failing provider becomes a rejected promise naming the peer and the cause', async () => {
    const original = b.sync.blocksByHeight;
    b.sync.blocksByHeight = () => {
      throw new Error('storage is closed');
    };
    try {
      const error = (await net(a)
        .blocksByHeight(b.peerId, 1, 2)
        .catch((e: unknown) => e)) as P2pError;
      expect(error.code).toBe('remote_error');
      expect(error.peer).toBe(b.peerId);
      expect(error.message).toMatch(
        /sync blocks 1\.\.2 request: peer 12D3KooW.* answered internal: storage is closed/,
      );
    } finally {
      b.sync.blocksByHeight = original;
    }
    await expect(net(a).status('not-a-peer')).rejects.toMatchObject({ code: 'bad_argument' });
    const unknown = await peerIdFromSecretKey('77'.repeat(32));
    await expect(net(a).status(unknown)).rejects.toMatchObject({ code: 'protocol_error', peer: unknown });
  });

  test('a late joiner that knows only one bootstrap peer discovers and connects to all', async () => {
    const started = Date.now();
    await start(d, [a]);
    await waitFor('d connected to a, b and c', () => net(d).peers().length === 3);
    expect(new Set(net(d).peers())).toEqual(new Set([a.peerId, b.peerId, c.peerId]));
    await waitFor(
      'b and c see d',
      () => net(b).peers().includes(d.peerId) && net(c).peers().includes(d.peerId),
    );
    expect(await metric(d, 'refnode_p2p_peers_learned_total')).toBe(2);
    expect(Date.now() - started).toBeLessThan(5000);
    // And gossip flows both ways with the newcomer.
    await waitFor(
      'd in every blocks mesh',
      () =>
        net(d).topicPeers('blocks').length === 3 &&
        [a, b, c].every((node) => net(node).topicPeers('blocks').includes(d.peerId)),
    );
    await net(d).publish('blocks', new TextEncoder().encode('block from d'));
    await net(a).publish('blocks', new TextEncoder().encode('second block from a'));
    await waitFor('d block everywhere', () =>
      [a, b, c].every((node) => node.received.blocks.includes('block from d')),
    );
    await waitFor('a block at d', () => d.received.blocks.includes('second block from a'));
  });

  test('a stopped and restarted node (same key and port) is reconnected by the others', async () => {
    const events: string[] = [];
    const off = net(a).onPeer((peer, event) => {
      if (peer === b.peerId) events.push(event);
    });
    await net(b).stop();
    await waitFor(
      'a and c notice b is gone',
      () => !net(a).peers().includes(b.peerId) && !net(c).peers().includes(b.peerId),
    );
    await new Promise((resolve) => setTimeout(resolve, 1500)); // a and c keep failing to dial b meanwhile
    const restarted = await start(b, []); // b dials nobody: a and c must come back to it
    await waitFor(
      'a and c reconnect b',
      () => net(a).peers().includes(b.peerId) && net(c).peers().includes(b.peerId),
      8000,
    );
    // Each side reports the connection once its own upgrade finishes: b may be a moment later.
    await waitFor(
      'b sees a and c',
      () => [a.peerId, c.peerId].every((peer) => restarted.peers().includes(peer)),
      2000,
    );
    expect(events).toEqual(['disconnect', 'connect']);
    off();
  });

  test('stop() is idempotent and leaves no open sockets', async () => {
    const nodes = [a, b, c, d];
    await Promise.all(nodes.map((node) => net(node).stop()));
    await Promise.all(nodes.map((node) => net(node).stop()));
    await expect(net(a).publish('blocks', new Uint8Array([1]))).rejects.toMatchObject({ code: 'stopped' });
    await expect(net(a).status(b.peerId)).rejects.toMatchObject({ code: 'stopped' });
    await waitFor('sockets closed', () => tcpHandles() <= baselineTcp, 3000);
    expect(await metric(a, 'refnode_p2p_peers')).toBe(0);
  });
});

describe('gossip over a line of 6 nodes', () => {
  test('messages are forwarded hop by hop through the mesh to both ends', async () => {
    const nodes = await Promise.all(
      Array.from({ length: 6 }, (_, i) => defineNode(`line-${i}`, 0x31 + i, 0)),
    );
    try {
      // Each node knows only its predecessor and learns nobody (maxPeers 1): a line, not a mesh.
      for (const [i, node] of nodes.entries())
        await start(node, i === 0 ? [] : [nodes[i - 1] as TestNode], { maxPeers: 1 });
      // Relaying goes through the mesh, which forms a heartbeat after subscriptions are known.
      await waitFor('a line of mesh peers', () =>
        nodes.every((node, i) => net(node).meshPeers('blocks').length === (i === 0 || i === 5 ? 1 : 2)),
      );
      const [first, last] = [nodes[0] as TestNode, nodes[5] as TestNode];
      await net(last).publish('blocks', new TextEncoder().encode('from the end'));
      await net(first).publish('blocks', new TextEncoder().encode('from the start'));
      await waitFor(
        `both messages everywhere (peers ${nodes.map((n) => net(n).peers().length)}, mesh ${nodes.map((n) => net(n).meshPeers('blocks').length)})`,
        () =>
          nodes.every((node) => node.received.blocks.length === (node === first || node === last ? 1 : 2)),
      );
      expect(first.received.blocks).toEqual(['from the end']);
      expect(last.received.blocks).toEqual(['from the start']);
    } finally {
      await Promise.all(nodes.map((node) => node.net?.stop()));
    }
  });
});

describe('gossip peer scoring', () => {
  test('rejected messages and floods of ignored blocks lower the sender score', async () => {
    const [honest, byzantine] = await Promise.all([
      defineNode('honest', 0x11, 0),
      defineNode('byzantine', 0x22, 0),
    ]);
    const verdicts: Verdict[] = [];
    const honestNet = await start(honest, [byzantine]);
    const byzantineNet = await start(byzantine, [honest]);
    try {
      // The honest node rejects txs starting with "bad" and ignores stale blocks.
      honestNet.subscribe('txs', (data) => {
        const verdict: Verdict = new TextDecoder().decode(data).startsWith('bad') ? 'reject' : 'accept';
        verdicts.push(verdict);
        return verdict;
      });
      honestNet.subscribe('blocks', () => 'ignore');
      await waitFor(
        'byzantine sees honest on txs and blocks',
        () => byzantineNet.topicPeers('txs').length === 1 && byzantineNet.topicPeers('blocks').length === 1,
      );
      const before = honestNet.score(byzantine.peerId);
      expect(before).toBeGreaterThanOrEqual(0);

      await byzantineNet.publish('txs', new TextEncoder().encode('bad tx 1'));
      await byzantineNet.publish('txs', new TextEncoder().encode('bad tx 2'));
      await waitFor('two rejections', () => verdicts.filter((v) => v === 'reject').length === 2);
      await waitFor('score below the gossip threshold', () => honestNet.score(byzantine.peerId) < -10, 3000);
      expect(
        await metric(honest, 'refnode_p2p_gossip_received_total', { topic: 'txs', verdict: 'reject' }),
      ).toBe(2);
      // The byzantine side never judged anything, so its view of the honest node is untouched.
      expect(byzantineNet.score(honest.peerId)).toBeGreaterThanOrEqual(0);

      // Then a flood of valid-looking but stale blocks: gossipsub does not penalize ignored
      // messages itself; our app-specific score does, down to the graylist (-80).
      for (let i = 0; i < 400; i++)
        await byzantineNet.publish('blocks', new TextEncoder().encode(`stale block ${i}`));
      await waitFor('flooder graylisted', () => honestNet.score(byzantine.peerId) < -80, 3000);
      expect(
        await metric(honest, 'refnode_p2p_gossip_received_total', { topic: 'blocks', verdict: 'ignore' }),
      ).toBeGreaterThan(100);
      expect(await metric(honest, 'refnode_p2p_peer_score', { peer: byzantine.peerId })).toBeLessThan(-10);
    } finally {
      await Promise.all([honestNet.stop(), byzantineNet.stop()]);
    }
  });
});
