/**
 * The one runtime interface under the cluster. A runtime turns launch specs into running
 * nodes and knows nothing of blocks or transactions. Implementations: processes
 * (`local`), containers (`docker`, src/cluster/docker), existing URLs (`attach`).
 * A runtime module exports a factory (`localRuntime(opts)`, `dockerRuntime(opts)` from
 * src/cluster/docker/index.ts) returning a {@link RuntimeFactory}; src/cluster/deployers.ts
 * picks one by deployer name.
 */
import type { LaunchSpec, NodeRole } from '../adapter/types.ts';
import type { CleanupRegistry } from './cleanup/registry.ts';

/** Node control actions a runtime may support. */
export type NodeControl = 'stop' | 'start' | 'restart' | 'kill' | 'pause' | 'resume' | 'disconnect';

/** Every node control action, for capability checks and docs. */
export const allNodeControls: readonly NodeControl[] = [
  'stop',
  'start',
  'restart',
  'kill',
  'pause',
  'resume',
  'disconnect',
];

/** How a node process/container ended. */
export interface ExitInfo {
  exitCode: number | null;
  signal: string | null;
}

/** What a runtime shares with its cluster. */
export interface RuntimeContext {
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

/** What a runtime needs to start one node. */
export interface RuntimeNodeSpec {
  name: string;
  role: NodeRole;
  allocation: NodeAllocation;
  launch: LaunchSpec;
}

export interface StartOptions {
  /** Time to wait for readiness; on expiry a `ClusterStartError` with `timedOut: true` names the node. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export type NodeState = 'running' | 'paused' | 'stopped' | 'exited';

/** A node a runtime started. Control methods the runtime lacks throw `CapabilityError`. */
export interface RunningNode {
  readonly name: string;
  /** Current API base URL (may change across restarts for containers). */
  readonly apiUrl: string;
  readonly logFile: string | undefined;
  readonly state: NodeState;
  /** OS pid for processes. */
  readonly pid: number | undefined;
  /** Graceful stop: SIGTERM, then SIGKILL after `graceMs` (default documented by the runtime). Idempotent. */
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
  /** Takes the node off the cluster network (runtimes with the `disconnect` capability). */
  disconnect?(): Promise<void>;
  /** Puts a disconnected node back on the cluster network. */
  connect?(): Promise<void>;
  /** Called when the node exits without being asked to. */
  onUnexpectedExit(listener: (info: ExitInfo) => void): Disposable;
}

/** A deployer backend for one cluster. */
export interface NodeRuntime {
  /** Deployer name: `local`, `docker`, `attach`. */
  readonly deployer: string;
  readonly kind: 'process' | 'container' | 'attached';
  readonly capabilities: ReadonlySet<NodeControl>;
  /** Addresses, dirs and log files for every node (free ports for processes). */
  allocate(nodes: readonly { name: string; role: NodeRole }[]): Promise<NodeAllocation[]>;
  /** Starts one node and resolves once it serves (ready line or health). */
  start(spec: RuntimeNodeSpec, opts: StartOptions): Promise<RunningNode>;
  /** Stops everything this runtime started and frees shared resources (networks). Idempotent. */
  dispose(): Promise<void>;
}

/** Creates a runtime for one cluster. */
export type RuntimeFactory = (ctx: RuntimeContext) => Promise<NodeRuntime>;
