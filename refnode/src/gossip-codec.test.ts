import { describe, expect, it } from 'vitest';
import { decodeCompactBlock } from './chain/block.ts';
import { checkTxShape } from './chain/tx-check.ts';
import { createTxSigner, keyPairFromSeed } from './codec.ts';
import {
  encodeBlockMessage,
  encodeDaMessage,
  encodeTxsMessage,
  gossipMessageId,
  gossipTopicName,
} from './gossip-codec.ts';

const key = keyPairFromSeed('05'.repeat(32));
const tx = createTxSigner(key.secretKey)({
  chainId: 'c1',
  from: key.address,
  to: key.address,
  amount: 3,
  fee: 1,
  nonce: 0,
});

describe('gossip codec', () => {
  it('names topics per chain and ids messages by content', () => {
    expect(gossipTopicName('c1', 'txs')).toBe('/refnode/c1/txs');
    const data = encodeTxsMessage([tx]);
    expect(Buffer.from(gossipMessageId('/refnode/c1/txs', data)).toString('hex')).toHaveLength(64);
    expect(gossipMessageId('/refnode/c1/txs', data)).toEqual(
      gossipMessageId('/refnode/c1/txs', encodeTxsMessage([tx])),
    );
    expect(gossipMessageId('/refnode/c1/txs', data)).not.toEqual(gossipMessageId('/refnode/c2/txs', data));
  });

  it('encodes txs as the node checks them, without an id', () => {
    const decoded = JSON.parse(
      Buffer.from(encodeTxsMessage([{ ...tx, id: 'x' } as typeof tx])).toString('utf8'),
    );
    expect(decoded).toEqual([tx]);
    expect(checkTxShape(decoded[0], 'c1', 1)).toMatchObject({ tx });
  });

  it('encodes a block compactly (tx ids instead of txs) and da certificates with sentAt', () => {
    const header = {
      hash: '11'.repeat(32),
      parent: '22'.repeat(32),
      height: 1,
      slot: 2,
      timestamp: 3,
      proposer: '33'.repeat(32),
      proof: '44'.repeat(64),
      txRoot: '55'.repeat(32),
      stateRoot: '66'.repeat(32),
      daRoot: '77'.repeat(32),
      sig: '88'.repeat(64),
      da: [],
    };
    const compact = decodeCompactBlock(
      encodeBlockMessage({ ...header, txs: [{ ...tx, id: 'ab'.repeat(32) }] }),
    );
    expect(compact).toEqual({ ...header, txIds: ['ab'.repeat(32)] });
    expect(JSON.parse(Buffer.from(encodeDaMessage([{ id: 'c' }], 42)).toString('utf8'))).toEqual({
      certificates: [{ id: 'c' }],
      sentAt: 42,
    });
  });
});
