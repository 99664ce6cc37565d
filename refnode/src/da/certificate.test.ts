import { describe, expect, it } from 'vitest';
import { type BlobHeader, checkBlob, createBlobSigner } from './blob.ts';
import {
  type Attestation,
  buildCertificate,
  type Certificate,
  certificateThreshold,
  signAttestation,
  verifyCertificate,
} from './certificate.ts';
import { encodeBlob } from './chunks.ts';
import { testKey, testValidators } from './test-keys.ts';

const owner = testKey('owner');
const validators = testValidators(4);

function blob(sequence = 0): { id: string; header: BlobHeader; data: Buffer } {
  const body = createBlobSigner(owner.seed)({
    chainId: 'c',
    channel: 'ch',
    owner: owner.address,
    sequence,
    data: Buffer.from(`payload ${sequence}`.repeat(50)),
  });
  const checked = checkBlob(body, 'c', 1 << 20);
  if ('code' in checked) throw new Error(checked.message);
  return checked;
}

function attest(signers: number[], b = blob()) {
  const { commitment, layout } = encodeBlob(b.data, validators.length);
  const attestations = signers.map((i) =>
    signAttestation(validators[i]!.key, { chainId: 'c', id: b.id, commitment, size: b.header.size, layout }),
  );
  return { ...b, commitment, attestations };
}

describe('certificates', () => {
  it('needs ceil(2/3) of the stake', () => {
    expect(certificateThreshold(validators)).toBe(3);
    expect(certificateThreshold(testValidators(3, [5, 5, 1]))).toBe(8);
    expect(certificateThreshold(testValidators(1))).toBe(1);
  });

  it('builds a certificate from 3 of 4 attestations, in genesis order, that verifies', () => {
    const b = attest([3, 0, 1]);
    const certificate = buildCertificate(b, b.attestations, validators);
    expect(certificate.attestations.map((a) => a.validator)).toEqual(
      [0, 1, 3].map((i) => validators[i]!.publicKey),
    );
    expect(certificate).toMatchObject({ id: b.id, commitment: b.commitment, chunks: 4, dataChunks: 2 });
    const verified = verifyCertificate(JSON.parse(JSON.stringify(certificate)), validators, 'c');
    expect(verified).toEqual({ ok: true, certificate });
  });

  it('refuses to build below the threshold', () => {
    const b = attest([0, 1]);
    expect(() => buildCertificate(b, b.attestations, validators)).toThrow(/stake 2, a certificate needs 3/);
  });

  it('drops invalid and duplicate attestations when building', () => {
    const b = attest([0, 1, 2]);
    const forged: Attestation = { validator: validators[3]!.publicKey, sig: b.attestations[0]!.sig };
    const certificate = buildCertificate(
      b,
      [b.attestations[0]!, b.attestations[0]!, forged, b.attestations[1]!, b.attestations[2]!],
      validators,
    );
    expect(certificate.attestations).toHaveLength(3);
    expect(() =>
      buildCertificate(b, [b.attestations[0]!, b.attestations[0]!, b.attestations[0]!, forged], validators),
    ).toThrow(/stake 1/);
  });

  describe('rejects forged certificates', () => {
    const b = attest([0, 1, 2]);
    const good = buildCertificate(b, b.attestations, validators);
    const outsider = testKey('not-a-validator');
    const other = blob(1);
    const cases: [string, (c: Certificate) => unknown, RegExp][] = [
      ['not an object', () => 'x', /must be an object/],
      ['unknown field', (c) => ({ ...c, extra: 1 }), /unknown field "extra"/],
      ['other chain', (c) => ({ ...c, header: { ...c.header, chainId: 'd' } }), /chainId "d" is not c/],
      ['id of another blob', (c) => ({ ...c, id: other.id }), /id does not match/],
      ['header of another blob', (c) => ({ ...c, header: other.header }), /id does not match/],
      [
        'forged owner signature',
        (c) => ({ ...c, header: { ...c.header, sig: c.header.sig.replace(/^../, '00') } }),
        /header sig is not owner/,
      ],
      [
        'other commitment',
        (c) => ({ ...c, commitment: 'ab'.repeat(32) }),
        /attestation 0 has an invalid signature/,
      ],
      ['wrong layout', (c) => ({ ...c, chunks: 3, dataChunks: 1 }), /layout must be 2-of-4/],
      [
        'too few signers',
        (c) => ({ ...c, attestations: c.attestations.slice(0, 2) }),
        /stake 2, below the threshold 3/,
      ],
      [
        'one signer counted twice',
        (c) => ({ ...c, attestations: [c.attestations[0], c.attestations[0], c.attestations[1]] }),
        /genesis order, one per validator/,
      ],
      [
        'out of order',
        (c) => ({ ...c, attestations: [c.attestations[1], c.attestations[0], c.attestations[2]] }),
        /genesis order/,
      ],
      [
        'a non-validator signer',
        (c) => ({
          ...c,
          attestations: [
            ...c.attestations.slice(0, 2),
            signAttestation(outsider.key, {
              chainId: 'c',
              id: c.id,
              commitment: c.commitment,
              size: c.header.size,
              layout: { chunks: 4, dataChunks: 2, chunkBytes: 0 },
            }),
          ],
        }),
        /attestation 2 is not by a genesis validator/,
      ],
      [
        'a signature swapped between validators',
        (c) => ({
          ...c,
          attestations: [
            c.attestations[0],
            { ...c.attestations[1]!, sig: c.attestations[2]!.sig },
            c.attestations[2],
          ],
        }),
        /attestation 1 has an invalid signature/,
      ],
      [
        'extra attestation fields',
        (c) => ({ ...c, attestations: c.attestations.map((a) => ({ ...a, note: 1 })) }),
        /exactly validator and sig/,
      ],
    ];
    it.each(cases)('%s', (_name, forge, message) => {
      const result = verifyCertificate(forge(structuredClone(good)), validators, 'c');
      expect(result).toMatchObject({ code: 'bad_certificate' });
      expect((result as { message: string }).message).toMatch(message);
    });
  });

  it('weighs by stake, not by count', () => {
    const weighted = testValidators(4, [10, 1, 1, 1]);
    const b = blob();
    const { commitment, layout } = encodeBlob(b.data, 4);
    const att = (i: number) =>
      signAttestation(weighted[i]!.key, { chainId: 'c', id: b.id, commitment, size: b.header.size, layout });
    // The big validator alone holds 10 of 13 ≥ ceil(26/3) = 9.
    const certificate = buildCertificate({ ...b, commitment }, [att(0)], weighted);
    expect(verifyCertificate(certificate, weighted, 'c')).toMatchObject({ ok: true });
    expect(() => buildCertificate({ ...b, commitment }, [att(1), att(2), att(3)], weighted)).toThrow(
      /stake 3, a certificate needs 9/,
    );
  });
});
