/**
 * The ChainAdapter contract: the only seam through which chainlab knows a chain.
 *
 * It has a small **core** every chain has — nodes, heights, block hashes and parents, tx
 * ids in blocks, submission and tx status, a block feed, a block-production model and a
 * finality rule — and optional, declared **facets** (`FacetName`): accounts and nonces,
 * supply with an emission rule, slots and proposers, mempool details, data availability,
 * deliberate faults, gossip access, clock skew, raw submission/forging, containers.
 * An adapter lists the facets it offers in `ChainAdapter.facets`; a workload, chaos action
 * or matcher that needs one calls `requireFacet` (src/adapter/facets.ts) and refuses up
 * front with a `CapabilityError` naming the missing facet. Nothing fakes a value a chain
 * does not have: a field that belongs to a facet is optional here and present only with it.
 *
 * Amounts, balances, fees and supply are `bigint` (the chain's smallest unit) everywhere.
 */

import type { Arbitrary } from 'fast-check';
import type { CanonicalReason } from './reasons.ts';

// ---- facets ------------------------------------------------------------------------------

/**
 * Optional parts of the contract an adapter may declare:
 * - `accounts`: account balances and nonces (`ChainClient.account`/`state`, `TxSummary.nonce`).
 * - `supply`: total supply (`ChainClient.supply`) with an emission rule (`ChainFacts.supply`).
 * - `slots`: slots and proposers (`ChainFacts.slots`, `BlockHeader.slot`/`proposer`).
 * - `mempool`: mempool size, capacity, evictions, per-reason refusals (`ChainClient.mempool`).
 * - `da`: data availability blobs and certificates (`ChainClient.publishBlob`/`blob`/`channel`/`certificate`).
 * - `bugs`: deliberate faults a node can be started with (`ChainAdapter.bugs`).
 * - `gossip`: a peer can join the gossip mesh (adversarial peers).
 * - `clock-skew`: node clocks can be offset (libfaketime or the chain's own mechanism).
 * - `forging`: raw submission and deliberately invalid txs (`PreparedChain.forger`, `ChainClient.submitRaw`).
 * - `containers`: nodes can run in containers (`LaunchSpec.container`).
 */
export type FacetName =
  | 'accounts'
  | 'supply'
  | 'slots'
  | 'mempool'
  | 'da'
  | 'bugs'
  | 'gossip'
  | 'clock-skew'
  | 'forging'
  | 'containers';

/** Every facet, for docs and checks. */
export const allFacets: readonly FacetName[] = [
  'accounts',
  'supply',
  'slots',
  'mempool',
  'da',
  'bugs',
  'gossip',
  'clock-skew',
  'forging',
  'containers',
];

// ---- topology ----------------------------------------------------------------------------

/** What a node does in the cluster: validators (or miners) produce blocks; executors serve DA. */
export type NodeRole = 'validator' | 'executor';

/** Star: every node dials only the first validator. Mesh: every node dials every other. */
export type TopologyShape = 'mesh' | 'star';

/** One node of a resolved topology (names are chain-neutral: `val-0`, `exe-1`). */
export interface NodeSpec {
  name: string;
  role: NodeRole;
  /** Position among all nodes: validators first, then executors. */
  index: number;
  /** Deliberate faults (facet `bugs`), e.g. `no-sync`; empty without the facet. */
  bugs: readonly string[];
}

/**
 * A validated topology with every chain-neutral default filled in; what an adapter's
 * `prepare` receives. Chain parameters left `undefined` take the adapter's defaults.
 */
export interface ResolvedTopology {
  validators: number;
  executors: number;
  shape: TopologyShape;
  /** Wallets the adapter funds (at genesis, or in its after-start step). */
  wallets: number;
  /** Balance of each wallet, undefined = the chain's default. */
  walletBalance: bigint | undefined;
  /** Target block interval for chains whose production the test drives (PoW lotteries). */
  blockIntervalMs: number | undefined;
  /** Facet `slots`: slot duration. */
  slotMs: number | undefined;
  /** Facet `slots`: active slot coefficient f. */
  activeSlotCoeff: number | undefined;
  /** Finality depth / security parameter k (chains whose finality depth is configurable). */
  securityParam: number | undefined;
  /** undefined = the adapter derives one from the seed. */
  chainId: string | undefined;
  nodes: readonly NodeSpec[];
  /** Which node names each node dials (from `shape`). */
  dials: Readonly<Record<string, readonly string[]>>;
  /** Per-node tx limits (facet `mempool`); unset fields keep the chain's defaults. */
  limits?: NodeLimits;
  /**
   * Validators staked at genesis that start later (cluster option `membership.standby`),
   * named after the `validators` ones; absent or 0 without membership.
   */
  standby?: number;
}

/** The chain parameters of cluster options an adapter checks (unset = the adapter's default). */
export type ChainParams = Partial<
  Pick<
    ResolvedTopology,
    'validators' | 'executors' | 'blockIntervalMs' | 'slotMs' | 'activeSlotCoeff' | 'securityParam'
  >
> & { walletBalance?: bigint | undefined };

/** Per-node tx limits a cluster may set (small mempools make pressure reachable in CI). */
export interface NodeLimits {
  /** Most pending txs in a node's mempool. */
  mempoolMaxCount?: number;
  /** Most pending bytes in a node's mempool. */
  mempoolMaxBytes?: number;
  /** Most txs a validator puts in one block. */
  blockMaxTxs?: number;
}

// ---- chain facts -------------------------------------------------------------------------

/**
 * How blocks arrive, as the adapter states it. Matchers derive liveness and timing bounds
 * from this (never from slots unless the model is `slotted`).
 * - `slotted`: a leader lottery per slot (Praos-like): each slot has a block with chance
 *   `activeSlotCoeff`; a fraction `share` of stake online gives `1-(1-f)^share`.
 * - `poisson`: blocks arrive as a Poisson process (proof of work, seeded mining lotteries);
 *   a fraction `share` of producers online scales the rate by `share`.
 * - `fixed`: one block every `expectedIntervalMs` (round robin, dev chains).
 */
export type BlockProduction =
  | {
      model: 'slotted';
      /** `slotMs / activeSlotCoeff`. */
      expectedIntervalMs: number;
      slotMs: number;
      activeSlotCoeff: number;
    }
  | { model: 'poisson'; expectedIntervalMs: number }
  | { model: 'fixed'; expectedIntervalMs: number };

/**
 * When a block is final, as the adapter states it:
 * - `none`: never (judge the tip; nothing is protected from reorgs);
 * - `depth`: once `depth` blocks sit on top of it (proof of work confirmations);
 * - `reported`: the node says so (`NodeInfo.finalizedHeight`, `finalized` feed events);
 *   `depth` is how deep the chain finalizes at most (refnode: k), used for bounds.
 */
export type FinalityRule =
  | { rule: 'none' }
  | { rule: 'depth'; depth: number }
  | { rule: 'reported'; depth: number };

/**
 * How new coins appear (facet `supply`). Expected total supply at height h is the genesis
 * supply plus the subsidy of every block 1..h (`expectedSupply` in src/adapter/facets.ts).
 * - `none`: nothing is minted after genesis (fees move between accounts);
 * - `halving`: each block from `firstHeight` mints `initial`, halved every `interval` blocks
 *   (Bitcoin family; fees are transfers, so they do not change the total).
 */
export type EmissionRule =
  | { kind: 'none' }
  | { kind: 'halving'; initial: bigint; interval: number; firstHeight: number };

/** Chain parameters of facet `slots`. */
export interface SlotFacts {
  slotMs: number;
  activeSlotCoeff: number;
  /** Epoch ms at which slot 0 starts. */
  genesisTime: number;
  /** Max tolerated clock drift for blocks from the future (ms). */
  maxDriftMs: number;
}

/** Chain parameters of facet `supply`. */
export interface SupplyFacts {
  /** Total supply at genesis (height 0). */
  genesis: bigint;
  emission: EmissionRule;
  /**
   * What `ChainClient.supply` sums: `accounts` (every account's balance) or `utxo-set`
   * (the chain's own unspent-output total, e.g. `gettxoutsetinfo`).
   */
  source: 'accounts' | 'utxo-set';
}

/** One kind of invalid tx an adapter can forge (facet `forging`). */
export interface ForgeKind {
  /** Kind name, e.g. `bad-signature`, `wrong-chain`. */
  kind: string;
  /** The canonical reason a correct node gives. */
  reason: CanonicalReason;
}

/** Chain parameters that observation and matchers need. Facet parts are present only with the facet. */
export interface ChainFacts {
  /** Adapter name (`refnode`, `litecoind`). */
  adapter: string;
  chainId: string;
  production: BlockProduction;
  finality: FinalityRule;
  /** Facets the chain offers (the adapter's, as stored in recordings). */
  facets: readonly FacetName[];
  /**
   * The fee a workload uses by default: a flat fee (account chains) or a fee rate per
   * virtual byte (UTXO chains), in smallest units.
   */
  defaultFee: FeeSpec;
  /** Facet `slots`. */
  slots?: SlotFacts;
  /** Facet `supply`. */
  supply?: SupplyFacts;
  /** Facet `accounts`: genesis balance of every account. */
  initialBalances?: Readonly<Record<string, bigint>>;
  /** Facet `da`: certificate threshold and stake. */
  da?: DaFacts;
}

/** Chain parameters of facet `da`. */
export interface DaFacts {
  /** Validator stake whose valid attestations a certificate needs (e.g. ⌈2/3 · total⌉). */
  threshold: bigint;
  /** Stake of each validator by attesting address. */
  stake: Readonly<Record<string, bigint>>;
  /** Validators that may be down while an included blob stays retrievable. */
  tolerance: number;
}

/** A fee: flat per tx, or a rate per virtual byte the wallet multiplies by the tx size. */
export type FeeSpec = { flat: bigint } | { perVbyte: bigint };

// ---- blocks and txs ----------------------------------------------------------------------

/**
 * The chain's tx as chainlab needs to see it in blocks. Only `id` is core; the transfer
 * fields are present where the chain shows them (facet `accounts` shows all of them).
 */
export interface TxSummary {
  id: string;
  from?: string;
  to?: string;
  amount?: bigint;
  fee?: bigint;
  /** Facet `accounts`. */
  nonce?: number;
}

export interface BlockHeader {
  hash: string;
  parent: string;
  height: number;
  /** Epoch ms the block says it was produced. */
  timestamp: number;
  txIds: string[];
  /** Facet `slots`. */
  slot?: number;
  /** Facet `slots`: proposer's address. */
  proposer?: string;
  /** Chains with a state commitment in the header. */
  stateRoot?: string;
}

export interface Block extends BlockHeader {
  txs: TxSummary[];
}

export interface NodeInfo {
  nodeId: string;
  role: NodeRole;
  chainId: string;
  height: number;
  tip: string;
  /** Number of connected peers. */
  peers: number;
  /** Finality rule `reported`: the node's final height and block. */
  finalizedHeight?: number;
  finalizedTip?: string;
  /** Facet `slots`: the node's current slot. */
  slot?: number;
  /** Chains with state roots. */
  stateRoot?: string;
  finalizedStateRoot?: string;
}

/** Facet `mempool`. */
export interface MempoolInfo {
  size: number;
  bytes: number;
  capacity: number;
  evicted: number;
  /** Rejections by canonical reason since start. */
  rejected: Partial<Record<CanonicalReason, number>>;
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
  /** Refusals by canonical reason. */
  rejected: Partial<Record<CanonicalReason, number>>;
}

export interface TxStatus {
  status: 'pending' | 'included' | 'rejected' | 'unknown';
  height?: number;
  blockHash?: string;
  reason?: CanonicalReason;
}

/** Facet `supply`: the total at one height. */
export interface SupplyInfo {
  height: number;
  hash: string;
  supply: bigint;
}

/** Facet `accounts`: one account. */
export interface AccountInfo {
  balance: bigint;
  nonce: number;
}

/** Facet `accounts`: every account at one height. */
export interface StateSnapshot {
  height: number;
  hash: string;
  stateRoot?: string;
  accounts: Record<string, AccountInfo>;
}

/**
 * A tx ready to submit. `payload` is the chain's own body, opaque to chainlab: a signed tx
 * (offline signers) or a request a wallet daemon signs at submission. `id` is set only when
 * known before submission; the id chainlab records is always the one the node answers.
 */
export interface PreparedTx {
  payload: unknown;
  id?: string;
  /** What the tx does, as far as the wallet knows (recorded with the submission). */
  summary: Omit<TxSummary, 'id'>;
}

/** Result of one submission: accepted with the node's id, or refused with a canonical reason. */
export type SubmitResult =
  | { ok: true; id: string }
  | {
      ok: false;
      /** HTTP-like status when the chain has one. */
      status?: number;
      code: CanonicalReason;
      /** The chain's own code, e.g. `mempool-min-fee-not-met`. */
      chainCode: string;
      message: string;
      /** For `overloaded` / `rate_limited`: how long the node asked us to wait (ms). */
      retryAfterMs?: number;
    };

/** A signed blob ready to publish (facet `da`); `payload` is the chain's own body. */
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

/** A refusal of a DA request, with the chain's own code. */
export interface DaRefusal {
  ok: false;
  status: number;
  code: string;
  message: string;
}

/** Result of one blob publish: accepted with its id, or refused. */
export type PublishBlobResult = { ok: true; id: string; duplicate: boolean } | DaRefusal;

/** A node's view of one blob. */
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

/** Answer of a blob lookup: found, or refused (`not_found`, `unavailable`, `inconsistent`). */
export type BlobLookup = ({ ok: true } & BlobInfo) | DaRefusal;

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

/**
 * A blob's certificate as included in a block, with what the adapter checked of it: which
 * attestations carry a valid signature of a known validator over this blob's commitment.
 */
export interface CertificateCheck {
  blobId: string;
  blockHash: string;
  /** Attesting validators whose signature verified (addresses). */
  validSigners: string[];
  /** Attestations that did not verify (wrong key, bad signature, wrong commitment). */
  invalid: { signer: string; why: string }[];
}

/** One event of a node's block feed. `finalized` only under finality rule `reported`. */
export type FeedEvent =
  | { type: 'block'; header: BlockHeader }
  | { type: 'finalized'; height: number; hash: string };

/** Per-call options of client requests. */
export interface RequestOptions {
  signal?: AbortSignal;
  /** Overrides the client's default timeout (ms). */
  timeoutMs?: number;
}

// ---- the node client ---------------------------------------------------------------------

/**
 * The core every node API has. Request failures (connection refused, timeout, unexpected
 * answer) throw `AdapterError`; chain-level refusals are values with a canonical reason.
 */
export interface CoreClient {
  readonly url: string;
  /** True when the node serves; never throws (false on any failure). */
  health(opts?: RequestOptions): Promise<boolean>;
  info(opts?: RequestOptions): Promise<NodeInfo>;
  /** Blocks `from..to` inclusive on the node's best chain (paged internally). */
  blocks(from: number, to: number, opts?: RequestOptions): Promise<Block[]>;
  block(hash: string, opts?: RequestOptions): Promise<Block | undefined>;
  /** Submits one tx; the answered id is the tx's id from then on. */
  submitTx(tx: PreparedTx, opts?: RequestOptions): Promise<SubmitResult>;
  /** Submits many in as few requests as the chain allows; results in input order. */
  submitTxs(txs: readonly PreparedTx[], opts?: RequestOptions): Promise<SubmitResult[]>;
  txStatus(id: string, opts?: RequestOptions): Promise<TxStatus>;
  /** Streams block (and, under rule `reported`, finality) events until `signal` aborts. */
  blockFeed(signal: AbortSignal): AsyncIterable<FeedEvent>;
  close(): Promise<void>;
}

/** Facet `accounts`. */
export interface AccountsClient {
  account(address: string, opts?: RequestOptions): Promise<AccountInfo>;
  /** Every account at `height`, default the node's final height. */
  state(height?: number, opts?: RequestOptions): Promise<StateSnapshot>;
}

/** Facet `supply`. */
export interface SupplyClient {
  /** Total supply at `height` (default: the node's final height). */
  supply(height?: number, opts?: RequestOptions): Promise<SupplyInfo>;
}

/** Facet `mempool`. */
export interface MempoolClient {
  mempool(opts?: RequestOptions & { ids?: boolean }): Promise<MempoolInfo>;
  /** The node's tx counters (from its metrics). */
  txCounters(opts?: RequestOptions): Promise<TxCounters>;
}

/** Facet `forging`. */
export interface ForgingClient {
  /** Submits `body` verbatim as one tx (fuzzing malformed encodings); a refusal is a value. */
  submitRaw(body: string, opts?: RequestOptions): Promise<SubmitResult>;
}

/** Facet `da`. */
export interface DaClient {
  publishBlob(blob: SignedBlob, opts?: RequestOptions): Promise<PublishBlobResult>;
  /** One blob as this node knows it; `data: true` asks the node to rebuild the payload. */
  blob(id: string, opts?: RequestOptions & { data?: boolean }): Promise<BlobLookup>;
  channel(name: string, opts?: RequestOptions): Promise<ChannelInfo>;
  /**
   * The certificate of an included blob, its attestations verified by the adapter against
   * the chain's validator keys (not taken on the node's word). Undefined when not included.
   */
  certificate(blobId: string, opts?: RequestOptions): Promise<CertificateCheck | undefined>;
}

/**
 * Typed client of one node: the core plus the methods of the facets the adapter declares
 * (absent otherwise). Reach a facet's methods through `facetClient(client, facet)`.
 */
export interface ChainClient
  extends CoreClient,
    Partial<AccountsClient>,
    Partial<SupplyClient>,
    Partial<MempoolClient>,
    Partial<ForgingClient>,
    Partial<DaClient> {
  /** Prometheus text, where the node has metrics. */
  metrics?(opts?: RequestOptions): Promise<string>;
}

// ---- wallets -----------------------------------------------------------------------------

/** What a workload asks a wallet to pay. */
export interface TransferRequest {
  to: string;
  amount: bigint;
  /** Default: the chain's `defaultFee`. */
  fee?: FeeSpec;
  /** Facet `accounts`: the sender's nonce for this tx. */
  nonce?: number;
}

/**
 * A funded account chainlab can spend from. `transfer` is async: an offline signer signs
 * at once, a wallet daemon may sign (choosing inputs and fee) only at submission.
 */
export interface Wallet {
  index: number;
  address: string;
  /** Balance when the cluster was ready (genesis, or after the adapter's funding step). */
  balance: bigint;
  /** Prepares a transfer; does not submit it. */
  transfer(req: TransferRequest): Promise<PreparedTx>;
  /** Facet `da`: signs a blob on `channel` at `sequence` with this wallet as owner; does not publish. */
  blob?(channel: string, sequence: number, data: Uint8Array): SignedBlob;
}

/** What a forged case becomes: a prepared tx, or a raw body for `ForgingClient.submitRaw`. */
export type Forged =
  | { tx: PreparedTx; raw?: undefined; expect: readonly CanonicalReason[] }
  | { raw: string; tx?: undefined; expect: readonly CanonicalReason[] };

/** What a forger may use when it builds a case. */
export interface ForgeContext {
  /** The wallet whose account the invalid txs come from (only ever primed once). */
  wallet: Wallet;
  /** Another funded wallet (a recipient, a foreign key). */
  other: Wallet;
  /** The client of the node the case goes to. */
  client: ChainClient;
  /** The tx of `wallet` the chain included before fuzzing (`Forger.prime`). */
  primed: PreparedTx;
}

/**
 * Facet `forging`: the chain's own kinds of invalid tx as fast-check arbitraries of plain
 * data (so a failure prints and shrinks well), and how a case becomes something to submit.
 * Everything chain-specific about invalid txs (fields, encodings, size limits) lives here.
 */
export interface Forger {
  /** Every kind with the canonical reason a correct node answers. */
  readonly kinds: readonly ForgeKind[];
  /** The arbitrary of one kind's cases; `targets` = how many nodes a case may pick from (`case.node`). */
  arbitrary(kind: string, ctx: { targets: number }): Arbitrary<ForgeCase>;
  /** Builds what to submit for `c`. */
  build(c: ForgeCase, ctx: ForgeContext): Promise<Forged>;
  /** A tx of `ctx.wallet` to be included before fuzzing (so `duplicate` has something to repeat). */
  prime(ctx: Omit<ForgeContext, 'primed'>): Promise<PreparedTx>;
}

/** One generated invalid case: its kind, the target index, and kind-specific plain data. */
export interface ForgeCase {
  kind: string;
  node: number;
  [field: string]: unknown;
}

// ---- launching ---------------------------------------------------------------------------

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
  /**
   * The node's address book as the node sees it (clusters with `membership`): its peers come
   * from this file, which the cluster rewrites as nodes join and leave, and `peers` is empty.
   */
  peersFile?: string;
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
  /** Full argv (replaces the image's entrypoint). */
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
  /** Parses one stdout line; returns the served API url when the line announces readiness. Optional: without it deployers poll `healthPath`. */
  readyLine?(line: string): { apiUrl: string } | undefined;
  /** GET path answering 2xx without credentials when serving (deployers' HTTP health probes). */
  healthPath: string;
}

/** How to launch one node; `container` only for adapters with the `containers` facet. */
export interface LaunchSpec {
  process: ProcessLaunch;
  container?: ContainerLaunch;
  readiness: ReadinessSpec;
}

// ---- the adapter -------------------------------------------------------------------------

/** A node of a started cluster as an adapter's after-start step sees it. */
export interface AdapterNode {
  readonly name: string;
  readonly role: NodeRole;
  /** Current client (it may change across restarts). */
  readonly client: ChainClient;
}

/** What an adapter's after-start step gets. */
export interface AfterStartContext {
  /** The cluster's nodes, current clients. */
  nodes: () => readonly AdapterNode[];
  /** The run's seed (a block lottery draws from it). */
  seed: number;
  /** Aborts when the start deadline passes or the start is cancelled. */
  signal: AbortSignal;
  /** Story log line. */
  log(line: string): void;
}

/** What an after-start step may hand back: the funded wallets, and something to dispose. */
export interface AfterStartResult {
  /** Replaces `PreparedChain.wallets` (chains that fund wallets after start). */
  wallets?: readonly Wallet[];
  /** Genesis balances known only after funding (facet `accounts`/`supply`), merged into the facts. */
  facts?: Partial<ChainFacts>;
  /** Stops what the step started (a miner loop, a wallet daemon); runs before nodes stop. */
  dispose?(): Promise<void>;
}

/** A chain made ready to run: files written, wallets known, launch specs available. */
export interface PreparedChain {
  facts: ChainFacts;
  wallets: readonly Wallet[];
  nodes: readonly NodeSpec[];
  /** Dir holding the chain's files (genesis, configs, wallets). */
  dir: string;
  launch(node: NodeSpec, endpoints: LaunchEndpoints): LaunchSpec;
  client(url: string): ChainClient;
  /**
   * Runs once every node serves, inside the cluster's start deadline (fund wallets, mine
   * to coinbase maturity, start a block lottery). Its `dispose` runs at cluster dispose.
   */
  afterStart?(ctx: AfterStartContext): Promise<AfterStartResult | undefined>;
  /** Facet `forging`. */
  forger?: Forger;
  /** Nodes joining and leaving at run time; absent when the chain cannot (`addNode` then refuses). */
  membership?: ChainMembership;
}

/** A peer in a node's address book: dialled at start when `bootstrap`, else once learned from another peer. */
export interface BookEntry extends PeerEndpoint {
  bootstrap: boolean;
}

/**
 * What a chain offers for dynamic membership (src/cluster/membership/): fresh identities for
 * nodes that join a running chain, each validator's stake and the rule the running ones must
 * meet to finalize, and address books the nodes re-read at run time.
 *
 * @example
 * const spec = await prepared.membership!.newNode({ role: 'executor', name: 'exe-2' });
 */
export interface ChainMembership {
  /** Validators staked at genesis that have not joined yet, in the order `newNode` takes them. */
  standby(): readonly string[];
  /** Stake of every validator (started, standby or gone), by node name. */
  readonly stake: ReadonlyMap<string, bigint>;
  /** The finality rule in words, e.g. `running validators must hold more than half of the stake (300 of 400)`. */
  readonly quorumRule: string;
  /** Whether validators holding `running` stake keep the chain finalizing. */
  finalizes(running: bigint): boolean;
  /**
   * Writes the files of a node joining with a fresh identity: a new key and an empty data
   * dir for an executor (named `name`), the next standby key for a validator (its own name).
   * Throws `AdapterError` when no standby validator is left.
   */
  newNode(req: { role: NodeRole; name: string }): Promise<NodeSpec>;
  /** Writes a node's address book (host path) atomically; the node applies it while running. */
  writeBook(file: string, entries: readonly BookEntry[]): Promise<void>;
}

/** An existing chain reached by API URLs only (the attach deployer). */
export interface AttachedChain {
  facts: ChainFacts;
  /** Wallets when a chain dir with wallets was given, else empty. */
  wallets: readonly Wallet[];
  nodes: readonly (NodeSpec & { url: string })[];
  client(url: string): ChainClient;
  /** Facet `forging` (needs the chain dir's wallets). */
  forger?: Forger;
}

/** Teaches chainlab one chain. */
export interface ChainAdapter {
  readonly name: string;
  /** Facets this adapter offers (see `FacetName`). */
  readonly facets: ReadonlySet<FacetName>;
  /** Facet `bugs`: the deliberate faults a node can be started with, when the adapter lists them (names are then checked up front). */
  readonly bugs?: readonly string[];
  /**
   * Checks a cluster's chain parameters before anything starts (ranges the chain supports,
   * parameters it has no use for); each problem names the option. Called with what was
   * given even when other options are bad, so every problem is reported at once. Optional.
   */
  checkTopology?(params: ChainParams): { path: string; value: unknown; allowed: string }[];
  /** Writes genesis, node configs and wallets into `dir`, deterministically from `seed`. */
  prepare(topology: ResolvedTopology, dir: string, seed: number): Promise<PreparedChain>;
  /** Describes running nodes given only their API URLs, plus an optional chain dir with wallets. */
  attach(opts: { urls: readonly string[]; chainDir?: string }): Promise<AttachedChain>;
}
