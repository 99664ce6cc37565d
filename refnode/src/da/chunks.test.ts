import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dataHash } from './blob.ts';
import {
  type Chunk,
  chunkLayout,
  dataChunksFor,
  encodeBlob,
  reconstructBlob,
  verifyChunk,
} from './chunks.ts';
import { encodeParity } from './erasure.ts';
import { leafHash, merkleTree } from './merkle.ts';

const expectedOf = (data: Buffer, commitment: string, chunks: number) => ({
  size: data.length,
  dataHash: dataHash(data),
  commitment,
  chunks,
});

describe('chunks and commitment', () => {
  it('uses k = ceil(n / 3) data chunks', () => {
    expect([1, 2, 3, 4, 6, 7, 10].map(dataChunksFor)).toEqual([1, 1, 1, 2, 2, 3, 4]);
    expect(chunkLayout(65_536, 4)).toEqual({ chunks: 4, dataChunks: 2, chunkBytes: 32_768 });
    expect(chunkLayout(5, 4)).toEqual({ chunks: 4, dataChunks: 2, chunkBytes: 3 });
    expect(() => chunkLayout(0, 4)).toThrow(/size/);
  });

  it('rebuilds any blob byte-for-byte from any k valid chunks', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 3000 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer(),
        (bytes, n, seed) => {
          const data = Buffer.from(bytes);
          const encoded = encodeBlob(data, n);
          for (const chunk of encoded.chunks)
            expect(verifyChunk(encoded.commitment, encoded.layout, chunk)).toBe(true);
          // A deterministic shuffle from the seed picks which k chunks survive.
          const order = encoded.chunks
            .map((chunk, i) => ({ chunk, key: Math.sin(seed + i) }))
            .sort((a, b) => a.key - b.key);
          const survivors = order.slice(0, encoded.layout.dataChunks).map(({ chunk }) => chunk);
          const rebuilt = reconstructBlob(expectedOf(data, encoded.commitment, n), survivors);
          expect(Buffer.isBuffer(rebuilt) && rebuilt.equals(data)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('ignores chunks that fail their proof and reports what is missing', () => {
    const data = randomBytes(1000);
    const { commitment, chunks } = encodeBlob(data, 4);
    const tampered: Chunk = {
      ...chunks[0]!,
      data: Uint8Array.from(chunks[0]!.data, (b, i) => (i === 0 ? b ^ 1 : b)),
    };
    const moved: Chunk = { ...chunks[1]!, index: 2 };
    expect(verifyChunk(commitment, chunkLayout(1000, 4), tampered)).toBe(false);
    expect(reconstructBlob(expectedOf(data, commitment, 4), [tampered, moved, chunks[3]!])).toEqual({
      code: 'unavailable',
      message: 'need 2 valid chunks of 4, have 1 (2 failed their proof)',
    });
    const rebuilt = reconstructBlob(expectedOf(data, commitment, 4), [tampered, chunks[3]!, chunks[2]!]);
    expect(Buffer.isBuffer(rebuilt) && rebuilt.equals(data)).toBe(true);
  });

  it('catches an executor that committed to an inconsistent encoding', () => {
    const data = randomBytes(900);
    const n = 4;
    const k = dataChunksFor(n);
    const size = Math.ceil(data.length / k);
    const shards = [data.subarray(0, size), data.subarray(size, 2 * size)];
    const parity = encodeParity(shards, n);
    parity[1]![7]! ^= 0xff; // garbage in one parity chunk, committed to anyway
    const all = [...shards, ...parity];
    const { root, proofs } = merkleTree(all.map(leafHash));
    const chunks = all.map((shard, index) => ({ index, data: shard, proof: proofs[index]! }));
    const expected = expectedOf(data, root, n);
    // Every chunk proves against the (bad) commitment, so validators would attest it ...
    for (const chunk of chunks) expect(verifyChunk(root, chunkLayout(data.length, n), chunk)).toBe(true);
    // ... but rebuilding notices: from the data chunks the re-encoding differs,
    expect(reconstructBlob(expected, [chunks[0]!, chunks[1]!])).toMatchObject({
      code: 'inconsistent',
      message: /re-encodes to a different commitment/,
    });
    // and from the bad parity chunk the data hash differs.
    expect(reconstructBlob(expected, [chunks[0]!, chunks[3]!])).toMatchObject({
      code: 'inconsistent',
      message: /data hash/,
    });
  });
});
