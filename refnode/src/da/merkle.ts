import { createHash } from 'node:crypto';

/*
 * Binary Merkle tree over chunk hashes. Leaves and inner nodes are domain-separated
 * (0x00 / 0x01 prefixes) so an inner node can never pass as a leaf. An odd node at the end of
 * a level is promoted unchanged (no duplication, which would let two leaf lists share a root).
 */

const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

/** sha256(0x00 ‖ chunk): the leaf of one chunk. */
export function leafHash(chunk: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF).update(chunk).digest();
}

function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(NODE).update(left).update(right).digest();
}

/** Every level of the tree, leaves first, root level last. */
function levels(leaves: Buffer[]): Buffer[][] {
  if (leaves.length === 0) throw new RangeError('a Merkle tree needs at least one leaf');
  const all = [leaves];
  let level = leaves;
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? nodeHash(level[i]!, level[i + 1]!) : level[i]!);
    }
    all.push(next);
    level = next;
  }
  return all;
}

/** The root (hex) and, per leaf, its proof: sibling hashes (hex) bottom-up. */
export function merkleTree(leaves: Buffer[]): { root: string; proofs: string[][] } {
  const tree = levels(leaves);
  const proofs = leaves.map((_, leafIndex) => {
    const proof: string[] = [];
    let index = leafIndex;
    for (const level of tree.slice(0, -1)) {
      const sibling = index ^ 1;
      if (sibling < level.length) proof.push(level[sibling]!.toString('hex'));
      index >>= 1;
    }
    return proof;
  });
  return { root: tree.at(-1)![0]!.toString('hex'), proofs };
}

/**
 * True iff `proof` proves that `leaf` is leaf number `index` of a tree of `leafCount`
 * leaves with root `root` (hex). Never throws.
 */
export function verifyMerkleProof(
  root: string,
  leaf: Buffer,
  index: number,
  leafCount: number,
  proof: readonly string[],
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(leafCount) || index < 0 || index >= leafCount)
    return false;
  let hash = leaf;
  let position = index;
  let size = leafCount;
  let used = 0;
  while (size > 1) {
    const sibling = position ^ 1;
    if (sibling < size) {
      const raw = proof[used++];
      if (typeof raw !== 'string' || !/^[0-9a-f]{64}$/.test(raw)) return false;
      const other = Buffer.from(raw, 'hex');
      hash = position % 2 === 0 ? nodeHash(hash, other) : nodeHash(other, hash);
    }
    position >>= 1;
    size = Math.ceil(size / 2);
  }
  return used === proof.length && hash.toString('hex') === root;
}
