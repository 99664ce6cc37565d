/**
 * refnode's gossip wire format: topic names, message ids and how a message of each topic is
 * encoded. Imports nothing but `node:crypto` and the tx/block codecs, so a test peer (chainlab's
 * Byzantine gossip workload) can build messages exactly as a refnode node publishes them.
 * See refnode/README.md, "Gossip topics".
 */
import { createHash } from 'node:crypto';
import { type Block, encodeCompactBlock } from './chain/block.ts';
import type { SignedTx } from './codec.ts';

/** Every gossip topic, in a fixed order. */
export const GOSSIP_TOPICS = ['blocks', 'txs', 'da'] as const;
/** A gossip topic; on the wire it is namespaced by the chain id. */
export type GossipTopic = (typeof GOSSIP_TOPICS)[number];

/** Most txs in one `txs` message (a node rejects bigger ones and penalizes the sender). */
export const MAX_TXS_PER_MESSAGE = 1000;
/** Most certificates in one `da` message. */
export const MAX_CERTIFICATES_PER_MESSAGE = 256;
/** Largest gossip message a node publishes (4 MiB). */
export const MAX_GOSSIP_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Largest gossipsub frame (RPC) a node reads; above one message because IWANT answers may batch several. */
export const MAX_GOSSIP_RPC_BYTES = 16 * 1024 * 1024;

/** The gossipsub topic string: `/refnode/<chainId>/<topic>`, so chains never mix on one network. */
export function gossipTopicName(chainId: string, topic: GossipTopic): string {
  return `/refnode/${chainId}/${topic}`;
}

/**
 * The gossipsub message id refnode uses: sha256(topic string ‖ 0x00 ‖ data). The same bytes on
 * the same topic are one message, so an identical re-publish is dropped as a duplicate.
 */
export function gossipMessageId(topicName: string, data: Uint8Array): Uint8Array {
  return createHash('sha256').update(topicName).update('\0').update(data).digest();
}

/**
 * A `txs` message: UTF-8 JSON array of 1..1000 signed txs as in `POST /txs`
 * (`{ chainId, from, to, amount, fee, nonce, sig }`, no `id`).
 *
 * @example
 * const data = encodeTxsMessage([signer({ chainId, from, to, amount: 1, fee: 1, nonce: 0 })]);
 */
export function encodeTxsMessage(txs: readonly SignedTx[]): Uint8Array {
  return Buffer.from(
    JSON.stringify(
      txs.map(({ chainId, from, to, amount, fee, nonce, sig }) => ({
        chainId,
        from,
        to,
        amount,
        fee,
        nonce,
        sig,
      })),
    ),
    'utf8',
  );
}

/**
 * A `blocks` message: the compact block, UTF-8 JSON of the block with `txIds` (the tx ids in
 * block order) in place of `txs`. A receiver rebuilds the block from its mempool or fetches it
 * by hash from the sender over the sync protocol.
 */
export function encodeBlockMessage(block: Block): Uint8Array {
  return encodeCompactBlock(block);
}

/**
 * A `da` message: UTF-8 JSON `{ certificates: [1..256 certificates], sentAt }`; `sentAt` (ms
 * since the epoch) makes a re-publish of the same certificates a new message.
 */
export function encodeDaMessage(certificates: readonly unknown[], sentAt = Date.now()): Uint8Array {
  return Buffer.from(JSON.stringify({ certificates, sentAt }), 'utf8');
}
