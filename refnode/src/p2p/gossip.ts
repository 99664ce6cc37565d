import { type GossipsubOpts, StrictNoSign } from '@libp2p/gossipsub';
import type { PeerScoreParams, TopicScoreParams } from '@libp2p/gossipsub/score';
import { GOSSIP_TOPICS, gossipMessageId, gossipTopicName, MAX_GOSSIP_RPC_BYTES } from '../gossip-codec.ts';
import type { Topic } from './network.ts';

export { MAX_GOSSIP_MESSAGE_BYTES } from '../gossip-codec.ts';

/** Every gossip topic, in a fixed order. */
export const TOPICS: readonly Topic[] = GOSSIP_TOPICS;

/**
 * Score thresholds: below `gossip` we stop gossiping to a peer and ignore its IHAVE/IWANT,
 * below `publish` we do not publish to it, below `graylist` its RPCs are dropped unread.
 */
export const GOSSIP_THRESHOLDS = { gossip: -10, publish: -50, graylist: -80 } as const;

/** The wire name of a topic: `/refnode/<chainId>/<topic>`, so chains never mix on one network. */
export function topicName(chainId: string, topic: Topic): string {
  return gossipTopicName(chainId, topic);
}

/**
 * Ignored messages (valid but useless: stale or already known) cost a peer score through the
 * app-specific score, because gossipsub itself only penalizes rejected ones. A flood of stale
 * blocks must push the flooder down (scenario 9) while honest peers, which at most relay
 * a block we already had, stay far below the allowance. Txs weigh 0: under load honest peers
 * legitimately relay many txs we already hold.
 */
export const IGNORE_WEIGHT: Readonly<Record<Topic, number>> = { blocks: 1, txs: 0, da: 1 };
/** Weighted ignores per peer tolerated before the penalty starts. */
export const IGNORE_ALLOWANCE = 100;
/**
 * Per-second decay of the ignore counter: the steady state is rate / (1 - decay) = 5 × the
 * rate, so an honest peer relaying even 10 already-known blocks a second stays at 50, while a
 * flood of 100/s reaches 500 and is graylisted (score < -80) within about a second.
 */
export const IGNORE_DECAY = 0.8;

/** Per-peer decaying count of ignored messages, feeding gossipsub's app-specific score. */
export class IgnoreTracker {
  readonly #counts = new Map<string, number>();

  record(peer: string, topic: Topic): void {
    const weight = IGNORE_WEIGHT[topic];
    if (weight > 0) this.#counts.set(peer, (this.#counts.get(peer) ?? 0) + weight);
  }

  /** Called once a second. */
  decay(): void {
    for (const [peer, count] of this.#counts) {
      const next = count * IGNORE_DECAY;
      if (next < 0.5) this.#counts.delete(peer);
      else this.#counts.set(peer, next);
    }
  }

  /** 0 for well-behaved peers, minus the excess over the allowance otherwise. */
  penalty(peer: string): number {
    return -Math.max(0, (this.#counts.get(peer) ?? 0) - IGNORE_ALLOWANCE);
  }
}

/**
 * Topic score parameters. Invalid (rejected) messages dominate: the penalty is weight × count²,
 * so 2 rejects put a peer below the gossip threshold (-10), 4 below the graylist threshold (-80).
 * Honest peers validate before forwarding, so they only send a rejected message when their
 * rules disagree with ours (which is why CHAIN answers `ignore`, not `reject`, for anything
 * that is not provably invalid, e.g. future or stale blocks). Mesh-delivery penalties are off:
 * in small clusters with bursty block rates they would punish honest peers.
 */
function topicScoreParams(penalties: boolean): TopicScoreParams {
  return {
    topicWeight: 1,
    timeInMeshWeight: 0.01,
    timeInMeshQuantum: 1000,
    timeInMeshCap: 300,
    firstMessageDeliveriesWeight: 0.5,
    firstMessageDeliveriesDecay: 0.9,
    firstMessageDeliveriesCap: 10,
    meshMessageDeliveriesWeight: 0,
    meshMessageDeliveriesDecay: 0.5,
    meshMessageDeliveriesCap: 100,
    meshMessageDeliveriesThreshold: 1,
    meshMessageDeliveriesWindow: 10,
    meshMessageDeliveriesActivation: 5000,
    meshFailurePenaltyWeight: 0,
    meshFailurePenaltyDecay: 0.5,
    invalidMessageDeliveriesWeight: penalties ? -5 : 0,
    invalidMessageDeliveriesDecay: 0.95,
  };
}

/**
 * Gossipsub options for refnode: small meshes (2–6 nodes), flood publish, no per-message
 * signatures (blocks and txs carry their own), content-hash message ids for dedup, scoring on.
 * `penalties` false (the `no-gossip-penalty` bug) zeroes the weights of invalid and ignored
 * messages, so a peer's score stays neutral whatever it sends.
 */
export function gossipOptions(
  chainId: string,
  ignores: IgnoreTracker,
  penalties = true,
): Partial<GossipsubOpts> {
  const topics: Record<string, TopicScoreParams> = {};
  for (const topic of TOPICS) topics[topicName(chainId, topic)] = topicScoreParams(penalties);
  const scoreParams: Partial<PeerScoreParams> = {
    topics,
    topicScoreCap: 10,
    appSpecificScore: (peer) => ignores.penalty(peer),
    appSpecificWeight: penalties ? 1 : 0,
    // Every node of a local cluster connects from 127.0.0.1, and departed peers keep counting
    // for retainScore: the colocation penalty would graylist honest nodes after some churn.
    // Docker nodes have their own IPs and keep the default protection (more than 10 per IP).
    IPColocationFactorWhitelist: new Set(['127.0.0.1', '::1']),
    decayInterval: 1000,
    decayToZero: 0.01,
    retainScore: 10 * 60 * 1000,
  };
  return {
    // Small clusters: keep everyone in the mesh, graft as soon as anyone is there.
    D: 4,
    Dlo: 2,
    Dhi: 8,
    Dscore: 2,
    Dout: 1,
    Dlazy: 4,
    heartbeatInterval: 700,
    floodPublish: true,
    allowPublishToZeroTopicPeers: true,
    ignoreDuplicatePublishError: true,
    emitSelf: false,
    fallbackToFloodsub: false,
    globalSignaturePolicy: StrictNoSign,
    msgIdFn: (message) => gossipMessageId(message.topic, message.data),
    maxInboundDataLength: MAX_GOSSIP_RPC_BYTES,
    maxOutboundBufferSize: 64 * 1024 * 1024,
    allowedTopics: TOPICS.map((topic) => topicName(chainId, topic)),
    scoreParams,
    scoreThresholds: {
      gossipThreshold: GOSSIP_THRESHOLDS.gossip,
      publishThreshold: GOSSIP_THRESHOLDS.publish,
      graylistThreshold: GOSSIP_THRESHOLDS.graylist,
      acceptPXThreshold: 10,
      opportunisticGraftThreshold: 2,
    },
  };
}
