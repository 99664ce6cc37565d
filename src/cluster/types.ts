/**
 * Shapes of a started cluster and its nodes. Definitions (`Cluster`, src/cluster/cluster.ts)
 * and started things are different types: URLs, clients and control exist only here.
 * Workloads, chaos, observation and matchers use these handles and never know the deployer.
 */
import type {
  ApiSurface,
  ChainClient,
  ChainFacts,
  Forger,
  GossipKit,
  NodeRole,
  P2pEndpoint,
  Wallet,
} from '../adapter/types.ts';
import type { NodeControl, NodeState } from '../deployers/deployer.ts';
import type { StartedLinks } from '../links/types.ts';
import type { StartedObserver } from '../observe/observer.ts';
import type { Recording } from '../observe/recording.ts';
import type { Rng } from '../support/rng.ts';
import type { ClockJitter, ClockOffset, ClockSetting } from './clock-offset.ts';
import type { AddNodeOptions, RemoveNodeOptions } from './membership/membership.ts';

/** Jitter of `StartedNode.setClockOffset`. */
export interface NodeClockOptions {
  /** Amplitude of a uniform draw added to the offset, e.g. `'±200ms'`. Default 0 (none). */
  jitter?: ClockJitter;
  /** ms between two draws (each from the cluster's seed). Default 1000; ≥ 100. */
  jitterEvery?: number;
}

/** Deployer names chainlab ships. */
export type DeployerName = 'local' | 'docker' | 'k8s' | 'attach';

/** A running node of a started cluster. */
export interface StartedNode {
  readonly name: string;
  readonly role: NodeRole;
  /** API base URL (current; may change across container restarts). */
  readonly apiUrl: string;
  /** Typed client of this node's API (kept up to date across restarts). */
  readonly client: ChainClient;
  /** Host path of the node's log file (stdout + stderr), undefined for attached nodes. */
  readonly logFile: string | undefined;
  /**
   * Where this machine reaches the node's p2p port (its own port locally, the port published
   * on 127.0.0.1 for a container); undefined when the deployer publishes none.
   */
  readonly p2pEndpoint: P2pEndpoint | undefined;
  readonly state: NodeState;
  /** Graceful stop (SIGTERM, SIGKILL after the grace delay). Records a `stop` fault window until `start`. */
  stop(): Promise<void>;
  /** Starts a stopped or killed node again; resolves when it serves. Closes the open fault window. */
  start(): Promise<void>;
  /** Stop + start; the fault window spans until the node serves again. */
  restart(): Promise<void>;
  /** SIGKILL; the node stays down until `start()`. */
  kill(): Promise<void>;
  /** Freeze the node (SIGSTOP); records a `pause` window until `resume`. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Takes the node off the cluster network (deployers with the `disconnect` capability: docker). Records a `disconnect` window until `connect`. */
  disconnect(): Promise<void>;
  /** Puts a disconnected node back on the cluster network. */
  connect(): Promise<void>;
  /** Last lines of the node's log ('' for attached nodes). */
  logTail(lines?: number): Promise<string>;
  /**
   * Sets the node's wall-clock offset (`'+1s'`, `-250`, …) and optional jitter at run time,
   * without a restart; resolves once the node's clock (and slot) read it. Each applied
   * offset is a `clock-skew` fault window. Needs the cluster option `clockSkew` (nodes run
   * under libfaketime only then), the deployer's `clock-skew` capability and the adapter's
   * `clock-skew` facet; else a `CapabilityError` at once.
   * @example await cluster.node('val-1').setClockOffset('+1s', { jitter: '±100ms' });
   */
  setClockOffset(offset: ClockOffset, opts?: NodeClockOptions): Promise<void>;
  /** The clock setting in force (undefined when the node's clock is not skewable). */
  readonly clockSetting: ClockSetting | undefined;
  /** The offset applied now in ms (with jitter, the latest draw); undefined when not skewable. */
  readonly clockOffsetMs: number | undefined;
  /** The first jitter draw that could not be applied or confirmed (the jitter stopped then); cluster dispose rethrows it. */
  readonly clockFailure: unknown;
}

/** Anything naming a node: its name or its handle. */
export type NodeRef = string | StartedNode;

/** A cluster that runs. Dispose it (or `await using`) to stop every node and remove its dirs. */
export interface StartedCluster extends AsyncDisposable {
  /** Run id (on every process, container and dir of this run). */
  readonly runId: string;
  /** Seed that drives every random choice; printed on failure, replay with `CHAINLAB_SEED`. */
  readonly seed: number;
  /** Root random stream; consumers `rng.fork(label)`. */
  readonly rng: Rng;
  readonly facts: ChainFacts;
  /** Funded wallets, in genesis order. */
  readonly wallets: readonly Wallet[];
  readonly nodes: readonly StartedNode[];
  readonly validators: readonly StartedNode[];
  readonly executors: readonly StartedNode[];
  /** Host dir with this cluster's chain files, data dirs and logs (undefined when attached). */
  readonly dir: string | undefined;
  readonly deployer: { readonly name: string; readonly capabilities: ReadonlySet<NodeControl> };
  readonly observer: StartedObserver;
  readonly recording: Recording;
  /** The adapter's forging facet (invalid txs), undefined without it. */
  readonly forger: Forger | undefined;
  /** The adapter's gossip facet (topics, rules and messages of a foreign peer), undefined without it. */
  readonly gossip: GossipKit | undefined;
  /** The adapter's API surface (facet `api-surface`: the API as request data), undefined without it. */
  readonly apiSurface: ApiSurface | undefined;
  /**
   * Link faults (partitions, blocked peers, latency, per-link settings) of a cluster started
   * with `links: true`; otherwise every call rejects with a `CapabilityError`.
   */
  readonly links: StartedLinks;
  /** The node with this name; throws naming the known nodes otherwise. */
  node(ref: NodeRef): StartedNode;
  client(ref: NodeRef): ChainClient;
  /** Throws `CapabilityError` at once unless the deployer can do every one of `controls`. */
  requireCapabilities(...controls: NodeControl[]): void;
  stop(ref: NodeRef): Promise<void>;
  start(ref: NodeRef): Promise<void>;
  restart(ref: NodeRef): Promise<void>;
  kill(ref: NodeRef): Promise<void>;
  pause(ref: NodeRef): Promise<void>;
  resume(ref: NodeRef): Promise<void>;
  disconnect(ref: NodeRef): Promise<void>;
  connect(ref: NodeRef): Promise<void>;
  /**
   * Starts a node with a fresh identity (cluster option `membership`): a new key and an
   * empty data dir for an executor, the next standby key for a validator. It bootstraps
   * from live nodes and finds the rest by discovery; recorded as a join on the timeline.
   * Resolves once it serves. Throws `MembershipError` without membership.
   *
   * @example
   * const exe = await cluster.addNode({ role: 'executor' });
   */
  addNode(options: AddNodeOptions): Promise<StartedNode>;
  /**
   * Takes a node out for good: out of every address book, stopped, its data deleted;
   * recorded as a leave. Removing a validator that would leave too little stake to finalize
   * throws `MembershipError` (`belowQuorum`) unless `{ allowBelowQuorum: true }`.
   *
   * @example
   * await cluster.removeNode('val-2');
   */
  removeNode(ref: NodeRef, options?: RemoveNodeOptions): Promise<void>;
  /** Registers something to dispose with the cluster (background workloads); runs before nodes stop. */
  defer(resource: AsyncDisposable): void;
  /** Stops observation and every node, removes dirs. Idempotent. */
  dispose(): Promise<void>;
}
