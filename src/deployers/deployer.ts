/**
 * The one deployer interface under the cluster. A deployer turns launch specs into running
 * nodes, and addresses and controls them; it knows nothing of blocks or transactions.
 * Implementations, one folder each under src/deployers/: processes (`local`), containers
 * (`docker`), existing nodes reached by URL (`attach`); a k8s deployer goes in `k8s`.
 * A deployer module exports a factory (`localDeployer(opts)`, `dockerDeployer(opts)`,
 * `attachDeployer(urls)`) returning a {@link DeployerFactory}; src/deployers/pick.ts picks
 * one by name.
 */
import type { LaunchSpec, NodeRole, P2pEndpoint } from '../adapter/types.ts';
import type { CleanupRegistry } from '../cluster/cleanup/registry.ts';

/**
 * Node control actions a deployer may support. `clock-skew`: it can run nodes with an offset
 * wall clock that changes at run time (libfaketime, src/deployers/faketime.ts).
 */
export type NodeControl =
  | 'stop'
  | 'start'
  | 'restart'
  | 'kill'
  | 'pause'
  | 'resume'
  | 'disconnect'
  | 'clock-skew';

/** Every node control action, for capability checks and docs. */
export const allNodeControls: readonly NodeControl[] = [
  'stop',
  'start',
  'restart',
  'kill',
  'pause',
  'resume',
  'disconnect',
  'clock-skew',
];

/** How a node process/container ended. */
export interface ExitInfo {
  exitCode: number | null;
  signal: string | null;
}

/** What a deployer shares with its cluster. */
export interface DeployerContext {
  /** Run id, put on every process (env `CHAINLAB_RUN`), container (label) and dir. */
  runId: string;
  /** Dir of this cluster under the run root: chain files, data dirs and logs live here. */
  clusterDir: string;
  /** Cluster name, unique within the run (`cluster-1`). */
  clusterName: string;
  registry: CleanupRegistry;
  /** Story log line (`starting val-2 …`). */
  log(line: string): void;
}

/** Where one node listens, decided before any node starts (peers need every address). */
export interface NodeAllocation {
  name: string;
  bindHost: string;
  /** Host other nodes dial. */
  host: string;
  apiPort: number;
  p2pPort: number;
  /** Data dir as the node sees it. */
  dataDir: string;
  /** Chain dir as the node sees it. */
  chainDir: string;
  /** Host path of the node's log file (stdout + stderr). */
  logFile: string;
}

/** What a deployer needs to start one node. */
export interface DeployNodeSpec {
  name: string;
  role: NodeRole;
  allocation: NodeAllocation;
  /** How to launch it; absent for the `attach` deployer (the node already runs). */
  launch: LaunchSpec | undefined;
  /**
   * Run the node with a skewable wall clock starting at `offsetMs` (deployers with the
   * `clock-skew` capability); its `setClockOffset` then changes it at run time. Absent: the
   * node's clock is the machine's, untouched.
   */
  clock?: { offsetMs: number };
}

export interface StartOptions {
  /** Time to wait for readiness; on expiry a `ClusterStartError` with `timedOut: true` names the node. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export type NodeState = 'running' | 'paused' | 'stopped' | 'exited';

/** A node a deployer started (or attached to). Control methods the deployer lacks throw `CapabilityError`. */
export interface DeployedNode {
  readonly name: string;
  /** Current API base URL (may change across restarts for containers). */
  readonly apiUrl: string;
  readonly logFile: string | undefined;
  /**
   * Where this machine reaches the node's p2p listener (a foreign gossip peer dials it here):
   * its own port for a process, the port published on 127.0.0.1 for a container. Undefined
   * when the deployer publishes none (attached nodes, Kubernetes).
   */
  readonly p2pEndpoint?: P2pEndpoint | undefined;
  readonly state: NodeState;
  /** OS pid for processes. */
  readonly pid: number | undefined;
  /** Graceful stop: SIGTERM, then SIGKILL after `graceMs` (default documented by the deployer). Idempotent. */
  stop(opts?: { graceMs?: number }): Promise<ExitInfo | undefined>;
  /** Immediate SIGKILL. */
  kill(): Promise<ExitInfo | undefined>;
  /** Start a stopped/killed node again with the same data dir and addresses; resolves when serving. */
  start(opts: StartOptions): Promise<void>;
  /** Freeze (SIGSTOP / docker pause). */
  pause(): Promise<void>;
  /** Unfreeze (SIGCONT / docker unpause). */
  resume(): Promise<void>;
  /** Last lines of the node's log. */
  logTail(lines?: number): Promise<string>;
  /** Takes the node off the cluster network (deployers with the `disconnect` capability). */
  disconnect?(): Promise<void>;
  /** Puts a disconnected node back on the cluster network. */
  connect?(): Promise<void>;
  /**
   * Sets the node's wall-clock offset (ms, negative = behind); applies at once, also while it
   * runs, and across restarts. Present only on nodes started with `DeployNodeSpec.clock`.
   */
  setClockOffset?(offsetMs: number): Promise<void>;
  /**
   * Writes a file the node reads, at `path` as the node sees it (its peers file, a clock
   * offset), replacing it whole, while it runs or not. Local: the host path, written
   * atomically. Containers: copied into the container.
   */
  writeFile?(path: string, content: string): Promise<void>;
  /** Called when the node exits without being asked to. */
  onUnexpectedExit(listener: (info: ExitInfo) => void): Disposable;
}

/** A deployer backend for one cluster. */
export interface Deployer {
  /** Deployer name: `local`, `docker`, `attach` (`k8s`, …). */
  readonly name: string;
  readonly kind: 'process' | 'container' | 'attached';
  readonly capabilities: ReadonlySet<NodeControl>;
  /** Why a control is missing here when that is not obvious (e.g. a library not installed), for the refusal. */
  missingReason?(control: NodeControl): string | undefined;
  /**
   * True when it can run the cluster's link proxy (src/links/) beside the nodes, started like
   * a node from the proxy's launch spec (`allocate` + `start`), reachable by the nodes at its
   * allocation's host and by the test process at its API URL. Without it a cluster with
   * `links: true` is refused with a `CapabilityError`.
   */
  readonly hostsLinks?: boolean;
  /** Addresses, dirs and log files for every node (free ports for processes). */
  allocate(nodes: readonly { name: string; role: NodeRole }[]): Promise<NodeAllocation[]>;
  /** Starts one node and resolves once it serves (ready line or health). */
  start(spec: DeployNodeSpec, opts: StartOptions): Promise<DeployedNode>;
  /**
   * Stops a node for good and deletes its data (dynamic membership: the node left the
   * cluster). Its log stays with the run's artifacts. Absent on deployers that cannot.
   */
  remove?(node: DeployedNode): Promise<void>;
  /** Stops everything this deployer started and frees shared resources (networks). Idempotent. */
  dispose(): Promise<void>;
}

/** Creates a deployer for one cluster. */
export type DeployerFactory = (ctx: DeployerContext) => Promise<Deployer>;
