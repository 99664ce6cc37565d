import { sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { daRoot, headerHash } from '../chain/block.ts';
import { Chain, nodeKey } from '../chain/chain.ts';
import { VerifyCache } from '../chain/tx-check.ts';
import { buildGenesis } from '../genesis.ts';
import { checkBlob, createBlobSigner } from './blob.ts';
import { applyBlockCertificates } from './block-rules.ts';
import { buildCertificate, type Certificate, signAttestation } from './certificate.ts';
import { encodeBlob } from './chunks.ts';
import { testKey } from './test-keys.ts';

/* The DA block rule inside the real Chain: what proposers build and what blocks may carry. */

const { genesis, nodes } = buildGenesis(
  {
    validators: 4,
    executors: 0,
    wallets: 1,
    seed: 'da-chain',
    slotMs: 100,
    activeSlotCoeff: 1,
    securityParam: 3,
    genesisTime: 1_000_000,
    walletBalance: 1000,
    minFee: 1,
  },
  () => 'peer',
);
const keys = nodes.map((n) => nodeKey(n.secretKey, n.publicKey));
const owner = testKey('owner');
const make = () =>
  new Chain({
    genesis,
    verifyCache: new VerifyCache(),
    now: () => 10_000_000_000,
    applyDa: (da, parent) =>
      applyBlockCertificates(da, parent, {
        validators: genesis.validators,
        chainId: genesis.chainId,
        maxCertificates: 8,
      }),
  });

function certify(sequence: number, signers = [0, 1, 2]): Certificate {
  const body = createBlobSigner(owner.seed)({
    chainId: genesis.chainId,
    channel: 'c',
    owner: owner.address,
    sequence,
    data: Buffer.from(`blob ${sequence}`),
  });
  const checked = checkBlob(body, genesis.chainId, 1024);
  if ('code' in checked) throw new Error(checked.message);
  const { commitment, layout } = encodeBlob(checked.data, 4);
  const attestations = signers.map((i) =>
    signAttestation(keys[i]!, {
      chainId: genesis.chainId,
      id: checked.id,
      commitment,
      size: checked.header.size,
      layout,
    }),
  );
  return {
    ...buildCertificate({ ...checked, commitment }, attestations.slice(0, 3), genesis.validators),
    attestations,
  };
}

function mine(chain: Chain, v: number, certificates: Certificate[], slot = chain.best.slot + 1) {
  for (let s = slot; ; s++) {
    const proof = chain.tryWinSlot(keys[v]!.secret, keys[v]!.publicKey, s);
    if (proof) return chain.buildBlock(keys[v]!, s, proof, [], 10, undefined, certificates).block;
  }
}

describe('DA rule in the chain', () => {
  it('includes certificates in order and tracks channel state per block', () => {
    const chain = make();
    const b1 = mine(chain, 0, [certify(0), certify(1)]);
    expect(b1.da).toHaveLength(2);
    expect(b1.daRoot).toBe(daRoot(b1.da));
    expect(make().addBlock(b1)).toMatchObject({ kind: 'added' });
    chain.addBlock(b1);
    expect(chain.tipChannels.get('c')).toEqual({ owner: owner.address, next: 2 });
    // A proposer handed certificates that break the order leaves them out rather than build an invalid block.
    const b2 = mine(chain, 1, [certify(3)]);
    expect(b2.da).toEqual([]);
  });

  it('refuses a validly signed block whose certificate is forged or out of order (bad_da)', () => {
    const chain = make();
    const forge = (da: Certificate[]) => {
      const block = mine(chain, 0, []);
      const header = { ...block, da, daRoot: daRoot(da) };
      const hash = headerHash(header);
      return { ...header, hash, sig: sign(null, Buffer.from(hash, 'hex'), keys[0]!.secret).toString('hex') };
    };
    const belowThreshold = { ...certify(0), attestations: certify(0).attestations.slice(0, 2) };
    expect(chain.addBlock(forge([belowThreshold]))).toMatchObject({
      kind: 'invalid',
      reason: 'bad_da',
      message: expect.stringMatching(/stake 200, below the threshold 267/),
    });
    expect(chain.addBlock(forge([certify(1)]))).toMatchObject({
      kind: 'invalid',
      reason: 'bad_da',
      message: expect.stringMatching(/bad_order: sequence 1 on channel c: the next one is 0/),
    });
    expect(chain.addBlock(forge([certify(0)]))).toMatchObject({ kind: 'added' });
  });
});
