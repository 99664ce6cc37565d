/**
 * The link layer as a test sees it: `cluster.links`. Every node-to-node connection of a
 * cluster started with `links: true` passes through a chainlab-controlled TCP proxy, one
 * listening port per directed link (A dials B through link A>B), so faults act on single
 * links in one direction, at run time, on existing and new connections alike.
 */
import type { FaultWindow } from '../observe/recording.ts';
import type { LatencyOptions, LinkSelection, LinkSettings } from './link-settings.ts';
import type { DirectoryEntry } from './peer-directory.ts';
import type { ProxyLinkStatus } from './proxy-client.ts';

/** A link fault in force. Lift it (or dispose it) to undo it. */
export interface LinkFault extends AsyncDisposable {
  /** Readable step, as schedules and the recording print it: `partition(val-0,val-1 | val-2,val-3,val-4)`. */
  readonly description: string;
  /** The directions of links it changed (`val-0→val-1`). */
  readonly links: readonly string[];
  /** Its window on the recording (undefined before the observer started). */
  readonly window: FaultWindow | undefined;
  /** True until lifted. */
  readonly active: boolean;
  /** Undoes it and confirms that what it cut passes again. Idempotent. */
  lift(): Promise<void>;
}

/** The per-node part of a joining node: what the link layer needs to give it links. */
export type JoiningNode = DirectoryEntry;

/**
 * Link faults of a started cluster. Every change is a fault window on the recording naming
 * the links it touched (matchers excuse it, reports draw it) and is confirmed before the
 * call resolves: a cut passes no probe and every node's peer view loses the peers it was cut
 * from, or the call fails with a `LinkFaultError`. On a cluster started without
 * `links: true`, or on a deployer that cannot run the link proxy, every call rejects with a
 * `CapabilityError`.
 *
 * @example
 * const split = await cluster.links.partition([['val-0', 'val-1', 'val-2'], ['val-3', 'val-4']]);
 * // … the minority stalls
 * await split.lift(); // or cluster.links.heal()
 */
export interface StartedLinks {
  /** True when the cluster's connections run through links. */
  readonly enabled: boolean;
  /**
   * Cuts every link between nodes of different groups, both ways: their connections are
   * reset and nothing passes until healed. Nodes named in no group form one more group.
   */
  partition(groups: readonly (readonly string[])[]): Promise<LinkFault>;
  /** Lifts every cut in force (partitions, blocked peers, blackholes). */
  heal(): Promise<void>;
  /** Cuts the link between `a` and `b`, both ways. */
  blockPeer(a: string, b: string): Promise<LinkFault>;
  /** Lifts `blockPeer(a, b)` (in either order). */
  unblockPeer(a: string, b: string): Promise<void>;
  /**
   * Delays links by tier: a link gets the one-way latency (and jitter) of the farther of
   * its two nodes' tiers, each way. Replaces an earlier `latency` in force.
   */
  latency(opts: LatencyOptions): Promise<LinkFault>;
  /** Lifts every `latency` in force. */
  clearLatency(): Promise<void>;
  /** Sets one direction (`{ from, to }`) or both (`{ between: [a, b] }`) of a link. */
  set(selection: LinkSelection, settings: LinkSettings): Promise<LinkFault>;
  /** Resets every open connection between `a` and `b` once (they may connect again at once). */
  reset(a: string, b: string): Promise<number>;
  /** Every link with its counters and open connections, as the proxy reports them. */
  status(): Promise<ProxyLinkStatus[]>;
  /**
   * Membership (dynamic churn): gives `node` links to and from every node in the cluster
   * and tells the running nodes (through the adapter's `updatePeers`). Call it before the
   * joining node starts and launch it with {@link StartedLinks.endpointsFor}.
   */
  join(node: JoiningNode): Promise<void>;
  /** Membership: removes a leaving node's links and tells the running nodes it is gone. */
  leave(name: string): Promise<void>;
  /** Where `name` dials each peer (the proxy's port for the link), for its launch. */
  endpointsFor(name: string): {
    peers: { name: string; host: string; p2pPort: number }[];
    reachable: { name: string; host: string; p2pPort: number }[];
  };
}
