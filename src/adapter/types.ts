/**
 * The ChainAdapter contract: the only seam through which chainlab knows a chain.
 * Deployers, workloads, chaos, observation and matchers use these shapes and never a
 * chain's own API. `src/adapter/refnode/` is the first implementation.
 */

/** What a node does in the cluster. */
export type NodeRole = 'validator' | 'executor';

/** Star: every node dials only the first validator. Mesh: every node dials every other. */
export type TopologyShape = 'mesh' | 'star';

/** One node of a resolved topology (names are chain-neutral: `val-0`, `exe-1`). */
export interface NodeSpec {
  name: string;
  role: NodeRole;
  /** Position among all nodes: validators first, then executors. */
  index: number;
  /** Deliberate faults the chain supports (adapter capability `bugs`), e.g. `no-sync`. */
  bugs: readonly string[];
}

/** A validated topology with every default filled in; what an adapter's `prepare` receives. */
export interface ResolvedTopology {
  validators: number;
  executors: number;
  shape: TopologyShape;
  /** Wallets funded at genesis. */
  wallets: number;
  /** Balance of each wallet at genesis, undefined = the chain's default. */
  walletBalance: number | undefined;
  slotMs: number;
  activeSlotCoeff: number;
  securityParam: number;
  /** undefined = the adapter derives one from the seed. */
  chainId: string | undefined;
  nodes: readonly NodeSpec[];
  /** Which node names each node dials (from `shape`). */
  dials: Readonly<Record<string, readonly string[]>>;
  /** Per-node tx limits; unset fields keep the chain's defaults. */
  limits?: NodeLimits;
}

/** Per-node tx limits a cluster may set (small mempools make pressure reachable in CI). */
export interface NodeLimits {
  /** Most pending txs in a node's mempool. */
  mempoolMaxCount?: number;
  /** Most pending bytes in a node's mempool. */
  mempoolMaxBytes?: number;
  /** Most txs a validator puts in one block. */
  blockMaxTxs?: number;
}

/** Chain parameters that observation and matchers need (slot schedule, finality, supply). */
export interface ChainFacts {
  chainId: string;
  slotMs: number;
  activeSlotCoeff: number;
  securityParam: number;
  /** Max tolerated clock drift for blocks from the future. */
  maxDriftMs: number;
  /** Epoch ms at which slot 0 starts. */
  genesisTime: number;
  minFee: number;
  genesisSupply: number;
  /** Genesis balance of every account (wallets and validators). */
  initialBalances: Readonly<Record<string, number>>;
}

/** The chain's tx as chainlab needs to see it (from blocks and history). */
export interface TxSummary {
  id: string;
  from: string;
  to: string;
  amount: number;
  fee: number;
  nonce: number;
}

export interface BlockHeader {
  hash: string;
  parent: string;
  height: number;
  slot: number;
  /** Epoch ms of the slot start. */
  timestamp: number;
  /** Proposer's address (public key). */
  proposer: string;
  stateRoot: string;
  txIds: string[];
}

export interface Block extends BlockHeader {
  txs: TxSummary[];
}

export interface NodeInfo {
  nodeId: string;
  role: NodeRole;
  chainId: string;
  slot: number;
  height: number;
  tip: string;
  stateRoot: string;
  finalizedHeight: number;
  finalizedTip: string;
  finalizedStateRoot: string;
  /** Number of connected peers. */
  peers: number;
}

export interface MempoolInfo {
  size: number;
  bytes: number;
  capacity: number;
  evicted: number;
  /** Rejections by reason code since start. */
  rejected: Record<string, number>;
  /** Tx ids, only when asked for (`mempool({ ids: true })`). */
  ids?: string[];
  /** The node's tx counters from its metrics, when a sampler asked for them (`txCounters()`). */
  counters?: TxCounters;
}

/** A node's tx counters since it started, as its metrics report them. */
export interface TxCounters {
  /** Txs in blocks added to the node's best chain. */
  included: number;
  /** Txs evicted from the mempool for higher-fee ones. */
  evicted: number;
  /** Refusals by reason code. */
  rejected: Record<string, number>;
}

export interface TxStatus {
  status: 'pending' | 'included' | 'rejected' | 'unknown';
  height?: number;
  blockHash?: string;
  reason?: string;
}

export interface SupplyInfo {
  height: number;
  hash: string;
  supply: number;
}

export interface StateSnapshot {
  height: number;
  hash: string;
  stateRoot: string;
  accounts: Record<string, { balance: number; nonce: number }>;
}

/** A signed tx ready to submit; `payload` is the chain's own body, opaque to chainlab. */
export interface SignedTx {
  id: string;
  payload: unknown;
}

/** Result of one submission: accepted with an id, or rejected with the chain's reason code. */
export type SubmitResult =
  | { ok: true; id: string }
  | { ok: false; status: number; code: string; message: string };

/** A signed blob ready to publish; `payload` is the chain's own body, opaque to chainlab. */
export interface SignedBlob {
  id: string;
  channel: string;
  /** The channel owner's address. */
  owner: string;
  /** Position in the channel (0 first). */
  sequence: number;
  /** Payload size in bytes. */
  size: number;
  /** sha256 hex of the payload (what a retrieval must give back). */
  dataHash: string;
  payload: unknown;
}

/** Result of one blob publish: accepted with its id, or refused with the chain's reason code. */
export type PublishBlobResult =
  | { ok: true; id: string; duplicate: boolean }
  | { ok: false; status: number; code: string; message: string };

/** A node's view of one blob (`GET /da/blobs/:id` on refnode). */
export interface BlobInfo {
  id: string;
  status: 'pending' | 'certified' | 'included';
  channel: string;
  owner: string;
  sequence: number;
  size: number;
  /** Height and block of the certificate's block, once included. */
  height?: number;
  blockHash?: string;
  /** The payload, rebuilt by the node, when asked for (`blob(id, { data: true })`). */
  data?: Uint8Array;
}

/** Answer of a blob lookup: found, or refused with a code (`not_found`, `unavailable`, `inconsistent`). */
export type BlobLookup =
  | ({ ok: true } & BlobInfo)
  | { ok: false; status: number; code: string; message: string };

/** A DA channel as of a node's tip. */
export interface ChannelInfo {
  channel: string;
  /** Owner's address, null while nobody has published on it. */
  owner: string | null;
  /** Next sequence the chain expects (included blobs). */
  next: number;
  /** Next free sequence as an executor knows it (accepted, maybe not yet included). */
  nextAccepted?: number;
}

/** One event of a node's block feed. */
export type FeedEvent =
  | { type: 'block'; header: BlockHeader }
  | { type: 'finalized'; height: number; hash: string };

/** Per-call options of client requests. */
export interface RequestOptions {
  signal?: AbortSignal;
  /** Overrides the client's default timeout (ms). */
  timeoutMs?: number;
}

/**
 * Typed HTTP client over one node's API. Request failures (connection refused, timeout,
 * unexpected status) throw `AdapterError`; chain-level rejections are values.
 */
export interface ChainClient {
  readonly url: string;
  /** True when the node serves; never throws (false on any failure). */
  health(opts?: RequestOptions): Promise<boolean>;
  info(opts?: RequestOptions): Promise<NodeInfo>;
  /** Blocks `from..to` inclusive on the node's best chain (paged internally). */
  blocks(from: number, to: number, opts?: RequestOptions): Promise<Block[]>;
  block(hash: string, opts?: RequestOptions): Promise<Block | undefined>;
  submitTx(tx: SignedTx, opts?: RequestOptions): Promise<SubmitResult>;
  /** Submit many in as few requests as the chain allows; results in input order. */
  submitTxs(txs: readonly SignedTx[], opts?: RequestOptions): Promise<SubmitResult[]>;
  /**
   * Submits `body` verbatim as one tx (fuzzing malformed encodings); a refusal is a value.
   * Optional: adapters that cannot send raw bytes leave it out.
   */
  submitRaw?(body: string, opts?: RequestOptions): Promise<SubmitResult>;
  txStatus(id: string, opts?: RequestOptions): Promise<TxStatus>;
  mempool(opts?: RequestOptions & { ids?: boolean }): Promise<MempoolInfo>;
  account(address: string, opts?: RequestOptions): Promise<{ balance: number; nonce: number }>;
  /** Total supply at `height`, default the node's final height. */
  supply(height?: number, opts?: RequestOptions): Promise<SupplyInfo>;
  /** Full account state at `height`, default the node's final height. */
  state(height?: number, opts?: RequestOptions): Promise<StateSnapshot>;
  /** Prometheus text. */
  metrics(opts?: RequestOptions): Promise<string>;
  /** The tx counters of the node's metrics (optional per adapter). */
  txCounters?(opts?: RequestOptions): Promise<TxCounters>;
  /** Publishes a signed blob (adapters with the `da` capability; executors accept). A refusal is a value. */
  publishBlob?(blob: SignedBlob, opts?: RequestOptions): Promise<PublishBlobResult>;
  /** One blob as this node knows it; `data: true` asks the node to rebuild the payload. */
  blob?(id: string, opts?: RequestOptions & { data?: boolean }): Promise<BlobLookup>;
  /** A DA channel's owner and next sequence. */
  channel?(name: string, opts?: RequestOptions): Promise<ChannelInfo>;
  /** Streams block and finality events until `signal` aborts or the connection ends. */
  blockFeed(signal: AbortSignal): AsyncIterable<FeedEvent>;
  close(): Promise<void>;
}

/** A funded account that can sign transfers offline. */
export interface Wallet {
  index: number;
  address: string;
  /** Genesis balance. */
  balance: number;
  /** Signs a transfer; does not submit it. */
  transfer(to: string, amount: number, fee: number, nonce: number): SignedTx;
  /**
   * Builds a deliberately invalid transfer for fuzzing (any amount, fee or nonce, a foreign
   * chain id, a broken or foreign signature, a padded encoding). Optional per adapter.
   */
  forge?(spec: ForgeSpec): SignedTx;
  /**
   * Signs a blob on `channel` at `sequence` with this wallet as the channel owner; does not
   * publish it. Optional per adapter (the `da` capability).
   */
  blob?(channel: string, sequence: number, data: Uint8Array): SignedBlob;
}

/** What {@link Wallet.forge} builds: the fields as given, signed as `signature` says. */
export interface ForgeSpec {
  to: string;
  /** Any number, even 0, negative or beyond the safe integers. */
  amount: number;
  fee: number;
  nonce: number;
  /** Sign for this chain id instead of the cluster's. */
  chainId?: string;
  /** `valid` (default), `corrupt` (one signature bit flipped), or `foreign` (signed by `foreignKeyOf`'s key). */
  signature?: 'valid' | 'corrupt' | 'foreign';
  /** The wallet whose key signs a `foreign` signature. */
  foreignKeyOf?: Wallet;
  /** Pads the encoding with an extra field to at least this many bytes. */
  padToBytes?: number;
}

/** Where one peer can be dialled (the deployer decides; a link layer may substitute a proxy). */
export interface PeerEndpoint {
  name: string;
  host: string;
  p2pPort: number;
}

/** Addresses and dirs a deployer gives one node before it starts. */
export interface LaunchEndpoints {
  /** Host the node binds its API and p2p listeners to (`127.0.0.1` locally, `0.0.0.0` in a container). */
  bindHost: string;
  /** Host other nodes use to reach this node. */
  host: string;
  apiPort: number;
  p2pPort: number;
  /** Data dir as the node sees it. */
  dataDir: string;
  /** Config dir as the node sees it (where the prepared chain's files are). */
  chainDir: string;
  peers: readonly PeerEndpoint[];
}

/** How to run a node as a local process. */
export interface ProcessLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

/**
 * Image to run a node in. `nodeApp`: chainlab builds a `FROM scratch` image (Node 24 binary
 * + its libraries, libfaketime, non-root user, the program and only the packages it imports)
 * tagged `name:<content hash>`. `build`: a Dockerfile built when `name` is missing. Neither:
 * `name` must exist locally.
 */
export interface ImageSpec {
  name: string;
  build?: { context: string; dockerfile: string };
  nodeApp?: NodeAppImageSpec;
}

/** A Node 24 program to package as an image (see `ImageSpec.nodeApp`). */
export interface NodeAppImageSpec {
  /** Host dir with the program's package.json and node_modules. */
  root: string;
  /** Files or dirs relative to `root`, copied to `/app/<same path>` (test files left out). */
  include: string[];
  /** Entry file relative to `root`; the image runs `node /app/<entry>` by default. */
  entry: string;
  /** Bare packages the program imports at run time. Default: scanned from the included sources. */
  packages?: string[];
}

/** How to run a node in a container (ports and paths are inside the container). */
export interface ContainerLaunch {
  image: ImageSpec;
  /** Full argv (replaces the image's entrypoint); `node` resolves through the image's PATH. */
  cmd: string[];
  env: Record<string, string>;
  apiPort: number;
  p2pPort: number;
  dataDir: string;
  /** Host files to copy in before start. */
  files: { source: string; target: string }[];
}

/** How a node says it is ready. */
export interface ReadinessSpec {
  /** Parses one stdout line; returns the served API url when the line announces readiness. */
  readyLine(line: string): { apiUrl: string } | undefined;
  /** GET path answering 200 when serving. */
  healthPath: string;
}

export interface LaunchSpec {
  process: ProcessLaunch;
  container: ContainerLaunch;
  readiness: ReadinessSpec;
}

/** A chain made ready to run: genesis written, wallets known, launch specs available. */
export interface PreparedChain {
  facts: ChainFacts;
  wallets: readonly Wallet[];
  nodes: readonly NodeSpec[];
  /** Dir holding the chain's files (genesis, configs, wallets). */
  dir: string;
  launch(node: NodeSpec, endpoints: LaunchEndpoints): LaunchSpec;
  client(url: string): ChainClient;
}

/** An existing chain reached by API URLs only (the attach deployer). */
export interface AttachedChain {
  facts: ChainFacts;
  /** Wallets when a chain dir with wallets was given, else empty. */
  wallets: readonly Wallet[];
  nodes: readonly (NodeSpec & { url: string })[];
  client(url: string): ChainClient;
}

/** Features an adapter may support; scenarios check these up front. */
export type AdapterCapability = 'transfers' | 'da' | 'bugs' | 'clock-skew' | 'containers';

/** Teaches chainlab one chain. */
export interface ChainAdapter {
  readonly name: string;
  readonly capabilities: ReadonlySet<AdapterCapability>;
  /** Writes genesis, node configs and wallets into `dir`, deterministically from `seed`. */
  prepare(topology: ResolvedTopology, dir: string, seed: number): Promise<PreparedChain>;
  /** Describes running nodes given only their API URLs, plus an optional chain dir with wallets. */
  attach(opts: { urls: readonly string[]; chainDir?: string }): Promise<AttachedChain>;
}
