import { isIPv6 } from 'node:net';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { type GossipSub, gossipsub, TopicValidatorResult } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import type { Libp2p } from '@libp2p/interface';
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id';
import { ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Attestation } from '../da/certificate.ts';
import type { Chunk } from '../da/chunks.ts';
import type { ChunkMessage } from '../da/transport.ts';
import { AddressBook, type BookStatus } from './address-book.ts';
import { DaClient, type DaProvider, serveDa } from './da-protocol.ts';
import { isP2pError, messageOf, P2pError, shortPeer } from './errors.ts';
import {
  GOSSIP_THRESHOLDS,
  gossipOptions,
  IgnoreTracker,
  MAX_GOSSIP_MESSAGE_BYTES,
  TOPICS,
  topicName,
} from './gossip.ts';
import { GossipStreamMender } from './gossip-streams.ts';
import { privateKeyFromSecretKey } from './identity.ts';
import { createP2pMetrics } from './metrics.ts';
import { checkNetworkOptions } from './options.ts';
import { askPeers, servePeerExchange } from './peer-exchange.ts';
import { type DialTargetView, PeerKeeper, peerOf } from './peer-keeper.ts';
import { PeerLedger } from './peer-ledger.ts';
import { SyncClient, serveSync } from './sync-protocol.ts';

/** A gossip topic; on the wire it is namespaced as `/refnode/<chainId>/<topic>`. */
export type Topic = 'blocks' | 'txs' | 'da';

/**
 * What a topic validator decides about one gossip message. It feeds gossipsub validation
 * and peer scoring: `accept` delivers and forwards, `reject` drops it and penalizes the
 * peer that sent it, `ignore` drops it without penalty (e.g. a duplicate or stale block).
 */
export type Verdict = 'accept' | 'reject' | 'ignore';

/** A node's view of its chain, as exchanged by the sync protocol. */
export interface ChainStatus {
  height: number;
  tip: string;
  finalizedHeight: number;
}

/** What this node serves to peers over the sync protocol (implemented by the chain). */
export interface SyncProvider {
  status(): ChainStatus;
  /** Encoded blocks on the best chain with heights from..to inclusive, at most 500. */
  blocksByHeight(from: number, to: number): Uint8Array[];
  blockByHash(hash: string): Uint8Array | undefined;
}

/** How to start the p2p layer of one node. */
export interface NetworkOptions {
  /** 32-byte ed25519 seed, hex; determines the peer id. */
  secretKey: string;
  /** Listen host, e.g. `127.0.0.1`, or `0.0.0.0` inside docker (then set `announce`). */
  host: string;
  /** Listen TCP port; 0 picks a free one. */
  port: number;
  /** Multiaddrs peers should dial to reach us; empty = our listen addresses. */
  announce: string[];
  /** Multiaddrs with `/p2p/<peerId>` dialed on start and re-dialed whenever disconnected. */
  peers: string[];
  /**
   * The peers file (see address-book.ts): with it the node dials only addresses of its address
   * book, learned peers are resolved through the book, and the file is re-read when it changes.
   * Without it learned addresses are dialled directly.
   */
  peersFile?: string;
  /** How often the peers file is checked for changes, in ms. Default 500. */
  bookPollMs?: number;
  /**
   * Penalize peers for invalid and ignored gossip (gossipsub score). Default true; false is
   * the `no-gossip-penalty` bug: their score stays neutral whatever they send.
   */
  penalties?: boolean;
  /**
   * Answer peers' block-sync requests. Default true; false is the `silent-sync` bug: each request
   * is read and its stream held open without an answer, as a frozen or overloaded peer would.
   */
  answersSync?: boolean;
  /** Namespaces topics and protocols: `/refnode/<chainId>/…`. */
  chainId: string;
  logger: Logger;
  registry: Registry;
  sync: SyncProvider;
  /** What this node serves over the DA protocol (`/refnode/<chainId>/da/1`); not served when absent. */
  da?: DaProvider;
  /** Stop dialing learned peers once this many are connected (configured peers are always dialed). Default 32. */
  maxPeers?: number;
  /** Deadline of one sync or peer-exchange request, in ms. Default 10000. */
  requestTimeoutMs?: number;
}

/** A started p2p layer. */
export interface Network {
  readonly peerId: string;
  /** `announce` if given, else our listen addresses, each with `/p2p/<peerId>`. */
  readonly addresses: string[];
  /** Ids of the peers connected right now. */
  peers(): string[];
  /** Joins a topic; every message received on it goes through `validate` before delivery. */
  subscribe(topic: Topic, validate: (data: Uint8Array, from: string) => Verdict | Promise<Verdict>): void;
  /** Publishes to a topic; resolves even when no peer is subscribed. */
  publish(topic: Topic, data: Uint8Array): Promise<void>;
  /** Asks a connected peer for its chain status. */
  status(peer: string): Promise<ChainStatus>;
  /** Asks a peer for encoded blocks from..to inclusive on its best chain (at most 500). */
  blocksByHeight(peer: string, from: number, to: number): Promise<Uint8Array[]>;
  /** Asks a peer for one encoded block; undefined when the peer does not have it. */
  blockByHash(peer: string, hash: string): Promise<Uint8Array | undefined>;
  /** Hands a validator its chunk of a blob; its attestation, or a DaError when it refuses the chunk. */
  sendChunk(peer: string, message: ChunkMessage): Promise<Attestation>;
  /** Asks a peer for a chunk of a blob; undefined when it does not hold it. */
  fetchChunk(peer: string, blobId: string, index: number): Promise<Chunk | undefined>;
  /** Listens for peer connects/disconnects; returns the unsubscribe function. */
  onPeer(listener: (peer: string, event: 'connect' | 'disconnect') => void): () => void;
  /** Stops libp2p and every timer; idempotent. */
  stop(): Promise<void>;
  /** Same as stop(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
  /** Ids of the connected peers subscribed to a topic (publish reaches them directly). */
  topicPeers(topic: Topic): string[];
  /**
   * Ids of our mesh peers on a topic: the ones we forward others' messages to. Grafting takes
   * a heartbeat (0.7 s) after a peer subscribes; until then, messages we relay skip that peer.
   */
  meshPeers(topic: Topic): string[];
  /** A peer's gossipsub score (0 if unknown); below -10 we stop gossiping to it, below -80 we ignore it. */
  score(peer: string): number;
  /** The address book as loaded (strict with a peers file). */
  book(): BookStatus;
  /** Every peer connected now or within the last 10 minutes, with its score, mesh and queues. */
  peerViews(): PeerView[];
  /** Score thresholds, whether penalties are on, and messages waiting for our validators. */
  gossipView(): GossipView;
}

/** One peer as this node sees it (`GET /p2p/peers`). */
export interface PeerView {
  peerId: string;
  /** The name its book entry gives, if any. */
  name: string | null;
  connected: boolean;
  /** Of the open connection: who dialled. */
  direction: 'inbound' | 'outbound' | null;
  /** Of the open connection. */
  remoteAddr: string | null;
  connectedAt: number | null;
  disconnectedAt: number | null;
  /** gossipsub score (kept 10 minutes after a disconnect). */
  score: number;
  /** Score below the gossip threshold (-10): we no longer gossip to it or take its gossip metadata. */
  gossipBlocked: boolean;
  /** Score below the graylist threshold (-80): its messages are dropped unread. */
  graylisted: boolean;
  /** Topics it subscribed to. */
  topics: Topic[];
  /** Topics on which it is in our mesh (we forward to it). */
  mesh: Topic[];
  /** Times we pruned it from a mesh, and when last. */
  prunes: number;
  lastPrunedAt: number | null;
  /** Gossip messages it delivered first, by our verdict. */
  messages: Record<Verdict, number>;
  /** Bytes waiting in our gossip stream to it (outbound) and read from it but not yet processed (inbound). */
  queue: { outboundBytes: number; inboundBytes: number };
  /** Whether our gossip stream to it (needed to send it anything or graft it) and its stream to us run on an open connection. */
  gossipStreams: { outbound: boolean; inbound: boolean };
  /** How we dial it, when we try to stay connected to it. */
  dial: DialTargetView | null;
}

/** Node-wide gossip state (`GET /p2p/peers`). */
export interface GossipView {
  thresholds: { gossip: number; publish: number; graylist: number };
  /** False with the `no-gossip-penalty` bug. */
  penalties: boolean;
  /** Messages handed to our validators and not yet decided, per topic. */
  validating: Record<Topic, number>;
}

/** Default for NetworkOptions.maxPeers. */
export const DEFAULT_MAX_PEERS = 32;
/** Default for NetworkOptions.requestTimeoutMs. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** How often configured and learned peers are checked and re-dialed, and gossip streams checked. */
const KEEP_INTERVAL_MS = 500;
/** How often a random peer is asked for its peers (also asked on every new connection). */
const EXCHANGE_INTERVAL_MS = 10_000;

/** A gossipsub stream: its write (outbound) or read (inbound) buffer is the queue to or from a peer. */
type GossipStream = { rawStream?: { writeBufferLength?: number; readBufferLength?: number } };

/** The parts of the gossipsub implementation we use beyond its public interface. */
type ScoredGossipSub = GossipSub & {
  getScore(peer: string): number;
  getMeshPeers(topic: string): string[];
  streamsOutbound: Map<string, GossipStream>;
  streamsInbound: Map<string, GossipStream>;
};

const TO_GOSSIPSUB: Record<Verdict, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  reject: TopicValidatorResult.Reject,
  ignore: TopicValidatorResult.Ignore,
};

/**
 * Starts libp2p (TCP, noise, yamux, identify, ping, gossipsub with peer scoring, the sync and
 * peer-exchange protocols), listens on host:port and starts dialing `peers`. Throws an
 * `invalid_option` P2pError naming every bad option before anything starts, and a
 * `listen_failed` one (after cleaning up) when libp2p cannot start.
 */
export async function startNetwork(options: NetworkOptions): Promise<Network> {
  checkNetworkOptions(options);
  const { chainId, host, port } = options;
  const maxPeers = options.maxPeers ?? DEFAULT_MAX_PEERS;
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const logger = options.logger;
  const privateKey = await privateKeyFromSecretKey(options.secretKey);
  let peerScores = (): [string, number][] => [];
  let views = (): PeerView[] => [];
  let gossip = (): GossipView | undefined => undefined;
  const metrics = createP2pMetrics(options.registry, {
    peerScores: () => peerScores(),
    peerViews: () => views(),
    gossipView: () => gossip(),
  });
  const ignores = new IgnoreTracker();
  const penalties = options.penalties ?? true;
  const stopController = new AbortController();
  const selfId = peerIdFromPrivateKey(privateKey).toString();
  const book = new AddressBook({ configured: options.peers, file: options.peersFile, self: selfId });
  book.load();
  metrics.bookEntries.set(book.entries().length);
  const listen = `/${isIPv6(host) ? 'ip6' : 'ip4'}/${host}/tcp/${port}`;

  let libp2p: Libp2p<{ pubsub: GossipSub }> | undefined;
  try {
    libp2p = await createLibp2p({
      privateKey,
      start: false,
      addresses: { listen: [listen], announce: options.announce },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      // Strict book: libp2p itself (sync and DA requests to a peer we are not connected to,
      // peer-store addresses from identify) can only dial book addresses.
      connectionGater: {
        denyDialPeer: (peer) => book.strict && book.get(peer.toString()) === undefined,
        denyDialMultiaddr: (ma) => {
          if (book.allowsDial(ma)) return false;
          metrics.dialsDenied.inc();
          return true;
        },
      },
      connectionManager: {
        maxConnections: Math.max(64, maxPeers * 2),
        // Cluster nodes share one host (loopback or a docker bridge): the per-host inbound
        // rate limit (5/s by default) would refuse legitimate simultaneous (re)dials.
        inboundConnectionThreshold: 100,
        maxIncomingPendingConnections: 64,
        dialTimeout: 5000,
      },
      services: {
        identify: identify(),
        ping: ping(),
        pubsub: gossipsub(gossipOptions(chainId, ignores, penalties)),
      },
    });
    await serveSync(libp2p, chainId, options.sync, metrics, logger, timeoutMs, options.answersSync ?? true);
    await servePeerExchange(libp2p, chainId, timeoutMs);
    if (options.da) await serveDa(libp2p, chainId, options.da, timeoutMs, options.da.countRequest);
    await libp2p.start();
  } catch (error) {
    await Promise.resolve(libp2p?.stop()).catch(() => undefined);
    // libp2p wraps the socket error in a paragraph of advice; the errno line is what helps.
    const text = messageOf(error);
    const detail = /listen E[A-Z]+[^\n]*/.exec(text)?.[0] ?? text.split('\n')[0];
    throw new P2pError('listen_failed', `p2p could not listen on ${host}:${port}: ${detail}`, {
      cause: error,
    });
  }
  const node = libp2p;
  const pubsub = node.services.pubsub as ScoredGossipSub;
  const peerId = node.peerId.toString();
  const addresses =
    options.announce.length > 0
      ? options.announce.map((address) => withPeerId(address, peerId))
      : node.getMultiaddrs().map((ma) => ma.toString());
  peerScores = () =>
    stopController.signal.aborted
      ? []
      : node.getPeers().map((peer) => [peer.toString(), pubsub.getScore(peer.toString())]);
  const sync = new SyncClient(node, chainId, metrics, timeoutMs, stopController.signal);
  const da = new DaClient(node, chainId, timeoutMs, stopController.signal, options.da?.countRequest);
  const keeper = new PeerKeeper(node, { book, maxPeers, logger, metrics });
  const mender = new GossipStreamMender(node, pubsub, ({ peer, missingMs, stale }) => {
    metrics.gossipStreamsReopened.inc();
    logger.info(
      { peer, missingMs, stale },
      `no live gossip stream to ${shortPeer(peer)} for ${missingMs} ms while connected${stale ? ' (gossipsub held a dead one)' : ''}: opening one again`,
    );
  });
  views = () => (stopController.signal.aborted ? [] : peerViews());
  gossip = () => (stopController.signal.aborted ? undefined : gossipView());
  const ledger = new PeerLedger();
  const validating: Record<Topic, number> = { blocks: 0, txs: 0, da: 0 };
  pubsub.addEventListener('gossipsub:prune', (event) => {
    // Outbound: we sent the PRUNE, i.e. we took the peer out of our mesh.
    if (event.detail.direction === 'outbound')
      ledger.pruned(event.detail.peerId.toString(), event.detail.topic);
  });
  const listeners = new Set<(peer: string, event: 'connect' | 'disconnect') => void>();
  const rejectsLogged = new Map<string, number>();
  let stopping: Promise<void> | undefined;

  const notify = (peer: string, event: 'connect' | 'disconnect'): void => {
    for (const listener of listeners) {
      try {
        listener(peer, event);
      } catch (error) {
        logger.error({ err: error, peer }, `peer ${event} listener failed: ${messageOf(error)}`);
      }
    }
  };

  const exchangeWith = async (peer: string): Promise<void> => {
    if (stopController.signal.aborted || node.getPeers().length >= maxPeers) return;
    try {
      const found = await askPeers(node, chainId, peer, timeoutMs, stopController.signal);
      let fresh = 0;
      for (const { id, addrs } of found) {
        const outcome = keeper.learn(id, addrs);
        if (outcome === 'new') fresh++;
        else if (outcome === 'unresolved') {
          metrics.learnedUnresolved.inc();
          logger.info(
            { peer: id, from: peer },
            `not dialling ${shortPeer(id)} (named by ${shortPeer(peer)}): it is not in the peers file`,
          );
        }
      }
      if (fresh > 0) {
        metrics.peersLearned.inc(fresh);
        logger.info(
          { peer, learned: fresh },
          `learned ${fresh} new peer${fresh === 1 ? '' : 's'} from ${shortPeer(peer)}`,
        );
        keeper.tick();
      }
    } catch (error) {
      if (!stopController.signal.aborted)
        logger.debug(
          { peer, err: messageOf(error) },
          `peer exchange with ${shortPeer(peer)} failed: ${messageOf(error)}`,
        );
    }
  };

  node.addEventListener('peer:connect', (event) => {
    const peer = event.detail.toString();
    ledger.connected(peer);
    const count = node.getPeers().length;
    metrics.peers.set(count);
    logger.info(
      { peer, peers: count },
      `connected to ${shortPeer(peer)} (${count} peer${count === 1 ? '' : 's'})`,
    );
    notify(peer, 'connect');
    void exchangeWith(peer);
  });
  node.addEventListener('peer:disconnect', (event) => {
    const peer = event.detail.toString();
    ledger.disconnected(peer);
    const count = node.getPeers().length;
    metrics.peers.set(count);
    keeper.disconnected(peer);
    if (!stopController.signal.aborted)
      logger.info(
        { peer, peers: count },
        `peer ${shortPeer(peer)} gone (${count} peer${count === 1 ? '' : 's'} left)`,
      );
    notify(peer, 'disconnect');
  });

  const bookPollEvery = Math.max(1, Math.round((options.bookPollMs ?? 500) / KEEP_INTERVAL_MS));
  const pollBook = (): void => {
    const polled = book.poll();
    if (polled.kind === 'invalid') {
      metrics.bookReloads.inc({ outcome: 'error' });
      logger.error(
        { file: book.file, err: polled.message },
        `peers file not applied, keeping the previous book: ${polled.message}`,
      );
      return;
    }
    if (polled.kind !== 'changed') return;
    const { change } = polled;
    metrics.bookReloads.inc({ outcome: 'ok' });
    metrics.bookEntries.set(book.entries().length);
    logger.info(
      { added: change.added.length, removed: change.removed.length, changed: change.changed.length },
      `peers file reloaded: ${change.added.length} added, ${change.removed.length} removed, ${change.changed.length} changed`,
    );
    keeper.applyBook(change);
    // A peer removed from the book is one we must not talk to any more (its link is gone).
    for (const peer of change.removed) {
      if (node.getConnections(peerIdFromString(peer)).length === 0) continue;
      logger.info({ peer }, `hanging up on ${shortPeer(peer)}: removed from the peers file`);
      node
        .hangUp(peerIdFromString(peer))
        .catch((error) =>
          logger.debug({ peer, err: messageOf(error) }, `hanging up on ${shortPeer(peer)} failed`),
        );
    }
    keeper.tick();
  };

  let ticks = 0;
  const timer = setInterval(() => {
    ticks++;
    if (ticks % bookPollEvery === 0) pollBook();
    keeper.tick();
    mender
      .check()
      .catch((error) => logger.error({ err: error }, `gossip stream check failed: ${messageOf(error)}`));
    if (ticks % (1000 / KEEP_INTERVAL_MS) === 0) ignores.decay();
    if (ticks % (EXCHANGE_INTERVAL_MS / KEEP_INTERVAL_MS) === 0) {
      const peers = node.getPeers();
      const pick = peers[Math.floor(Math.random() * peers.length)];
      if (pick !== undefined) void exchangeWith(pick.toString());
    }
  }, KEEP_INTERVAL_MS);
  timer.unref();
  keeper.tick();
  logger.info(
    { peerId, addresses, peers: options.peers.length },
    `p2p listening as ${peerId} on ${addresses.join(', ')}; dialing ${options.peers.length} configured peer${options.peers.length === 1 ? '' : 's'}`,
  );

  const ensureRunning = (what: string): void => {
    if (stopController.signal.aborted) throw new P2pError('stopped', `${what}: the network is stopped`);
  };

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      stopController.abort();
      clearInterval(timer);
      keeper.stop();
      try {
        await node.stop();
      } finally {
        listeners.clear();
        metrics.peers.set(0);
        logger.info({ peerId }, 'p2p stopped');
      }
    })();
    return stopping;
  };

  return {
    peerId,
    addresses,
    peers: () => node.getPeers().map((peer) => peer.toString()),
    subscribe(topic, validate) {
      ensureRunning(`subscribe ${topic}`);
      if (!TOPICS.includes(topic))
        throw new P2pError(
          'bad_argument',
          `topic must be one of ${TOPICS.join(', ')}, got ${JSON.stringify(topic)}`,
        );
      const name = topicName(chainId, topic);
      pubsub.topicValidators.set(name, async (source, message) => {
        const from = source.toString();
        let verdict: Verdict;
        try {
          validating[topic]++;
          verdict = await validate(message.data, from);
          if (!Object.hasOwn(TO_GOSSIPSUB, verdict)) {
            throw new TypeError(
              `validator returned ${JSON.stringify(verdict)}, expected accept, reject or ignore`,
            );
          }
          if (verdict === 'ignore' && penalties) ignores.record(from, topic);
        } catch (error) {
          // Our own validator failing says nothing about the peer: drop without any penalty.
          logger.error({ err: error, topic, peer: from }, `${topic} validator failed: ${messageOf(error)}`);
          verdict = 'ignore';
        } finally {
          validating[topic]--;
        }
        metrics.gossipReceived.inc({ topic, verdict });
        ledger.verdict(from, verdict);
        if (verdict === 'reject') {
          const count = (rejectsLogged.get(from) ?? 0) + 1;
          rejectsLogged.set(from, count);
          // 1st, 10th, 100th…: a flood must not flood the log too.
          if (Number.isInteger(Math.log10(count))) {
            logger.warn(
              { peer: from, topic, rejected: count },
              `peer ${shortPeer(from)} sent an invalid ${topic} message (${count} so far)${penalties ? '; lowering its score' : ''}`,
            );
          }
        }
        return TO_GOSSIPSUB[verdict];
      });
      pubsub.subscribe(name);
    },
    async publish(topic, data) {
      ensureRunning(`publish ${topic}`);
      if (data.byteLength > MAX_GOSSIP_MESSAGE_BYTES) {
        throw new P2pError(
          'too_large',
          `publish ${topic}: message is ${data.byteLength} bytes, the limit is ${MAX_GOSSIP_MESSAGE_BYTES}`,
        );
      }
      try {
        await pubsub.publish(topicName(chainId, topic), data);
      } catch (error) {
        if (isP2pError(error)) throw error;
        throw new P2pError('protocol_error', `publish ${topic} failed: ${messageOf(error)}`, {
          cause: error,
        });
      }
      metrics.gossipPublished.inc({ topic });
    },
    status: (peer) => sync.status(peer),
    blocksByHeight: (peer, from, to) => sync.blocksByHeight(peer, from, to),
    blockByHash: (peer, hash) => sync.blockByHash(peer, hash),
    sendChunk: (peer, message) => da.sendChunk(peer, message),
    fetchChunk: (peer, blobId, index) => da.fetchChunk(peer, blobId, index),
    onPeer(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    stop,
    [Symbol.asyncDispose]: stop,
    topicPeers: (topic) => pubsub.getSubscribers(topicName(chainId, topic)).map((peer) => peer.toString()),
    meshPeers: (topic) => pubsub.getMeshPeers(topicName(chainId, topic)),
    score: (peer) => pubsub.getScore(peer),
    book: () => book.status(),
    peerViews: () => peerViews(),
    gossipView: () => gossipView(),
  };

  function gossipView(): GossipView {
    return { thresholds: { ...GOSSIP_THRESHOLDS }, penalties, validating: { ...validating } };
  }

  function peerViews(): PeerView[] {
    const meshes = TOPICS.map(
      (topic) => [topic, new Set(pubsub.getMeshPeers(topicName(chainId, topic)))] as const,
    );
    const subscribers = TOPICS.map(
      (topic) => [topic, new Set(pubsub.getSubscribers(topicName(chainId, topic)).map(String))] as const,
    );
    // A peer that connected before our listener saw it (none today) still gets a record.
    for (const peer of node.getPeers())
      if (ledger.get(peer.toString()) === undefined) ledger.connected(peer.toString());
    return ledger.entries().map(([id, record]) => {
      const connection = record.connected ? node.getConnections(peerIdFromString(id))[0] : undefined;
      const score = pubsub.getScore(id);
      return {
        peerId: id,
        name: book.get(id)?.name ?? null,
        connected: record.connected,
        direction: connection?.direction ?? null,
        remoteAddr: connection?.remoteAddr.toString() ?? null,
        connectedAt: record.connectedAt,
        disconnectedAt: record.disconnectedAt,
        score,
        gossipBlocked: score < GOSSIP_THRESHOLDS.gossip,
        graylisted: score < GOSSIP_THRESHOLDS.graylist,
        topics: subscribers.filter(([, set]) => set.has(id)).map(([topic]) => topic),
        mesh: meshes.filter(([, set]) => set.has(id)).map(([topic]) => topic),
        prunes: record.prunes,
        lastPrunedAt: record.lastPrunedAt,
        messages: { ...record.messages },
        queue: {
          outboundBytes: pubsub.streamsOutbound.get(id)?.rawStream?.writeBufferLength ?? 0,
          inboundBytes: pubsub.streamsInbound.get(id)?.rawStream?.readBufferLength ?? 0,
        },
        gossipStreams: {
          outbound: record.connected && mender.isLive(peerIdFromString(id), 'outbound'),
          inbound: record.connected && mender.isLive(peerIdFromString(id), 'inbound'),
        },
        dial: keeper.target(id) ?? null,
      };
    });
  }
}

function withPeerId(address: string, peerId: string): string {
  const ma = multiaddr(address);
  return peerOf(ma) === undefined ? ma.encapsulate(`/p2p/${peerId}`).toString() : ma.toString();
}
