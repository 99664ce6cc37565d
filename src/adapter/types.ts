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
 * - `gossip`: a foreign peer can join the gossip mesh (`PreparedChain.gossip`: topics, rules and
 *   messages) and a node shows its view of its gossip peers (`ChainClient.gossipView`).
 * - `clock-skew`: node clocks can be offset (the deployer runs the node under libfaketime, so
 *   the node must read the wall clock through libc, as dynamically linked programs do), and
 *   the node reports its clock and its rule for blocks from the future (`ChainClient.clock`).
 * - `forging`: raw submission and deliberately invalid txs (`PreparedChain.forger`, `ChainClient.submitRaw`).
 * - `containers`: nodes can run in containers (`LaunchSpec.container`).
 * - `api-surface`: the node's HTTP API described as request data (`PreparedChain.apiSurface`):
 *   valid reads and tx submissions, malformed, oversized and slow bodies, unknown routes, what
 *   an answer means, when the node process started; API limits a cluster may set (`NodeLimits.api*`).
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
  | 'containers'
  | 'api-surface';

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
  'api-surface',
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
> & {
  walletBalance?: bigint | undefined;
  /** Facet `api-surface`: the cluster's API limits (`NodeLimits.api*`), for the chain's own ranges. */
  apiLimits?: { ratePerSecond?: number; burst?: number; requestTimeoutMs?: number };
  /** The tx limits given (`mempool`, `maxBlockTxs`), for chains that bound differently or not at all. */
  limits?: NodeLimits;
};

/** Per-node tx limits a cluster may set (small mempools make pressure reachable in CI). */
export interface NodeLimits {
  /** Most pending txs in a node's mempool. */
  mempoolMaxCount?: number;
  /** Most pending bytes in a node's mempool. */
  mempoolMaxBytes?: number;
  /** Most txs a validator puts in one block. */
  blockMaxTxs?: number;
  /** Facet `api-surface`: requests per second one client (IP) may make before it is refused. */
  apiRatePerSecond?: number;
  /** Facet `api-surface`: requests one client may make at once above the rate (bucket size). */
  apiRateBurst?: number;
  /** Facet `api-surface`: longest time (ms) a request may take to arrive (headers and body). */
  apiRequestTimeoutMs?: number;
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
  /**
   * What the kind needs to be refused for its reason: `full-mempool` kinds are valid txs
   * that a full mempool refuses (`invalidTxs({ fullMempool: true })` fills the mempools
   * with `Forger.fillMempool` first). Absent: refused on any node.
   */
  needs?: 'full-mempool';
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
  /**
   * Amounts a transfer workload sends by default, in smallest units. Default
   * `{ min: 1n, max: 1000n }`; a UTXO chain refuses outputs below its dust limit, so it
   * states larger ones.
   */
  defaultAmount?: { min: bigint; max: bigint };
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

/**
 * Facet `mempool`: what a node's mempool holds, and the counters the chain keeps. A chain
 * that does not count something leaves it out (litecoind bounds its mempool by memory, not
 * by a count, and counts neither evictions nor refusals); matchers that need it refuse.
 */
export interface MempoolInfo {
  /** Pending txs. */
  size: number;
  /** Their size (bytes, or virtual bytes on segwit chains). */
  bytes: number;
  /** Most pending txs, where the chain bounds its mempool by count. */
  capacity?: number;
  /** Txs evicted for higher-fee ones since start, where the chain counts them. */
  evicted?: number;
  /** Rejections by canonical reason since start, where the chain counts them. */
  rejected?: Partial<Record<CanonicalReason, number>>;
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
  /** The node's tx counters (from its metrics), where the node has metrics. */
  txCounters?(opts?: RequestOptions): Promise<TxCounters>;
}

/**
 * Facet `clock-skew`: a node's wall clock as it reads it, and what its rule for blocks from
 * the future did. Counters run since the node (process) started; absent where the chain
 * does not report them.
 */
export interface ClockReading {
  /** The node's wall clock when it answered (epoch ms): the real time plus any skew. */
  now: number;
  /**
   * How finely the node keeps time (ms): `now` is the middle of an interval this long that
   * its clock was in, so it is within half of it of the node's true clock. Default 1 (a
   * clock read to the millisecond); e.g. 1000 for a node that keeps whole seconds.
   */
  resolutionMs?: number;
  /** Facet `slots`: the slot the node's clock is in. */
  slot?: number;
  /** How far ahead of its own clock a block may be and still be taken (held until due), ms. */
  maxDriftMs?: number;
  /** Distinct blocks from the future the node held until their time came. */
  heldFutureBlocks?: number;
  /** Blocks it holds right now. */
  holdingFutureBlocks?: number;
  /** Distinct blocks it refused as too far in the future (beyond `maxDriftMs`). */
  refusedFutureBlocks?: number;
  /** Blocks it adopted although beyond the bound (a node that ignores the rule). */
  acceptedBeyondDrift?: number;
}

/** Facet `clock-skew`. */
export interface ClockSkewClient {
  /** The node's clock and its future-block counters. */
  clock(opts?: RequestOptions): Promise<ClockReading>;
}

/** Facet `forging`. */
export interface ForgingClient {
  /** Submits `body` verbatim as one tx (fuzzing malformed encodings); a refusal is a value. */
  submitRaw(body: string, opts?: RequestOptions): Promise<SubmitResult>;
}

/** Facet `gossip`: a node's view of its gossip peers and queues. */
export interface GossipClient {
  gossipView(opts?: RequestOptions): Promise<GossipView>;
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
    Partial<DaClient>,
    Partial<GossipClient>,
    Partial<ClockSkewClient> {
  /** Prometheus text, where the node has metrics. */
  metrics?(opts?: RequestOptions): Promise<string>;
  /**
   * Names of the cluster nodes this node has an open p2p connection to now (as its peer
   * list names them; ids where it has no name). Optional: the link layer reads it to confirm
   * that a cut peer is gone from the node's view; without it, it confirms from the links alone.
   */
  connectedPeers?(opts?: RequestOptions): Promise<string[]>;
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
  /**
   * Fills every node's mempool with txs that stay pending and cannot be included (e.g.
   * future nonces at a high fee), so kinds that need a full mempool are refused for it;
   * confirms each mempool is full before resolving. Needs facet `mempool`. Absent: the
   * chain offers no `full-mempool` kinds.
   */
  fillMempool?(ctx: MempoolFillContext): Promise<MempoolFill>;
  /**
   * Two valid txs of `ctx.wallet` that spend the same thing (the same nonce on an account
   * chain, the same outputs on a UTXO chain), so at most one can ever be included.
   */
  doubleSpend?(ctx: DoubleSpendContext): Promise<[PreparedTx, PreparedTx]>;
}

/** What `Forger.fillMempool` may use. */
export interface MempoolFillContext {
  /** Wallets the filler may spend from, in order of preference; it uses as few as it needs. */
  wallets: readonly Wallet[];
  /** Every node whose mempool must be full. */
  clients: readonly { name: string; client: ChainClient }[];
}

/** Mempools made full by `Forger.fillMempool`. */
export interface MempoolFill {
  /** Indexes of the wallets the fillers came from (no one else may spend from them meanwhile). */
  wallets: number[];
  /** Every filler tx submitted (recorded, so a balance replay sees them once they are included). */
  txs: PreparedTx[];
  /** Makes the fillers includable (e.g. sends the missing nonce), so the mempools drain. */
  release(): Promise<PreparedTx[]>;
}

/** What `Forger.doubleSpend` may use. */
export interface DoubleSpendContext {
  wallet: Wallet;
  /** The two recipients (different, so the two txs differ). */
  to: readonly [string, string];
  /** Facet `accounts`: the nonce both txs use. */
  nonce?: number;
  /** A node to ask for what the wallet can spend. */
  client: ChainClient;
}

/** One generated invalid case: its kind, the target index, and kind-specific plain data. */
export interface ForgeCase {
  kind: string;
  node: number;
  [field: string]: unknown;
}

// ---- gossip (facet `gossip`) -------------------------------------------------------------

/** A host and TCP port from which this machine reaches a node's p2p listener. */
export interface P2pEndpoint {
  host: string;
  port: number;
}

/** One gossip topic of the chain. */
export interface GossipTopic {
  /** The chain's short name for it (`blocks`, `txs`); what a node's view calls it (`GossipPeerView.mesh`). */
  name: string;
  /** The topic string on the wire (`/refnode/<chainId>/blocks`). */
  wire: string;
}

/** What a peer must follow to be heard on the chain's gossip (gossipsub settings). */
export interface GossipRules {
  /**
   * `none`: messages carry no author, sequence number or signature (gossipsub `StrictNoSign`);
   * `sign`: each is signed by the sender's peer key (`StrictSign`).
   */
  signing: 'none' | 'sign';
  /** The message id the chain's nodes compute: their duplicate filter. */
  messageId(wireTopic: string, data: Uint8Array): Uint8Array;
  /** Largest gossipsub frame (RPC) a node of the chain reads, in bytes. */
  maxRpcBytes: number;
}

/** One message ready to publish: its wire topic and bytes. */
export interface GossipMessage {
  /** The wire topic (`GossipTopic.wire`). */
  topic: string;
  data: Uint8Array;
}

/** A tx as a gossip message carries it: a prepared (possibly forged) tx, or a raw body. */
export type GossipTxItem = { tx: PreparedTx; raw?: undefined } | { raw: string; tx?: undefined };

/** A node's peer id and the multiaddrs a foreign peer dials it at. */
export interface PeerAddress {
  peerId: string;
  addrs: string[];
}

/**
 * Facet `gossip`: how a foreign libp2p peer joins the chain's gossip, and the messages an
 * adversary publishes. Everything about the chain's topics and message formats lives here;
 * chainlab's peer (src/workloads/byzantine/) knows none of it.
 */
export interface GossipKit {
  /** Every gossip topic of the chain. */
  readonly topics: readonly GossipTopic[];
  readonly rules: GossipRules;
  /**
   * A node's peer id and where to dial it: at `endpoint` (the deployer's published p2p port)
   * when given, else at the addresses the node announces.
   */
  dialAddress(client: ChainClient, endpoint?: P2pEndpoint): Promise<PeerAddress>;
  /**
   * Txs as gossip messages on the chain's tx topic. Each item lands in exactly one message,
   * whose `carries` lists the indexes of its items (a raw body the chain cannot batch
   * travels alone).
   */
  txMessages(items: readonly GossipTxItem[]): (GossipMessage & { carries: number[] })[];
  /** Old chain content read from `client` (blocks, included txs) as messages: valid but stale. At most `count`. */
  staleMessages(client: ChainClient, count: number): Promise<GossipMessage[]>;
  /** The same content as `message` in other bytes (the `n`-th variant), so no duplicate filter drops it. */
  reencode(message: GossipMessage, n: number): GossipMessage;
  /** A well-formed message that carries nothing (the `n`-th; distinct bytes for each `n`). */
  useless(n: number): GossipMessage;
  /** Bytes no node of the chain can decode, on one of its topics (the `n`-th). */
  malformed(n: number): GossipMessage;
  /** A message over the chain's limit for one message (the `n`-th). */
  oversized(n: number): GossipMessage;
}

/** One peer as a node sees it (facet `gossip`). */
export interface GossipPeerView {
  peerId: string;
  /** The name the node knows it by, if any. */
  name?: string;
  connected: boolean;
  /** Its gossipsub score on this node. */
  score: number;
  /** Score below the node's graylist threshold: its messages are dropped unread. */
  graylisted: boolean;
  /** Topics (short names) on which it is in this node's mesh. */
  mesh: string[];
  /** Times this node pruned it from a mesh. */
  prunes: number;
  /** Gossip messages it delivered first, by this node's verdict. */
  messages: { accepted: number; rejected: number; ignored: number };
  /** Bytes waiting in this node's stream to it (outbound) and read from it but not yet processed (inbound). */
  queue: { outboundBytes: number; inboundBytes: number };
}

/** A node's gossip state (facet `gossip`). */
export interface GossipView {
  /** The node's own peer id. */
  peerId: string;
  /** Score thresholds, when the node reports them: below `gossip` it stops gossiping to a peer, below `graylist` it drops its messages. */
  thresholds?: { gossip: number; publish: number; graylist: number };
  /** False when the node does not lower scores for bad messages (a deliberate fault). */
  penalties?: boolean;
  /** Node-wide gossip queues by name (messages waiting), e.g. `validating.txs`. */
  queues: Record<string, number>;
  peers: GossipPeerView[];
}

// ---- api surface -------------------------------------------------------------------------

/**
 * What an API flood mixes (facet `api-surface`):
 * - `read`: a valid read an ordinary user makes (status, blocks, a tx, an account);
 * - `submit`: a valid tx submission (a signed transfer);
 * - `malformed`: a body the API must refuse as malformed (broken JSON, wrong shapes);
 * - `oversized`: a body over the API's size limit;
 * - `unknownRoute`: a path the API does not serve;
 * - `slowBody`: a request whose body arrives a few bytes at a time (a slow client).
 */
export type ApiRequestKind = 'read' | 'submit' | 'malformed' | 'oversized' | 'unknownRoute' | 'slowBody';

/** Every request kind, in documentation order. */
export const apiRequestKinds: readonly ApiRequestKind[] = [
  'read',
  'submit',
  'malformed',
  'oversized',
  'unknownRoute',
  'slowBody',
];

/**
 * One HTTP request as plain data, sent verbatim (from any thread) by the API flood and the
 * control probe. Only the adapter knows which paths and bodies its API has.
 */
export interface ApiRequest {
  /** What it asks, for reports: `info`, `blocks-range`, `tx-bad-json`. */
  label: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD';
  /** Path and query, e.g. `/blocks?from=3&to=20`. */
  path: string;
  headers?: Record<string, string>;
  /** UTF-8 body; absent for bodiless requests. */
  body?: string;
}

/**
 * What an answer means to the client that sent it:
 * - `accepted`: served (2xx);
 * - `rate_limited`: this client sent too much (HTTP 429 and its kin);
 * - `refused`: a clear refusal of the request itself (other 4xx: malformed, too large, not found, too slow);
 * - `overloaded`: the node sheds load for now (HTTP 503 and its kin);
 * - `failed`: no answer, or a server error.
 */
export type ApiAnswer = 'accepted' | 'rate_limited' | 'refused' | 'overloaded' | 'failed';

/** What an API surface may use to build requests against the running chain. */
export interface ApiSurfaceContext {
  /** The client of a node to look the chain up on (a recent block, a tx, an account). */
  client: ChainClient;
  /** The cluster's funded wallets (accounts to read). */
  wallets: readonly Wallet[];
}

/**
 * Facet `api-surface`: the node's HTTP API as request data, so an API flood and a control
 * probe can exercise it without knowing any path, body or status code of the chain.
 */
export interface ApiSurface {
  /**
   * Valid reads of an ordinary user, cheap and costly mixed, built against the chain as
   * `ctx.client`'s node has it now. They are sent to every node, so each must be valid on any
   * node that follows the chain: name final data (a final block, not the tip), never data only
   * `ctx.client`'s node may have yet.
   */
  reads(ctx: ApiSurfaceContext): Promise<ApiRequest[]>;
  /** The request that submits `tx` (a prepared, signed transfer). */
  submission(tx: PreparedTx): ApiRequest;
  /** Requests the API refuses as malformed before they touch the chain. */
  malformed(): ApiRequest[];
  /** Requests whose body is over the API's size limit. */
  oversized(): ApiRequest[];
  /** Requests for paths (or methods) the API does not serve. */
  unknownRoutes(): ApiRequest[];
  /** A request with a body for a slow client to trickle (refused or timed out by the node, never applied). */
  slowBody(): ApiRequest;
  /** What an HTTP status means (see {@link ApiAnswer}). */
  answer(status: number): ApiAnswer;
  /**
   * When the node's process started (epoch ms) as the node says, to tell a restart from
   * outside; undefined when the node does not say.
   */
  startedAt(client: ChainClient, opts?: RequestOptions): Promise<number | undefined>;
}

// ---- launching ---------------------------------------------------------------------------

/**
 * Where one peer can be dialled: its own p2p listener, or, when the cluster routes peers
 * through links (`links: true`), the link proxy's port for the link to it.
 */
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
  /** The peers this node dials at start (the topology's shape). */
  peers: readonly PeerEndpoint[];
  /**
   * Set when the cluster routes peers through links, or changes its node set at run time
   * (`membership`): every peer this node may reach (those it dials and those it may learn
   * of), each at the endpoint it must use; `updatePeers` changes it while the node runs. An adapter whose
   * node can be restricted to given addresses should restrict it to these (refnode: its
   * peers file), so that no connection bypasses the links, whatever the node learns.
   */
  reachable?: readonly PeerEndpoint[];
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
 * tagged `name:<content hash>`. `nativeBinary`: the same for a compiled daemon (the binary
 * and the libraries `ldd` lists). `build`: a Dockerfile built when `name` is missing. None:
 * `name` must exist locally.
 */
export interface ImageSpec {
  name: string;
  build?: { context: string; dockerfile: string };
  nodeApp?: NodeAppImageSpec;
  nativeBinary?: NativeBinaryImageSpec;
}

/**
 * A native (ELF) program to package as an image (see `ImageSpec.nativeBinary`). The image
 * runs it as user 1000:1000 with `/data` owned by that user and `/tmp`, and has no shell.
 */
export interface NativeBinaryImageSpec {
  /** Host path of the program (an ELF file, not a wrapper script). */
  binary: string;
  /** Path inside the image. Default `/usr/local/bin/<basename>`. */
  imagePath?: string;
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
  /**
   * Host files to copy in before start. `cache`: the node works without it (a code cache), so a
   * deployer that cannot carry it leaves it out (k8s: a ConfigMap holds at most 1 MiB), and one
   * may share it read-only between containers instead of copying it (docker).
   */
  files: { source: string; target: string; cache?: boolean }[];
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

/** What {@link PreparedChain.updatePeers} may use to reach a running node. */
export interface PeerUpdateContext {
  /** Writes a file the node reads, at `path` as the node sees it (a process's host path, a path in its container). */
  writeFile(path: string, content: string): Promise<void>;
  /** The node's client (to confirm the change took effect). */
  client: ChainClient;
  signal: AbortSignal;
  /**
   * False when the node is not serving (stopped, paused, exited): write its new peers for
   * when it runs again, without waiting for it to apply them. Default true.
   */
  confirm?: boolean;
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
  /** Facet `gossip`. */
  gossip?: GossipKit;
  /** Facet `api-surface`. */
  apiSurface?: ApiSurface;
  /**
   * Optional: tells a running node new peer endpoints (`endpoints.peers` to dial,
   * `endpoints.reachable` to allow) and resolves once they are in force. The cluster calls
   * it whenever nodes join or leave at run time (dynamic membership, with or without links). Chains whose
   * nodes learn peers only at launch leave it out; the cluster then refuses run-time changes
   * of a running node's peers with a `CapabilityError`.
   */
  updatePeers?(node: NodeSpec, endpoints: LaunchEndpoints, ctx: PeerUpdateContext): Promise<void>;
  /** Nodes joining and leaving at run time; absent when the chain cannot (`addNode` then refuses). */
  membership?: ChainMembership;
}

/**
 * What a chain offers for dynamic membership (src/cluster/membership/): fresh identities for
 * nodes that join a running chain, each validator's stake and the rule the running ones must
 * meet to finalize. Nodes learn who joined and left through `PreparedChain.updatePeers`.
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
  /**
   * Gives back the identity of a node whose join failed: a standby validator's key goes
   * back to the front of `standby()`, so the next validator join takes it again.
   */
  release(node: NodeSpec): void;
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
  /** Facet `gossip`. */
  gossip?: GossipKit;
  /** Facet `api-surface`. */
  apiSurface?: ApiSurface;
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
