/**
 * A real libp2p host that takes part in a chain's gossip as a foreign peer: TCP, noise,
 * yamux, identify, ping and gossipsub (the same packages refnode runs), configured from the
 * adapter's gossip facet (topics, signing, message ids). It dials nodes, subscribes to every
 * topic, keeps the last messages it received, and publishes whatever bytes it is given, even
 * exact repeats of what it received or sent before (the nodes' own duplicate filters then
 * drop them, which is the point of a replay).
 */
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import { type GossipSub, gossipsub, StrictNoSign, StrictSign, TopicValidatorResult } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import type { Libp2p } from '@libp2p/interface';
import { ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import type { GossipKit, GossipMessage } from '../../adapter/types.ts';

/** Options of {@link startGossipPeer}. */
export interface GossipPeerOptions {
  kit: GossipKit;
  /** 32 bytes the peer's ed25519 identity derives from (so a seed replays the same peer id). */
  seed: Uint8Array;
  /** Received messages kept for replays. Default 256. */
  keepReceived?: number;
}

/** A started foreign gossip peer. `stop()` is idempotent. */
export interface GossipPeer extends AsyncDisposable {
  readonly peerId: string;
  /** Dials `addr` (a multiaddr with `/p2p/<peer id>`); resolves once connected. */
  dial(addr: string, timeoutMs: number): Promise<void>;
  /** Peer ids (of `among`) subscribed to every topic of the chain, as this peer knows. */
  subscribedPeers(among: readonly string[]): string[];
  /** Peer ids (of `among`) this peer has an open connection to. */
  connectedPeers(among: readonly string[]): string[];
  /** Publishes `message` to every connected peer subscribed to its topic; how many it went to. */
  publish(message: GossipMessage): Promise<number>;
  /** Messages received from other peers, newest last (at most `keepReceived`). */
  received(): readonly GossipMessage[];
  stop(): Promise<void>;
}

/** Ids of messages this peer publishes: unique per publish, so its own duplicate filter never drops one. */
function uniqueIds(): { id(): Uint8Array } {
  let n = 0n;
  return {
    id() {
      n++;
      const out = new Uint8Array(9);
      // A leading 0xff keeps these apart from the chain's ids in this peer's caches.
      out[0] = 0xff;
      new DataView(out.buffer).setBigUint64(1, n);
      return out;
    },
  };
}

/**
 * Starts a gossip peer with no listen address (it only dials) and subscribes it to every
 * topic of the chain. Nothing is dialled yet.
 *
 * @example
 * await using peer = await startGossipPeer({ kit: cluster.gossip!, seed });
 * await peer.dial(address, 10_000);
 * await peer.publish(kit.malformed(0));
 */
export async function startGossipPeer(opts: GossipPeerOptions): Promise<GossipPeer> {
  const { kit } = opts;
  const keep = opts.keepReceived ?? 256;
  const privateKey = await generateKeyPairFromSeed('Ed25519', opts.seed);
  const ours = new WeakSet<Uint8Array>();
  const ids = uniqueIds();
  const received: GossipMessage[] = [];
  // Nobody is ever scored down by this peer: it publishes to every subscriber whatever they do.
  const never = -1e12;
  const node: Libp2p<{ pubsub: GossipSub }> = await createLibp2p({
    privateKey,
    addresses: { listen: [] },
    // No keep-alive pings of its own: a node too busy to answer one in time (reading the
    // flood on a loaded machine) would make this peer hang up by itself, and the node would
    // be credited with dropping it. Any disconnect while it floods is the node's doing.
    connectionMonitor: { enabled: false },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        globalSignaturePolicy: kit.rules.signing === 'none' ? StrictNoSign : StrictSign,
        msgIdFn: (message) =>
          ours.has(message.data) ? ids.id() : kit.rules.messageId(message.topic, message.data),
        floodPublish: true,
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        fallbackToFloodsub: false,
        maxInboundDataLength: kit.rules.maxRpcBytes,
        allowedTopics: kit.topics.map((t) => t.wire),
        scoreThresholds: {
          gossipThreshold: never,
          publishThreshold: never,
          graylistThreshold: never,
          acceptPXThreshold: 0,
          opportunisticGraftThreshold: 0,
        },
      }),
    },
  });
  const pubsub = node.services.pubsub;
  for (const topic of kit.topics) {
    // Kept for replays; never forwarded (forwarding would make this peer useful).
    pubsub.topicValidators.set(topic.wire, (_from, message) => {
      received.push({ topic: message.topic, data: new Uint8Array(message.data) });
      if (received.length > keep) received.splice(0, received.length - keep);
      return TopicValidatorResult.Ignore;
    });
    pubsub.subscribe(topic.wire);
  }
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= Promise.resolve(node.stop());
    return stopping;
  };
  return {
    peerId: node.peerId.toString(),
    async dial(addr, timeoutMs) {
      await node.dial(multiaddr(addr), { signal: AbortSignal.timeout(timeoutMs) });
    },
    subscribedPeers(among) {
      const per = kit.topics.map((t) => new Set(pubsub.getSubscribers(t.wire).map((p) => p.toString())));
      return among.filter((id) => per.every((set) => set.has(id)));
    },
    connectedPeers(among) {
      const open = new Set(node.getPeers().map((p) => p.toString()));
      return among.filter((id) => open.has(id));
    },
    async publish(message) {
      // A fresh copy: the same bytes published twice are two publishes to this peer.
      const data = new Uint8Array(message.data);
      ours.add(data);
      const { recipients } = await pubsub.publish(message.topic, data);
      return recipients.length;
    },
    received: () => received.slice(),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
