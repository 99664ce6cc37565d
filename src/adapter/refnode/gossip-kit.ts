/**
 * refnode's gossip facet: its topics and gossipsub rules, where to dial a node, and the
 * messages a Byzantine peer publishes, built with refnode's own gossip codec
 * (refnode/src/gossip-codec.ts) so they are byte for byte what a refnode node would send.
 * Everything about refnode's gossip formats that chainlab's peer needs lives here.
 */
import { isIP } from 'node:net';
import type { Block } from '../../../refnode/src/chain/block.ts';
import {
  encodeBlockMessage,
  encodeTxsMessage,
  GOSSIP_TOPICS,
  gossipMessageId,
  gossipTopicName,
  MAX_GOSSIP_RPC_BYTES,
  MAX_TXS_PER_MESSAGE,
  type GossipTopic as RefnodeTopic,
} from '../../../refnode/src/gossip-codec.ts';
import { AdapterError } from '../../support/errors.ts';
import type {
  ChainClient,
  GossipKit,
  GossipMessage,
  GossipTxItem,
  P2pEndpoint,
  PeerAddress,
} from '../types.ts';
import { RefnodeClient } from './client.ts';

/** JSON whitespace; a message's trailing whitespace changes its bytes (and id), not its meaning. */
const WHITESPACE = [' ', '\t', '\n', '\r'] as const;

/** `n` written in JSON whitespace (base 4, at least one character): distinct for every `n`. */
export function whitespaceOf(n: number): string {
  let out = '';
  let rest = Math.max(0, Math.floor(n));
  do {
    out += WHITESPACE[rest % 4];
    rest = Math.floor(rest / 4);
  } while (rest > 0);
  // A leading space keeps `n = 0` (one space) distinct from the message without any.
  return ` ${out}`;
}

function bytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function refnodeClient(client: ChainClient, what: string): RefnodeClient {
  if (!(client instanceof RefnodeClient))
    throw new AdapterError('refnode', `${what}: the client is not a refnode client (${client.url})`);
  return client;
}

function multiaddrOf(endpoint: P2pEndpoint, peerId: string): string {
  const family = isIP(endpoint.host) === 6 ? 'ip6' : isIP(endpoint.host) === 4 ? 'ip4' : 'dns4';
  return `/${family}/${endpoint.host}/tcp/${endpoint.port}/p2p/${peerId}`;
}

/**
 * The refnode {@link GossipKit} for chain `chainId`:
 * - topics `/refnode/<chainId>/blocks|txs|da`, unsigned messages, content-hash ids;
 * - stale: the chain's oldest blocks (compact, as published) and their txs, which every node
 *   already has (`ignore`);
 * - useless: an empty tx array (`ignore`); malformed: bytes that are not JSON (`reject`);
 *   oversized: a tx array one longer than a message may carry (`reject`);
 * - tx messages: signed txs and raw bodies that parse as JSON in arrays of at most 1000; a raw
 *   body that does not parse travels alone (it would spoil the others).
 *
 * @example
 * const kit = refnodeGossip(facts.chainId);
 * const [message] = kit.txMessages([{ tx: await wallet.transfer({ to, amount: 1n, nonce: 0 }) }]);
 */
export function refnodeGossip(chainId: string): GossipKit {
  const wire = (topic: RefnodeTopic): string => gossipTopicName(chainId, topic);
  const topics = GOSSIP_TOPICS.map((name) => ({ name, wire: wire(name) }));
  return {
    topics,
    rules: {
      signing: 'none',
      messageId: (topic, data) => new Uint8Array(gossipMessageId(topic, data)),
      maxRpcBytes: MAX_GOSSIP_RPC_BYTES,
    },

    async dialAddress(client, endpoint): Promise<PeerAddress> {
      const { peerId, addrs } = await refnodeClient(client, 'dialAddress').peerAddress({ timeoutMs: 5000 });
      return { peerId, addrs: endpoint === undefined ? addrs : [multiaddrOf(endpoint, peerId)] };
    },

    txMessages(items: readonly GossipTxItem[]) {
      const batch: { text: string; index: number }[] = [];
      const alone: (GossipMessage & { carries: number[] })[] = [];
      items.forEach((item, index) => {
        if (item.raw === undefined) batch.push({ text: JSON.stringify(item.tx.payload), index });
        else if (isJson(item.raw)) batch.push({ text: item.raw, index });
        else alone.push({ topic: wire('txs'), data: bytes(item.raw), carries: [index] });
      });
      const out: (GossipMessage & { carries: number[] })[] = [];
      for (let i = 0; i < batch.length; i += MAX_TXS_PER_MESSAGE) {
        const part = batch.slice(i, i + MAX_TXS_PER_MESSAGE);
        out.push({
          topic: wire('txs'),
          data: bytes(`[${part.map((p) => p.text).join(',')}]`),
          carries: part.map((p) => p.index),
        });
      }
      return [...out, ...alone];
    },

    async staleMessages(client, count): Promise<GossipMessage[]> {
      // Height 1 up: the oldest blocks are the stalest; genesis is no gossiped block.
      const raw = (await refnodeClient(client, 'staleMessages').rawBlocks(1, Math.max(1, count), {
        timeoutMs: 10_000,
      })) as (Block & { txs: ({ id: string } & Block['txs'][number])[] })[];
      const out: GossipMessage[] = [];
      for (const block of raw) {
        if (out.length >= count) break;
        out.push({ topic: wire('blocks'), data: new Uint8Array(encodeBlockMessage(block)) });
        if (block.txs.length > 0 && out.length < count)
          out.push({ topic: wire('txs'), data: new Uint8Array(encodeTxsMessage(block.txs)) });
      }
      return out;
    },

    reencode(message, n): GossipMessage {
      return {
        topic: message.topic,
        data: bytes(`${Buffer.from(message.data).toString('utf8')}${whitespaceOf(n)}`),
      };
    },

    useless(n): GossipMessage {
      return { topic: wire('txs'), data: bytes(`[${whitespaceOf(n)}]`) };
    },

    malformed(n): GossipMessage {
      const topic = topics[n % topics.length]!;
      // A leading NUL is never JSON, whatever follows.
      return { topic: topic.wire, data: bytes(`\u0000not ${topic.name} #${n}`) };
    },

    oversized(n): GossipMessage {
      const entries = new Array<string>(MAX_TXS_PER_MESSAGE + 1).fill('0');
      entries[0] = String(n);
      return { topic: wire('txs'), data: bytes(`[${entries.join(',')}]`) };
    },
  };
}
