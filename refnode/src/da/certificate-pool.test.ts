import { describe, expect, it } from 'vitest';
import { checkBlob, createBlobSigner } from './blob.ts';
import { applyBlockCertificates } from './block-rules.ts';
import { buildCertificate, type Certificate, signAttestation } from './certificate.ts';
import { CertificatePool } from './certificate-pool.ts';
import { ChannelBook } from './channels.ts';
import { encodeBlob } from './chunks.ts';
import { testKey, testValidators } from './test-keys.ts';

const validators = testValidators(4);
const alice = testKey('alice');
const bob = testKey('bob');
const rules = { validators, chainId: 'c', maxCertificates: 10 };

function certify(channel: string, sequence: number, who = alice): Certificate {
  const body = createBlobSigner(who.seed)({
    chainId: 'c',
    channel,
    owner: who.address,
    sequence,
    data: Buffer.from(`${channel}#${sequence}`),
  });
  const checked = checkBlob(body, 'c', 1024);
  if ('code' in checked) throw new Error(checked.message);
  const { commitment, layout } = encodeBlob(checked.data, 4);
  const attestations = [0, 1, 2].map((i) =>
    signAttestation(validators[i]!.key, {
      chainId: 'c',
      id: checked.id,
      commitment,
      size: checked.header.size,
      layout,
    }),
  );
  return buildCertificate({ ...checked, commitment }, attestations, validators);
}

describe('certificate pool and block rules', () => {
  it('selects each channel in order, round-robin, waiting for missing predecessors', () => {
    const pool = new CertificatePool();
    for (const c of [
      certify('a', 2),
      certify('a', 0),
      certify('b', 0),
      certify('a', 1),
      certify('b', 2),
      certify('c', 1),
    ])
      pool.add(c);
    expect(pool.add(certify('a', 0))).toBe(false);
    const picked = pool.select(new ChannelBook(), 10);
    expect(picked.map((c) => `${c.header.channel}#${c.header.sequence}`)).toEqual([
      'a#0',
      'b#0',
      'a#1',
      'a#2',
    ]);
    expect(pool.select(new ChannelBook(), 2).map((c) => `${c.header.channel}#${c.header.sequence}`)).toEqual([
      'a#0',
      'b#0',
    ]);
    // What the pool picks is exactly what the block rules accept.
    const applied = applyBlockCertificates(picked, new ChannelBook(), rules);
    if ('reason' in applied) throw new Error(applied.message);
    expect(applied.book.toJSON()).toEqual({
      a: { owner: alice.address, next: 3 },
      b: { owner: alice.address, next: 1 },
    });
    // After inclusion the pool forgets what can never be included again.
    for (const c of picked) pool.remove(c.id);
    pool.add(certify('a', 1, bob));
    expect(pool.prune(applied.book)).toBe(1);
    expect(pool.select(applied.book, 10).map((c) => `${c.header.channel}#${c.header.sequence}`)).toEqual([]);
    pool.add(certify('b', 1));
    expect(pool.select(applied.book, 10).map((c) => `${c.header.channel}#${c.header.sequence}`)).toEqual([
      'b#1',
      'b#2',
    ]);
  });

  it('rejects blocks with forged, repeated, out-of-order or foreign certificates', () => {
    const a0 = certify('a', 0);
    const a1 = certify('a', 1);
    const forged = { ...a0, attestations: a0.attestations.slice(0, 2) };
    const cases: [unknown[], RegExp][] = [
      [[forged], /certificate 0: attestations hold stake 2, below the threshold 3/],
      [[a0, a0], /certificate 1: blob .* appears twice/],
      [[a1], /certificate 0: bad_order: sequence 1 on channel a: the next one is 0/],
      [[a1, a0], /certificate 0: bad_order/],
      [[a0, certify('a', 1, bob)], /certificate 1: bad_channel: channel a is owned by/],
      [Array.from({ length: 11 }, () => a0), /11 certificates, at most 10 per block/],
      [['junk'], /certificate 0: certificate must be an object/],
    ];
    const parent = new ChannelBook();
    for (const [da, message] of cases) {
      const result = applyBlockCertificates(da, parent, rules);
      expect(result).toMatchObject({ reason: 'bad_da', message: expect.stringMatching(message) });
    }
    expect(parent.size).toBe(0);
    const ok = applyBlockCertificates([a0, a1], parent, rules);
    expect('book' in ok && ok.book.get('a')).toEqual({ owner: alice.address, next: 2 });
    expect(applyBlockCertificates([], parent, rules)).toMatchObject({ book: parent, certificates: [] });
  });
});
