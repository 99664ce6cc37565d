/**
 * Who a node knows: the one place a node's peers are decided, for the nodes that start with
 * the cluster and for every node that joins later. A link layer that puts a proxy on each
 * link hooks in here, changing the address a node dials each peer at.
 */
import type { BookEntry, NodeRole } from '../../adapter/types.ts';

/** A node present in the cluster, as other nodes' address books see it. */
export interface Member {
  name: string;
  role: NodeRole;
  /** Host and p2p port other nodes dial. */
  host: string;
  p2pPort: number;
  /** Peers this node dials at start and keeps connected (the rest it learns by discovery). */
  bootstrap: readonly string[];
}

/**
 * The address book of `node`: every other present member, dialled at start when it is one of
 * `node`'s bootstrap peers, else once `node` learned it from a peer (so a departed node, no
 * longer listed, is never dialled again).
 *
 * @example
 * bookOf(member('exe-2'), members) // [{ name: 'val-0', host, p2pPort, bootstrap: true }, …]
 */
export function bookOf(node: Member, members: readonly Member[]): BookEntry[] {
  return members
    .filter((m) => m.name !== node.name)
    .map((m) => ({
      name: m.name,
      host: m.host,
      p2pPort: m.p2pPort,
      bootstrap: node.bootstrap.includes(m.name),
    }));
}

/**
 * The peers a joining node bootstraps from: up to `count` present members, validators
 * first (they are the ones that carry the chain), in the order they joined.
 *
 * @example
 * bootstrapPeers(members, 2) // ['val-0', 'val-1']
 */
export function bootstrapPeers(members: readonly Member[], count = 2): string[] {
  const ordered = [
    ...members.filter((m) => m.role === 'validator'),
    ...members.filter((m) => m.role !== 'validator'),
  ];
  return ordered.slice(0, count).map((m) => m.name);
}
