/**
 * Real libp2p nodes on 127.0.0.1 with refnode's gossipsub settings, brought into the two states
 * where gossipsub leaves a connected peer without a live gossip stream (see gossip-streams.ts):
 * each test first shows that nothing reaches the peer, then that the mender opens the stream.
 */
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { type GossipSub, gossipsub } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import type { Libp2p } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { createLibp2p } from 'libp2p';
import { afterEach, describe, expect, test } from 'vitest';
import { gossipOptions, IgnoreTracker } from './gossip.ts';
import { GOSSIP_STREAM_GRACE_MS, GossipStreamMender, type ReopenedStream } from './gossip-streams.ts';

const TOPIC = '/refnode/streams-test/blocks';
/** What the test reads of gossipsub beyond its interface: its stream table and its mesh. */
type GossipSubState = GossipSub & {
  streamsOutbound: Map<string, { rawStream: unknown }>;
  getMeshPeers(topic: string): string[];
};
type Node = Libp2p<{ pubsub: GossipSubState }>;
const started: Libp2p[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((node) => node.stop()));
});

async function startNode(): Promise<Node> {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      pubsub: gossipsub({ ...gossipOptions('streams-test', new IgnoreTracker()), allowedTopics: [TOPIC] }),
    },
  });
  started.push(node);
  node.services.pubsub.subscribe(TOPIC);
  return node as unknown as Node;
}

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const from = Date.now();
  while (!(await check())) {
    if (Date.now() - from > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const hasStreamTo = (from: Node, to: Node) => from.services.pubsub.streamsOutbound.has(to.peerId.toString());
const meshOf = (node: Node) => node.services.pubsub.getMeshPeers(TOPIC);

/** a and b dialled each other at once: two connections, gossip both ways, each in the other's mesh. */
async function crossedPair(): Promise<[Node, Node]> {
  const [a, b] = await Promise.all([startNode(), startNode()]);
  await Promise.all([a.dial(b.getMultiaddrs()[0]!), b.dial(a.getMultiaddrs()[0]!)]);
  await until(
    'two connections and gossip both ways',
    () => a.getConnections(b.peerId).length === 2 && hasStreamTo(a, b) && hasStreamTo(b, a),
  );
  await until(
    'a mesh both ways',
    () => meshOf(a).includes(b.peerId.toString()) && meshOf(b).includes(a.peerId.toString()),
  );
  return [a, b];
}

/** Closes the connection that carries a's gossip stream to b; they stay connected over the other. */
async function closeGossipCarrier(a: Node, b: Node): Promise<void> {
  const stream = a.services.pubsub.streamsOutbound.get(b.peerId.toString())?.rawStream;
  const carrier = a.getConnections(b.peerId).find((c) => c.streams.some((s) => s === stream));
  expect(carrier, "the connection carrying a's gossip stream").toBeDefined();
  await carrier!.close();
  await until('a without its gossip stream to b', () => !hasStreamTo(a, b));
  expect(a.getConnections(b.peerId), 'still connected over the other connection').toHaveLength(1);
}

/** Resolves with the first message b receives on the topic, or undefined after `ms`. */
function nextMessage(b: Node, ms: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(undefined), ms);
    const onMessage = (event: CustomEvent<{ data: Uint8Array }>) =>
      done(new TextDecoder().decode(event.detail.data));
    const done = (value: string | undefined) => {
      clearTimeout(timer);
      b.services.pubsub.removeEventListener('message', onMessage as never);
      resolve(value);
    };
    b.services.pubsub.addEventListener('message', onMessage as never);
  });
}

describe('a connected peer without a live gossip stream from us', () => {
  test('after one of two connections closes: gossipsub alone never opens the stream again; the mender does', async () => {
    const [a, b] = await crossedPair();
    await closeGossipCarrier(a, b);
    const lost = nextMessage(b, GOSSIP_STREAM_GRACE_MS);
    await a.services.pubsub.publish(TOPIC, new TextEncoder().encode('lost'));
    expect(await lost, 'without the mender b hears nothing from a').toBeUndefined();
    expect(hasStreamTo(a, b), 'and a has opened no stream').toBe(false);

    const reopened: ReopenedStream[] = [];
    const mender = new GossipStreamMender(a, a.services.pubsub, (r) => reopened.push(r));
    await mender.check();
    expect(reopened, 'nothing reopened before the grace').toEqual([]);
    await until('a stream from a to b again', async () => {
      await mender.check();
      return mender.isLive(b.peerId, 'outbound');
    });
    expect(reopened).toEqual([{ peer: b.peerId.toString(), missingMs: expect.any(Number), stale: false }]);
    expect(reopened[0]!.missingMs).toBeGreaterThanOrEqual(GOSSIP_STREAM_GRACE_MS);

    await until('b in a mesh again', () => meshOf(a).includes(b.peerId.toString()));
    const heard = nextMessage(b, 10_000);
    await a.services.pubsub.publish(TOPIC, new TextEncoder().encode('back'));
    expect(await heard).toBe('back');
    // Healthy again: later checks leave it alone.
    await mender.check(Date.now() + 10 * GOSSIP_STREAM_GRACE_MS);
    expect(reopened).toHaveLength(1);
  });

  test('after gossipsub kept a dead stream from a lost connection: no stream on reconnect until the mender drops it', async () => {
    const [a, b] = await Promise.all([startNode(), startNode()]);
    await a.dial(b.getMultiaddrs()[0]!);
    await until('gossip both ways', () => hasStreamTo(a, b) && hasStreamTo(b, a));
    const dead = a.services.pubsub.streamsOutbound.get(b.peerId.toString())!;
    await a.hangUp(b.peerId);
    await until('a forgot b', () => a.getConnections(b.peerId).length === 0 && !hasStreamTo(a, b));
    // What the race leaves: the connection died while gossipsub was opening this stream, and the
    // stream was closed before gossipsub began watching it, so gossipsub stored it after it had
    // already dropped the peer (seen in a cluster after a cut: `GET /p2p/peers` had no stream
    // on any connection, gossipsub a stream).
    a.services.pubsub.streamsOutbound.set(b.peerId.toString(), dead);
    await a.dial(b.getMultiaddrs()[0]!);
    await until('b sends to a again', () => hasStreamTo(b, a) && a.getConnections(b.peerId).length === 1);

    const reopened: ReopenedStream[] = [];
    const mender = new GossipStreamMender(a, a.services.pubsub, (r) => reopened.push(r));
    const subscribed = () => b.services.pubsub.getSubscribers(TOPIC).some((p) => p.equals(a.peerId));
    const lost = nextMessage(b, GOSSIP_STREAM_GRACE_MS);
    await a.services.pubsub.publish(TOPIC, new TextEncoder().encode('lost'));
    expect(await lost, 'without the mender b hears nothing from a').toBeUndefined();
    expect(mender.isLive(b.peerId, 'outbound'), "a's stream is the dead one").toBe(false);
    expect(subscribed(), "so b never learned a's subscriptions").toBe(false);

    await until('a live stream from a to b', async () => {
      await mender.check();
      return mender.isLive(b.peerId, 'outbound');
    });
    expect(reopened).toEqual([{ peer: b.peerId.toString(), missingMs: expect.any(Number), stale: true }]);
    await until("b knows a's subscriptions", subscribed);
    await until(
      'a and b in each other’s mesh',
      () => meshOf(a).includes(b.peerId.toString()) && meshOf(b).includes(a.peerId.toString()),
    );
    const heard = nextMessage(b, 10_000);
    await a.services.pubsub.publish(TOPIC, new TextEncoder().encode('back'));
    expect(await heard).toBe('back');
  });

  test('a peer that does not speak gossipsub is never given a stream', async () => {
    const a = await startNode();
    const plain = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() },
    });
    started.push(plain);
    await a.dial(plain.getMultiaddrs()[0]!);
    // Identify done: a knows what plain speaks, and it is not gossipsub.
    await until('identify done', async () => {
      const known = await a.peerStore.get(plain.peerId).catch(() => undefined);
      return (known?.protocols.length ?? 0) > 0;
    });
    const reopened: ReopenedStream[] = [];
    const mender = new GossipStreamMender(a, a.services.pubsub, (r) => reopened.push(r));
    await mender.check();
    await mender.check(Date.now() + 10 * GOSSIP_STREAM_GRACE_MS);
    expect(reopened).toEqual([]);
  });
});
