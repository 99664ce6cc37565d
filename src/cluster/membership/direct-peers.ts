/**
 * Peers of a cluster with dynamic membership but no link layer: every node dials the others'
 * own p2p listeners. The same directory and the same run-time update as the link layer
 * (src/links/peer-directory.ts, src/links/tell-peers.ts), without a proxy in between, so a
 * node's address book is written one way whether links sit between the nodes or not.
 */
import type { PeerEndpoint, PreparedChain } from '../../adapter/types.ts';
import type { LinkedNode } from '../../links/cluster-links.ts';
import { type DirectoryEntry, PeerDirectory } from '../../links/peer-directory.ts';
import { tellPeers } from '../../links/tell-peers.ts';
import type { MemberPeers } from './membership.ts';

/** What {@link DirectPeers} is built from. */
export interface DirectPeersInit {
  /** The nodes the cluster starts with, each with the peers it dials at start. */
  entries: readonly DirectoryEntry[];
  /** The cluster's nodes by name (nodes that join later are added by `join`). */
  nodes: (name: string) => LinkedNode | undefined;
  updatePeers: PreparedChain['updatePeers'];
  adapterName: string;
}

export class DirectPeers implements MemberPeers {
  readonly #init: DirectPeersInit;
  readonly #directory: PeerDirectory;
  readonly #extra = new Map<string, LinkedNode>();

  constructor(init: DirectPeersInit) {
    this.#init = init;
    this.#directory = new PeerDirectory(init.entries);
  }

  #node(name: string): LinkedNode | undefined {
    return this.#extra.get(name) ?? this.#init.nodes(name);
  }

  endpointsFor(name: string): { peers: PeerEndpoint[]; reachable: PeerEndpoint[] } {
    const { dials, reachable } = this.#directory.peersOf(name);
    const endpoint = (peer: string): PeerEndpoint => {
      const { host, port } = this.#directory.entry(peer).target;
      return { name: peer, host, p2pPort: port };
    };
    return { peers: dials.map(endpoint), reachable: reachable.map(endpoint) };
  }

  async join(node: DirectoryEntry & { linked?: LinkedNode }): Promise<void> {
    this.#directory.add({ name: node.name, target: node.target, dials: node.dials });
    if (node.linked) this.#extra.set(node.name, node.linked);
    await this.#tell();
  }

  async leave(name: string): Promise<void> {
    this.#directory.remove(name);
    this.#extra.delete(name);
    await this.#tell();
  }

  #tell(): Promise<void> {
    return tellPeers(
      this.#directory.names(),
      (n) => this.#node(n),
      (n) => this.endpointsFor(n),
      this.#init,
    );
  }
}
