import { describe, expect, it } from 'vitest';
import { leafHash, merkleTree, verifyMerkleProof } from './merkle.ts';

const leaves = (count: number) =>
  Array.from({ length: count }, (_, i) => leafHash(Buffer.from(`chunk ${i}`)));

describe('Merkle tree', () => {
  it('proves every leaf of trees of 1..17 leaves, and nothing else', () => {
    for (let count = 1; count <= 17; count++) {
      const all = leaves(count);
      const { root, proofs } = merkleTree(all);
      for (let index = 0; index < count; index++) {
        expect(verifyMerkleProof(root, all[index]!, index, count, proofs[index]!)).toBe(true);
        // Wrong position, wrong leaf, truncated or padded proof: all fail.
        if (count > 1)
          expect(verifyMerkleProof(root, all[index]!, (index + 1) % count, count, proofs[index]!)).toBe(
            false,
          );
        expect(verifyMerkleProof(root, leafHash(Buffer.from('other')), index, count, proofs[index]!)).toBe(
          false,
        );
        if (proofs[index]!.length > 0)
          expect(verifyMerkleProof(root, all[index]!, index, count, proofs[index]!.slice(1))).toBe(false);
        expect(verifyMerkleProof(root, all[index]!, index, count, [...proofs[index]!, '00'.repeat(32)])).toBe(
          false,
        );
      }
    }
  });

  it('gives different roots for different leaf lists (no odd-leaf duplication ambiguity)', () => {
    const three = leaves(3);
    const four = [...three, three[2]!];
    expect(merkleTree(three).root).not.toBe(merkleTree(four).root);
    expect(merkleTree(leaves(2)).root).not.toBe(merkleTree(leaves(3)).root);
  });

  it('rejects malformed proofs without throwing', () => {
    const all = leaves(4);
    const { root } = merkleTree(all);
    expect(verifyMerkleProof(root, all[0]!, 0, 4, ['zz', 'yy'])).toBe(false);
    expect(verifyMerkleProof(root, all[0]!, -1, 4, [])).toBe(false);
    expect(verifyMerkleProof(root, all[0]!, 0, 0, [])).toBe(false);
    expect(() => merkleTree([])).toThrow(/at least one leaf/);
  });
});
