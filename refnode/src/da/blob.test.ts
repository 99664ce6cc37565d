import { describe, expect, it } from 'vitest';
import { keyPairFromSeed } from '../codec.ts';
import {
  blobId,
  blobSigningString,
  checkBlob,
  createBlobSigner,
  dataHash,
  verifyBlobHeader,
} from './blob.ts';

const owner = keyPairFromSeed('11'.repeat(32));
const other = keyPairFromSeed('22'.repeat(32));
const sign = createBlobSigner(owner.secretKey);
const payload = Buffer.from('hello, data availability');
const body = sign({ chainId: 'c', channel: 'rollup-a', owner: owner.address, sequence: 3, data: payload });

describe('blob signing and checks', () => {
  it('signs the contract string and derives the id from it', () => {
    const hash = dataHash(payload);
    expect(blobSigningString({ ...body, dataHash: hash })).toBe(
      `refnode-blob/1|c|rollup-a|${owner.address}|3|${hash}`,
    );
    const checked = checkBlob(body, 'c', 1024);
    if ('code' in checked) throw new Error(checked.message);
    expect(checked.id).toBe(blobId({ ...body, dataHash: hash }));
    expect(checked.id).toMatch(/^[0-9a-f]{64}$/);
    expect(checked.data.equals(payload)).toBe(true);
    expect(checked.header).toEqual({
      chainId: 'c',
      channel: 'rollup-a',
      owner: owner.address,
      sequence: 3,
      size: payload.length,
      dataHash: hash,
      sig: body.sig,
    });
    expect(verifyBlobHeader(checked.header)).toBe(true);
    expect(verifyBlobHeader({ ...checked.header, sequence: 4 })).toBe(false);
    expect(verifyBlobHeader({ ...checked.header, owner: other.address })).toBe(false);
  });

  it.each([
    ['not an object', 'x', 'malformed', /JSON object, got string/],
    ['unknown field', { ...body, extra: 1 }, 'malformed', /unknown field "extra"/],
    ['other chain', { ...body, chainId: 'd' }, 'wrong_chain', /"d" is not this chain's \(c\)/],
    [
      'bad channel name',
      { ...body, channel: '../etc' },
      'bad_channel',
      /channel must be 1–64 chars.*"\.\.\/etc"/,
    ],
    ['empty channel', { ...body, channel: '' }, 'bad_channel', /channel must be/],
    ['bad owner', { ...body, owner: 'abc' }, 'malformed', /owner must be an address.*"abc"/],
    [
      'negative sequence',
      { ...body, sequence: -1 },
      'malformed',
      /sequence must be a safe integer ≥ 0, got -1/,
    ],
    ['fractional sequence', { ...body, sequence: 1.5 }, 'malformed', /sequence/],
    ['data not base64', { ...body, data: 'not base64!' }, 'malformed', /standard base64/],
    ['empty data', { ...body, data: '' }, 'malformed', /non-empty/],
    [
      'data too large',
      { ...body, data: Buffer.alloc(2000).toString('base64') },
      'too_large',
      /at most 1024 allowed/,
    ],
    ['sig not hex', { ...body, sig: 'zz' }, 'bad_signature', /128 lowercase hex/],
    [
      'sig by someone else',
      { ...body, owner: other.address },
      'bad_signature',
      /not a valid signature by owner/,
    ],
    [
      'data changed after signing',
      { ...body, data: Buffer.from('hello, data availabilitx').toString('base64') },
      'bad_signature',
      /not a valid signature/,
    ],
  ])('refuses %s with a typed error naming the field', (_name, raw, code, message) => {
    const result = checkBlob(raw, 'c', 1024);
    expect(result).toMatchObject({ code });
    expect((result as { message: string }).message).toMatch(message);
  });

  it('checks the encoded size before decoding', () => {
    const result = checkBlob({ ...body, data: 'A'.repeat(10_000_000) }, 'c', 1024);
    expect(result).toMatchObject({ code: 'too_large' });
  });
});
