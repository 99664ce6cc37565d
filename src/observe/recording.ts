/**
 * The append-only history of one cluster run: every block and finality event each node
 * announced, periodic samples of every node, state snapshots, every submitted tx, fault
 * windows and node events. Matchers judge only this, so a checker can be unit-tested on a
 * recorded history (`Recording.fromJSON`) exactly as it runs against a live cluster.
 *
 * Times (`at`, `start`, `submittedAt`, …) are milliseconds since the recording started.
 */

import type {
  ApiAnswer,
  ApiRequestKind,
  BlockHeader,
  ChainFacts,
  ClockReading,
  GossipPeerView,
  GossipView,
  MempoolInfo,
  NodeInfo,
  StateSnapshot,
  TxStatus,
  TxSummary,
} from '../adapter/types.ts';
import type { Clock } from '../support/clock.ts';
import { systemClock } from '../support/clock.ts';
import {
  decodeAccounts,
  decodeAmount,
  decodeFacts,
  decodeTx,
  encodeAccounts,
  encodeFacts,
  encodeTx,
} from './dump-codec.ts';
import type { LatencyHistogram } from './latency-histogram.ts';

/** A block a node put on its best chain. `source` says how we learned it. */
export interface BlockObservation extends BlockHeader {
  node: string;
  at: number;
  /**
   * `feed`: announced live on the node's block feed (it was the node's tip at `at`).
   * `backfill`: fetched afterwards to fill a gap (it is on the best chain, not necessarily the tip).
   * Default `feed`.
   */
  source?: 'feed' | 'backfill';
}

/** A node announced that finality advanced to `height` (block `hash`). */
export interface FinalizedObservation {
  node: string;
  at: number;
  height: number;
  hash: string;
}

/**
 * A node's clock as a sample read it (facet `clock-skew`): its reading plus its offset from
 * the observer's clock, measured at the middle of the request.
 */
export interface ClockSample extends ClockReading {
  /** The node's clock minus the observer's (ms). */
  offsetMs: number;
  /** Half the request's round trip: `offsetMs` is within ± this of the truth (ms). */
  uncertaintyMs: number;
}

/** One periodic sample of a node. `ok: false` when the node did not answer. */
export interface Sample {
  node: string;
  /** When the answer arrived (recording ms). */
  at: number;
  /**
   * When the request went out: the node read what the sample shows at some time between
   * `askedAt` and `at`. A sample that lacks something proves its absence only from `askedAt`.
   */
  askedAt?: number;
  ok: boolean;
  error?: string;
  info?: NodeInfo;
  mempool?: MempoolInfo;
  /** Facet `clock-skew`: the node's clock and its future-block counters. */
  clock?: ClockSample;
}

/** A node's accounts at one height (taken by `observer.refresh({ state: true })`). */
export interface StateObservation {
  node: string;
  at: number;
  snapshot: StateSnapshot;
}

/** A node's total supply at one height (facet `supply`, taken by `observer.refresh({ state: true })`). */
export interface SupplyObservation {
  node: string;
  at: number;
  height: number;
  hash: string;
  supply: bigint;
}

/**
 * What happened to a submitted transaction. The observer fills the inclusion fields. `id`
 * is the id the node answered (or, for a refused tx, the one the wallet knew beforehand);
 * the transfer fields are what the wallet said the tx does, where the chain shows them.
 */
export interface TxRecord {
  id: string;
  from?: string;
  to?: string;
  amount?: bigint;
  fee?: bigint;
  /** Facet `accounts`. */
  nonce?: number;
  /** Name of the workload that sent it (or `manual`). */
  workload: string;
  /** Node it was submitted to. */
  node: string;
  submittedAt: number;
  /** `accepted`: the node took it; `rejected`: the node refused it (see `reason`); `failed`: no answer. */
  outcome: 'accepted' | 'rejected' | 'failed';
  /** The canonical reason of a refusal, or the request failure. */
  reason?: string;
  /** Submissions answered `overloaded`/`rate_limited` and sent again after the node's Retry-After. */
  retries?: number;
  /** First time a block carrying it was seen on some node's best chain. */
  includedAt?: number;
  height?: number;
  blockHash?: string;
  /** Node whose chain the inclusion was first seen on. */
  includedOn?: string;
  /** When finality on some node passed `height` with `blockHash` on its final chain. */
  finalAt?: number;
}

/** One attempt to fetch a blob's payload from a node. */
export interface BlobRetrieval {
  node: string;
  at: number;
  ok: boolean;
  /** sha256 hex of the bytes the node gave back (compared with the published `dataHash`). */
  dataHash?: string;
  size?: number;
  /** The node's refusal code or the request failure, when `ok` is false. */
  reason?: string;
  /** Validators that were down (paused) during this attempt (`verifyRetrieval`). */
  down?: string[];
}

/**
 * What chainlab checked of an included blob's certificate through the adapter: which
 * attestations verify, and the stake behind them against the chain's threshold.
 */
export interface CertificateRecord {
  /** When it was checked, and on which node's block. */
  at: number;
  node: string;
  blockHash: string;
  /** Validators whose attestation verified. */
  validSigners: string[];
  /** Attestations that did not verify. */
  invalid: { signer: string; why: string }[];
  /** Stake behind the valid attestations, and what the chain requires. */
  stake: bigint;
  threshold: bigint;
}

/** What happened to a published DA blob. The DA workload and blob probes fill the later fields. */
export interface BlobRecord {
  id: string;
  channel: string;
  owner: string;
  sequence: number;
  size: number;
  /** sha256 hex of the published payload. */
  dataHash: string;
  /** Name of the workload that published it. */
  workload: string;
  /** Executor it was published to (its entry point). */
  node: string;
  publishedAt: number;
  /** `accepted`: the node took it; `rejected`: refused (see `reason`); `failed`: no answer. */
  outcome: 'accepted' | 'rejected' | 'failed';
  reason?: string;
  /** First time some node reported it certified (or included). */
  certifiedAt?: number;
  /** First time some node reported it included; `height`/`blockHash` of that block. */
  includedAt?: number;
  height?: number;
  blockHash?: string;
  /** Payload fetches, oldest first. */
  retrievals?: BlobRetrieval[];
  /** The certificate's check, once the blob was seen included. */
  certificate?: CertificateRecord;
}

/** A foreign gossip peer a workload ran against the cluster (facet `gossip`, e.g. `byzantinePeer`). */
export interface GossipPeerRecord {
  /** The workload's name. */
  workload: string;
  peerId: string;
  /** Nodes it dialled and published to. */
  targets: string[];
  /** When it started publishing; when it stopped (unset while it runs). */
  start: number;
  end?: number;
  /** Messages published, by kind (set when it stops). */
  sent?: Record<string, number>;
}

/**
 * One sample of a node's gossip state (facet `gossip`), taken while a foreign peer is watched:
 * its queues and its view of the watched peers, not of every peer.
 */
export interface GossipSample {
  node: string;
  at: number;
  ok: boolean;
  error?: string;
  thresholds?: GossipView['thresholds'];
  penalties?: boolean;
  /** Node-wide gossip queues by name (messages waiting). */
  queues?: Record<string, number>;
  /** The largest per-peer queues over all the node's peers (bytes). */
  peerQueues?: { outboundBytes: number; inboundBytes: number };
  /** The node's view of each watched peer it knows. */
  peers?: GossipPeerView[];
}

/** What one node answered about a gossiped tx. */
export interface GossipTxStatus {
  at: number;
  status: TxStatus['status'];
  reason?: string;
}

/**
 * A tx published by gossip, not submitted to any API: nobody answered it, so the observer
 * asks each node it went to what became of it (`observer.refresh({ gossipTxs: true })`).
 */
export interface GossipTxRecord {
  id: string;
  /** The workload that published it. */
  workload: string;
  /** What it is, e.g. the forge kind `bad_signature`. */
  kind: string;
  /** The reasons a correct node refuses it with. */
  expected: string[];
  sentAt: number;
  /** Nodes it was published to. */
  targets: string[];
  /** The latest answer of each node asked. */
  statuses: Record<string, GossipTxStatus>;
}

/** The body of a transaction found in a block (needed to replay balances). */
export type TxBody = TxSummary;

/**
 * One direction of a link a fault changed, with what it set there (link faults only):
 * `blackhole` for cuts, the shaping fields for latency and per-link settings.
 */
export interface LinkChange {
  from: string;
  to: string;
  latencyMs?: number;
  jitterMs?: number;
  loss?: number;
  bytesPerSecond?: number;
  blackhole?: boolean;
}

/** A period during which a fault was applied to some nodes (restart, partition, …). */
export interface FaultWindow {
  /** e.g. `restart`, `stop`, `kill`, `pause`, `partition`, `block-peer`, `latency`, `link`, `link-reset`, `clock-skew`. */
  kind: string;
  nodes: string[];
  start: number;
  /** Unset while the fault is still active. */
  end?: number;
  /** Readable step, e.g. `restart(val-1)` or `partition(val-1 | val-2,val-3)`. */
  description: string;
  /**
   * Whether checkers excuse the nodes during the window (liveness, block gaps). Default
   * true; false for faults a correct node rides out, like a clock skew: it keeps being judged.
   */
  excuses?: boolean;
  /** `clock-skew`: each node's clock offset during the window (ms, negative = behind). */
  offsets?: Record<string, number>;
  /** Link faults: every direction of every link it touched, with what it set there. */
  links?: LinkChange[];
}

/** Extra fields of a fault window (see {@link FaultWindow}). */
export type FaultDetail = Pick<FaultWindow, 'excuses' | 'offsets' | 'links'>;

/** Something that happened to a node: `feed-connected`, `feed-lost`, `joined`, `left`, … */
export interface NodeEvent {
  node: string;
  at: number;
  event: string;
  detail?: string;
}

/**
 * One second of an API flood against one node: how many requests of one kind ended with one
 * status in that second, and their latencies. A flood makes many requests; these rows keep
 * its recording to a few dozen numbers per second.
 */
export interface FloodRow {
  /** Seconds since the flood started: the row covers requests that ended in [s, s + 1). */
  s: number;
  node: string;
  kind: ApiRequestKind;
  /** HTTP status, or why there was none (`timeout`, `socket`, `aborted`, …; `unsent` when the client was saturated). */
  status: number | string;
  /** What the status means (the adapter's `answer`); `unsent`: planned but not sent. */
  outcome: ApiAnswer | 'unsent';
  /** Requests in this row. */
  n: number;
  /** Their latencies, send to last byte (absent for `unsent`). */
  latency?: LatencyHistogram;
}

/** An API flood: where it went, at what rate, and its per-second rows. */
export interface FloodRecord {
  /** Workload name (`api-flood`). */
  name: string;
  nodes: string[];
  start: number;
  /** Unset while the flood runs. */
  end?: number;
  /** Planned requests per second, or `max` (as fast as the client can). */
  qps: number | 'max';
  /** Readable step, e.g. `apiFlood(max qps for 15.0s → val-0,val-1; read 40, submit 15, …)`. */
  description: string;
  rows: FloodRow[];
}

/** One request of a control probe: what an ordinary user saw. */
export interface ProbeObservation {
  node: string;
  /** When it was sent. */
  at: number;
  /** Send to last byte (or to the failure). */
  ms: number;
  /** What was asked (the request's label). */
  request: string;
  /** HTTP status, when there was one. */
  status?: number;
  /** Why there was no answer (`timeout`, `ECONNREFUSED`, …). */
  error?: string;
  outcome: ApiAnswer;
}

/** A node's process start time as its API said, read by a control probe (a change is a restart). */
export interface ProcessStart {
  node: string;
  at: number;
  /** Epoch ms. */
  startedAt: number;
}

/** A control probe: a low-rate client measuring what an ordinary user sees, beside a flood. */
export interface ProbeRecord {
  name: string;
  nodes: string[];
  start: number;
  /** Unset while the probe runs. */
  end?: number;
  /** Requests per second per node. */
  rate: number;
  observations: ProbeObservation[];
  /** The nodes' process start times, read when the probe starts and stops. */
  starts: ProcessStart[];
}

/** A labelled point in time, e.g. `test-start` (the fixtures mark each test's start). */
export interface Mark {
  at: number;
  label: string;
  detail?: string;
}

/** A node the recording knows about. */
export interface RecordedNode {
  name: string;
  role: 'validator' | 'executor';
  /** When the node was first observed (it may have joined mid-run). */
  since: number;
  /** Set when the node left the cluster for good (churn). */
  leftAt?: number;
}

/** A point of a node's final-height series. */
export interface FinalPoint {
  at: number;
  height: number;
  hash?: string;
}

/**
 * A recording as plain data (for reports, replay and checker unit tests). `toJSON()` gives
 * it with amounts as decimal strings; `fromJSON` reads either form (and version-1 dumps).
 */
export interface RecordingDump {
  version: 1 | 2;
  seed: number;
  facts: ChainFacts;
  /** Epoch ms when the recording started. */
  startedAt: number;
  /** ms since start when the dump was taken. */
  endedAt: number;
  nodes: RecordedNode[];
  blocks: BlockObservation[];
  finalized: FinalizedObservation[];
  samples: Sample[];
  states: StateObservation[];
  /** Supply readings (absent in older dumps). */
  supplies?: SupplyObservation[];
  txs: TxRecord[];
  txBodies: TxBody[];
  /** Published DA blobs (absent in dumps made before DA existed). */
  blobs?: BlobRecord[];
  /** Foreign gossip peers, gossip samples and gossiped txs (absent in older dumps). */
  gossipPeers?: GossipPeerRecord[];
  gossipSamples?: GossipSample[];
  gossipTxs?: GossipTxRecord[];
  /** API floods (absent in older dumps). */
  floods?: FloodRecord[];
  /** Control probes (absent in older dumps). */
  probes?: ProbeRecord[];
  faults: FaultWindow[];
  events: NodeEvent[];
  marks: Mark[];
}

/** Options of `new Recording(…)`. */
export interface RecordingOptions {
  seed: number;
  facts: ChainFacts;
  /** Default: the system clock. */
  clock?: Clock;
}

/** A node's view of its best chain: height → block. */
export type ChainView = ReadonlyMap<number, BlockObservation>;

/**
 * Append-only history of a run. Writers: the observer (blocks, samples, states, inclusion),
 * workloads (`recordTx`), node control and chaos (`openFault`, `nodeEvent`), fixtures (`mark`).
 * Readers: checkers, through the query helpers below.
 *
 * @example
 * const rec = new Recording({ seed: 913, facts });
 * const fault = rec.openFault('restart', ['val-1'], 'restart(val-1)');
 * // … later, when val-1 is ready again
 * fault.end();
 */
export class Recording {
  readonly seed: number;
  readonly facts: ChainFacts;
  /** Epoch ms when the recording started. */
  readonly startedAt: number;
  readonly blocks: BlockObservation[] = [];
  readonly finalized: FinalizedObservation[] = [];
  readonly samples: Sample[] = [];
  readonly states: StateObservation[] = [];
  readonly supplies: SupplyObservation[] = [];
  readonly txs = new Map<string, TxRecord>();
  /** Bodies of txs seen in blocks (from backfills), keyed by tx id. */
  readonly txBodies = new Map<string, TxBody>();
  /** Published DA blobs by id, in publish order. */
  readonly blobs = new Map<string, BlobRecord>();
  /** API floods, in start order. */
  readonly floods: FloodRecord[] = [];
  /** Control probes, in start order. */
  readonly probes: ProbeRecord[] = [];
  readonly faults: FaultWindow[] = [];
  readonly events: NodeEvent[] = [];
  readonly marks: Mark[] = [];
  readonly gossipPeers: GossipPeerRecord[] = [];
  readonly gossipSamples: GossipSample[] = [];
  /** Txs published by gossip, by id, in publish order. */
  readonly gossipTxs = new Map<string, GossipTxRecord>();
  readonly #nodes = new Map<string, RecordedNode>();
  readonly #clock: Clock;
  readonly #startMono: number;
  /** Set on loaded recordings: time is frozen at the end of the dump. */
  #frozenAt: number | undefined;
  #listeners = new Set<() => void>();
  #txListeners = new Set<(r: TxRecord) => void>();

  constructor(opts: RecordingOptions) {
    this.seed = opts.seed;
    this.facts = opts.facts;
    this.#clock = opts.clock ?? systemClock;
    this.startedAt = this.#clock.now();
    this.#startMono = this.#clock.monotonic();
  }

  /** ms since the recording started (frozen at the dump's end for a loaded recording). */
  now(): number {
    if (this.#frozenAt !== undefined) return this.#frozenAt;
    return Math.round((this.#clock.monotonic() - this.#startMono) * 10) / 10;
  }

  /** Calls `fn` after every append (used by matcher shells to wake up early). */
  onAppend(fn: () => void): Disposable {
    this.#listeners.add(fn);
    return { [Symbol.dispose]: () => this.#listeners.delete(fn) };
  }

  /** Calls `fn` with every tx record as it is recorded (the observer links inclusion). */
  onTxRecorded(fn: (r: TxRecord) => void): Disposable {
    this.#txListeners.add(fn);
    return { [Symbol.dispose]: () => this.#txListeners.delete(fn) };
  }

  #changed(): void {
    for (const fn of this.#listeners) fn();
  }

  // ---- writers -------------------------------------------------------------------------

  /** Declares a node (idempotent; a node that left and comes back is active again). */
  addNode(name: string, role: 'validator' | 'executor', at = this.now()): void {
    const known = this.#nodes.get(name);
    if (known) {
      if (known.leftAt !== undefined) {
        delete known.leftAt;
        this.nodeEvent(name, 'rejoined');
      }
      return;
    }
    this.#nodes.set(name, { name, role, since: at });
  }

  /** Marks a node as gone for good (churn); checkers stop expecting progress from it. */
  removeNode(name: string, at = this.now()): void {
    const known = this.#nodes.get(name);
    if (known && known.leftAt === undefined) {
      known.leftAt = at;
      this.nodeEvent(name, 'left');
    }
  }

  addBlock(b: BlockObservation): void {
    this.blocks.push(b);
    this.#changed();
  }

  addFinalized(f: FinalizedObservation): void {
    this.finalized.push(f);
    this.#changed();
  }

  addSample(s: Sample): void {
    this.samples.push(s);
    this.#changed();
  }

  addState(s: StateObservation): void {
    this.states.push(s);
    this.#changed();
  }

  /** Records the check of a blob's certificate (the latest check wins). */
  setBlobCertificate(id: string, c: CertificateRecord): void {
    const b = this.blobs.get(id);
    if (!b) return;
    b.certificate = c;
    this.#changed();
  }

  addSupply(s: SupplyObservation): void {
    this.supplies.push(s);
    this.#changed();
  }

  /** Latest supply reading of a node. */
  lastSupply(node: string): SupplyObservation | undefined {
    return this.supplies.findLast((s) => s.node === node);
  }

  addTxBody(b: TxBody): void {
    if (!this.txBodies.has(b.id)) this.txBodies.set(b.id, b);
  }

  /** Records a submitted transaction (workloads call this for every tx they send). */
  recordTx(r: TxRecord): void {
    const known = this.txs.get(r.id);
    // A duplicate submission keeps the first record (and its inclusion), but an accepted
    // answer beats an earlier failed one.
    if (known && !(known.outcome !== 'accepted' && r.outcome === 'accepted')) return;
    const stored = known ? { ...r, ...pickInclusion(known) } : r;
    this.txs.set(r.id, stored);
    for (const fn of this.#txListeners) fn(stored);
    this.#changed();
  }

  /**
   * Records a published blob, or merges what was learned about it later (certified,
   * included, retrieved). Earlier certification/inclusion times are kept, retrievals append,
   * and an accepted answer beats an earlier failed one.
   */
  recordBlob(r: BlobRecord): void {
    const known = this.blobs.get(r.id);
    if (!known) {
      this.blobs.set(r.id, { ...r, retrievals: [...(r.retrievals ?? [])] });
      this.#changed();
      return;
    }
    if (known.outcome !== 'accepted' && r.outcome === 'accepted') {
      known.outcome = 'accepted';
      delete known.reason;
      known.node = r.node;
    }
    known.certifiedAt ??= r.certifiedAt ?? r.includedAt;
    if (r.includedAt !== undefined) {
      // The first sighting sets the time; a later report of another block (the first was
      // reorged out) moves the height and hash.
      known.includedAt ??= r.includedAt;
      if (r.height !== undefined) known.height = r.height;
      if (r.blockHash !== undefined) known.blockHash = r.blockHash;
    }
    if (r.retrievals !== undefined && r.retrievals.length > 0)
      known.retrievals = [...(known.retrievals ?? []), ...r.retrievals];
    this.#changed();
  }

  /** Adds one retrieval attempt to a recorded blob (ignored for an unknown id). */
  addBlobRetrieval(id: string, retrieval: BlobRetrieval): void {
    const known = this.blobs.get(id);
    if (!known) return;
    known.retrievals = [...(known.retrievals ?? []), retrieval];
    this.#changed();
  }

  /** Records a foreign gossip peer that starts publishing now (or at `start`). */
  addGossipPeer(r: GossipPeerRecord): void {
    this.gossipPeers.push({ ...r, targets: [...r.targets] });
    this.#changed();
  }

  /** Marks a foreign gossip peer as stopped, with what it sent (the first end wins). */
  endGossipPeer(peerId: string, sent: Record<string, number>, at = this.now()): void {
    const r = this.gossipPeers.findLast((p) => p.peerId === peerId);
    if (!r || r.end !== undefined) return;
    r.end = at;
    r.sent = { ...sent };
    this.#changed();
  }

  addGossipSample(s: GossipSample): void {
    this.gossipSamples.push(s);
    this.#changed();
  }

  /** Records a tx published by gossip (a repeat of a known id keeps the first record). */
  recordGossipTx(r: Omit<GossipTxRecord, 'statuses'> & { statuses?: Record<string, GossipTxStatus> }): void {
    if (this.gossipTxs.has(r.id)) return;
    this.gossipTxs.set(r.id, { ...r, targets: [...r.targets], statuses: { ...r.statuses } });
    this.#changed();
  }

  /** Stores what `node` answered about a gossiped tx (ignored for an unknown id). */
  setGossipTxStatus(id: string, node: string, status: GossipTxStatus): void {
    const r = this.gossipTxs.get(id);
    if (!r) return;
    r.statuses[node] = status;
    this.#changed();
  }

  /**
   * Starts an API flood's record; its workload appends per-second rows and ends it.
   * `end()` is idempotent.
   */
  openFlood(init: Omit<FloodRecord, 'start' | 'end' | 'rows'>): {
    flood: FloodRecord;
    addRows(rows: readonly FloodRow[]): void;
    end(): void;
  } {
    const flood: FloodRecord = { ...init, nodes: [...init.nodes], start: this.now(), rows: [] };
    this.floods.push(flood);
    this.#changed();
    return {
      flood,
      addRows: (rows) => {
        if (rows.length === 0) return;
        flood.rows.push(...rows);
        this.#changed();
      },
      end: () => {
        if (flood.end === undefined) {
          flood.end = this.now();
          this.#changed();
        }
      },
    };
  }

  /** Starts a control probe's record; the probe appends what it saw and ends it (`end()` idempotent). */
  openProbe(init: Pick<ProbeRecord, 'name' | 'nodes' | 'rate'>): {
    probe: ProbeRecord;
    observe(o: ProbeObservation): void;
    processStart(s: ProcessStart): void;
    end(): void;
  } {
    const probe: ProbeRecord = {
      ...init,
      nodes: [...init.nodes],
      start: this.now(),
      observations: [],
      starts: [],
    };
    this.probes.push(probe);
    this.#changed();
    return {
      probe,
      observe: (o) => {
        probe.observations.push(o);
        this.#changed();
      },
      processStart: (st) => {
        probe.starts.push(st);
        this.#changed();
      },
      end: () => {
        if (probe.end === undefined) {
          probe.end = this.now();
          this.#changed();
        }
      },
    };
  }

  /** Opens a fault window; call `end()` when the fault is lifted (idempotent). Link faults name the links they changed (`detail.links`). */
  openFault(
    kind: string,
    nodes: readonly string[],
    description: string,
    detail: FaultDetail = {},
  ): { end(): void; window: FaultWindow } {
    const { links, ...rest } = detail;
    const window: FaultWindow = { kind, nodes: [...nodes], start: this.now(), description, ...rest };
    if (links !== undefined) window.links = links.map((l) => ({ ...l }));
    this.faults.push(window);
    this.#changed();
    return {
      window,
      end: () => {
        if (window.end === undefined) {
          window.end = this.now();
          this.#changed();
        }
      },
    };
  }

  nodeEvent(node: string, event: string, detail?: string): void {
    this.events.push(
      detail === undefined ? { node, at: this.now(), event } : { node, at: this.now(), event, detail },
    );
    this.#changed();
  }

  /** Labels the current time, e.g. `mark('test-start', 'stays live under load')`. */
  mark(label: string, detail?: string): Mark {
    const m: Mark = detail === undefined ? { at: this.now(), label } : { at: this.now(), label, detail };
    this.marks.push(m);
    return m;
  }

  // ---- queries -------------------------------------------------------------------------

  /** Every node ever observed, in the order first seen. */
  nodes(): RecordedNode[] {
    return [...this.#nodes.values()];
  }

  /** Nodes still part of the cluster at `at` (joined before, not left yet). */
  activeNodes(at = this.now()): RecordedNode[] {
    return this.nodes().filter((n) => n.since <= at && (n.leftAt === undefined || n.leftAt > at));
  }

  node(name: string): RecordedNode | undefined {
    return this.#nodes.get(name);
  }

  /** The latest mark with this label at or before `at`. */
  lastMark(label: string, at = this.now()): Mark | undefined {
    for (let i = this.marks.length - 1; i >= 0; i--) {
      const m = this.marks[i]!;
      if (m.label === label && m.at <= at) return m;
    }
    return undefined;
  }

  /** Samples of one node, oldest first. */
  samplesOf(node: string): Sample[] {
    return this.samples.filter((s) => s.node === node);
  }

  /** The newest successful sample of a node taken at or before `at`. */
  lastSample(node: string, at = this.now()): Sample | undefined {
    for (let i = this.samples.length - 1; i >= 0; i--) {
      const s = this.samples[i]!;
      if (s.node === node && s.at <= at && s.ok && s.info) return s;
    }
    return undefined;
  }

  /**
   * A node's final height over time, from finality events and samples, oldest first.
   * Each point is the highest final height known at that time (final blocks never revert,
   * so a lower reading — e.g. from a restarted node still loading — does not lower it).
   */
  finalSeries(node: string): FinalPoint[] {
    const raw: FinalPoint[] = [];
    const rule = this.facts.finality;
    if (rule.rule === 'reported') {
      for (const f of this.finalized)
        if (f.node === node) raw.push({ at: f.at, height: f.height, hash: f.hash });
      for (const s of this.samples) {
        if (s.node === node && s.ok && s.info?.finalizedHeight !== undefined) {
          const p: FinalPoint = { at: s.at, height: s.info.finalizedHeight };
          if (s.info.finalizedTip !== undefined) p.hash = s.info.finalizedTip;
          raw.push(p);
        }
      }
    } else {
      // Depth rule (or none): a block is final once `depth` blocks sit on it; the tip says how high.
      const depth = rule.rule === 'depth' ? rule.depth : 0;
      for (const b of this.blocks)
        if (b.node === node && b.source !== 'backfill') raw.push({ at: b.at, height: b.height - depth });
      for (const s of this.samples)
        if (s.node === node && s.ok && s.info) raw.push({ at: s.at, height: s.info.height - depth });
    }
    raw.sort((a, b) => a.at - b.at);
    const out: FinalPoint[] = [];
    let best = -1;
    for (const p of raw) {
      if (p.height > best) {
        best = p.height;
        out.push(p);
      }
    }
    return out;
  }

  /** The highest final height a node had reported by `at` (-1 if none yet). */
  finalHeightAt(node: string, at = this.now()): number {
    let best = -1;
    for (const p of this.finalSeries(node)) {
      if (p.at > at) break;
      best = p.height;
    }
    return best;
  }

  /**
   * A node's best chain as known at `at`: feed blocks replace the chain above their height
   * (a reorg or a restart that lost non-final blocks), backfilled blocks fill gaps.
   */
  bestChain(node: string, at = this.now()): ChainView {
    const chain = new Map<number, BlockObservation>();
    let tip = -1;
    for (const b of this.blocks) {
      if (b.node !== node || b.at > at) continue;
      if (b.source === 'backfill') {
        // Fetched from the node's best chain at `at`: newer than anything we had there.
        chain.set(b.height, b);
        if (b.height > tip) tip = b.height;
        continue;
      }
      // The feed announces the node's new tip: anything above it was reverted.
      for (let h = b.height + 1; h <= tip; h++) chain.delete(h);
      chain.set(b.height, b);
      tip = b.height;
    }
    return chain;
  }

  /** Hash of the block at `height` on a node's best chain as known at `at`. */
  hashAt(node: string, height: number, at = this.now()): string | undefined {
    return this.bestChain(node, at).get(height)?.hash;
  }

  /** The block a node's best chain had at its tip at `at`. */
  tipAt(node: string, at = this.now()): BlockObservation | undefined {
    let tip: BlockObservation | undefined;
    for (const b of this.bestChain(node, at).values()) if (!tip || b.height > tip.height) tip = b;
    return tip;
  }

  /** The clock offset a `clock-skew` window gave `node` at `at` (ms; 0 outside them). */
  clockOffsetAt(node: string, at = this.now()): number {
    for (let i = this.faults.length - 1; i >= 0; i--) {
      const f = this.faults[i]!;
      if (f.kind !== 'clock-skew' || f.offsets?.[node] === undefined) continue;
      if (f.start <= at && (f.end === undefined || f.end > at)) return f.offsets[node];
    }
    return 0;
  }

  /**
   * What link faults had set on the direction `from` → `to` at `at`: the fields of every
   * link window open then that changed it, later windows winning (unset fields: nothing set).
   */
  linkAt(from: string, to: string, at = this.now()): Omit<LinkChange, 'from' | 'to'> {
    const out: Omit<LinkChange, 'from' | 'to'> = {};
    for (const f of this.faults) {
      if (f.links === undefined || f.start > at || (f.end !== undefined && f.end <= at)) continue;
      const change = f.links.find((l) => l.from === from && l.to === to);
      if (!change) continue;
      const { from: _f, to: _t, ...fields } = change;
      Object.assign(out, fields);
    }
    return out;
  }

  /** Fault windows touching `node` that overlap [from, to]. */
  faultsOf(node: string, from = 0, to = this.now()): FaultWindow[] {
    return this.faults.filter(
      (f) => f.nodes.includes(node) && f.start <= to && (f.end ?? Number.POSITIVE_INFINITY) >= from,
    );
  }

  /** Txs a workload recorded (all txs when `workload` is omitted), in submission order. */
  txsOf(workload?: string): TxRecord[] {
    const all = [...this.txs.values()];
    return workload === undefined ? all : all.filter((t) => t.workload === workload);
  }

  /** Blobs a workload published (all when `workload` is omitted), in publish order. */
  blobsOf(workload?: string): BlobRecord[] {
    const all = [...this.blobs.values()];
    return workload === undefined ? all : all.filter((b) => b.workload === workload);
  }

  /** The body of a tx (from the tx record or from a fetched block). */
  txBody(id: string): TxBody | undefined {
    const r = this.txs.get(id);
    if (r) {
      const body: TxBody = { id };
      if (r.from !== undefined) body.from = r.from;
      if (r.to !== undefined) body.to = r.to;
      if (r.amount !== undefined) body.amount = r.amount;
      if (r.fee !== undefined) body.fee = r.fee;
      if (r.nonce !== undefined) body.nonce = r.nonce;
      return body;
    }
    return this.txBodies.get(id);
  }

  /** The latest foreign gossip peer recorded with this peer id. */
  gossipPeer(peerId: string): GossipPeerRecord | undefined {
    return this.gossipPeers.findLast((p) => p.peerId === peerId);
  }

  /** Gossip samples of one node, oldest first. */
  gossipSamplesOf(node: string): GossipSample[] {
    return this.gossipSamples.filter((s) => s.node === node);
  }

  /** Txs a workload published by gossip (all when `workload` is omitted), in publish order. */
  gossipTxsOf(workload?: string): GossipTxRecord[] {
    const all = [...this.gossipTxs.values()];
    return workload === undefined ? all : all.filter((t) => t.workload === workload);
  }

  /** Latest state snapshot of a node. */
  lastState(node: string): StateObservation | undefined {
    for (let i = this.states.length - 1; i >= 0; i--)
      if (this.states[i]!.node === node) return this.states[i];
    return undefined;
  }

  // ---- persistence ---------------------------------------------------------------------

  /** The whole history as plain data (in memory: amounts stay bigint). */
  toDump(): RecordingDump {
    return {
      version: 2,
      seed: this.seed,
      facts: this.facts,
      startedAt: this.startedAt,
      endedAt: this.now(),
      nodes: this.nodes().map((n) => ({ ...n })),
      blocks: [...this.blocks],
      finalized: [...this.finalized],
      samples: [...this.samples],
      states: [...this.states],
      supplies: [...this.supplies],
      txs: [...this.txs.values()].map((t) => ({ ...t })),
      txBodies: [...this.txBodies.values()],
      blobs: [...this.blobs.values()].map((b) => ({ ...b, retrievals: [...(b.retrievals ?? [])] })),
      gossipPeers: this.gossipPeers.map((p) => ({ ...p })),
      gossipSamples: [...this.gossipSamples],
      gossipTxs: [...this.gossipTxs.values()].map((t) => ({ ...t, statuses: { ...t.statuses } })),
      floods: this.floods.map((f) => ({ ...f, nodes: [...f.nodes], rows: [...f.rows] })),
      probes: this.probes.map((p) => ({
        ...p,
        nodes: [...p.nodes],
        observations: [...p.observations],
        starts: [...p.starts],
      })),
      faults: this.faults.map((f) => ({
        ...f,
        ...(f.links ? { links: f.links.map((l) => ({ ...l })) } : {}),
      })),
      events: [...this.events],
      marks: [...this.marks],
    };
  }

  /** The whole history as JSON-safe data, amounts as decimal strings (`JSON.stringify(recording)` works). */
  toJSON(): unknown {
    const d = this.toDump();
    return {
      ...d,
      facts: encodeFacts(d.facts),
      states: d.states.map((st) => ({
        ...st,
        snapshot: { ...st.snapshot, accounts: encodeAccounts(st.snapshot.accounts) },
      })),
      supplies: (d.supplies ?? []).map((x) => ({ ...x, supply: x.supply.toString() })),
      txs: d.txs.map((t) => encodeTx(t)),
      txBodies: d.txBodies.map((b) => encodeTx(b)),
      blobs: (d.blobs ?? []).map((b) =>
        b.certificate
          ? {
              ...b,
              certificate: {
                ...b.certificate,
                stake: String(b.certificate.stake),
                threshold: String(b.certificate.threshold),
              },
            }
          : b,
      ),
    };
  }

  /** Loads a dump (plain data, JSON-parsed data or a JSON string; version 1 or 2); `now()` is frozen at its `endedAt`. */
  static fromJSON(dump: RecordingDump | string | object): Recording {
    const d = (typeof dump === 'string' ? JSON.parse(dump) : dump) as Record<string, unknown> & RecordingDump;
    if (d.version !== 1 && d.version !== 2)
      throw new TypeError(`unsupported recording dump version ${String(d.version)} (allowed: 1, 2)`);
    const missing = (['facts', 'nodes', 'blocks', 'samples'] as const).filter((k) =>
      k === 'facts' ? typeof d.facts !== 'object' || d.facts === null : !Array.isArray(d[k]),
    );
    if (missing.length > 0) throw new TypeError(`recording dump has no ${missing.join(', ')}`);
    const frozen: Clock = { ...systemClock, now: () => d.startedAt, monotonic: () => 0 };
    const facts = decodeFacts(d.facts as unknown as Record<string, unknown>);
    const rec = new Recording({ seed: d.seed, facts, clock: frozen });
    rec.#frozenAt = d.endedAt;
    for (const n of d.nodes) rec.#nodes.set(n.name, { ...n });
    rec.blocks.push(...d.blocks);
    rec.finalized.push(...d.finalized);
    rec.samples.push(...d.samples);
    for (const st of d.states) {
      const accounts = decodeAccounts(
        st.snapshot.accounts as unknown as Record<string, { balance: unknown; nonce: number }>,
      );
      rec.states.push({ ...st, snapshot: { ...st.snapshot, accounts } });
    }
    for (const x of d.supplies ?? []) rec.supplies.push({ ...x, supply: decodeAmount(x.supply) });
    for (const t of d.txs) rec.txs.set(t.id, decodeTx<TxRecord>(t as unknown as Record<string, unknown>));
    for (const b of d.txBodies ?? [])
      rec.txBodies.set(b.id, decodeTx<TxBody>(b as unknown as Record<string, unknown>));
    for (const b of d.blobs ?? []) {
      const copy: BlobRecord = { ...b, retrievals: [...(b.retrievals ?? [])] };
      if (b.certificate)
        copy.certificate = {
          ...b.certificate,
          stake: decodeAmount(b.certificate.stake),
          threshold: decodeAmount(b.certificate.threshold),
        };
      rec.blobs.set(b.id, copy);
    }
    rec.gossipPeers.push(...(d.gossipPeers ?? []).map((p) => ({ ...p })));
    rec.gossipSamples.push(...(d.gossipSamples ?? []));
    for (const t of d.gossipTxs ?? []) rec.gossipTxs.set(t.id, { ...t, statuses: { ...t.statuses } });
    for (const f of d.floods ?? []) rec.floods.push({ ...f, nodes: [...f.nodes], rows: [...f.rows] });
    for (const p of d.probes ?? [])
      rec.probes.push({
        ...p,
        nodes: [...p.nodes],
        observations: [...p.observations],
        starts: [...p.starts],
      });
    rec.faults.push(...d.faults.map((f) => ({ ...f })));
    rec.events.push(...d.events);
    rec.marks.push(...(d.marks ?? []));
    return rec;
  }

  /** A loaded copy cut at `at` (everything observed later is dropped), for what-if tests. */
  until(at: number): Recording {
    const d = this.toDump();
    const keep = <T extends { at: number }>(xs: T[]): T[] => xs.filter((x) => x.at <= at);
    return Recording.fromJSON({
      ...d,
      endedAt: Math.min(at, d.endedAt),
      nodes: d.nodes
        .filter((n) => n.since <= at)
        .map((n) => (n.leftAt !== undefined && n.leftAt > at ? omit(n, 'leftAt') : n)),
      blocks: keep(d.blocks),
      finalized: keep(d.finalized),
      samples: keep(d.samples),
      states: keep(d.states),
      supplies: keep(d.supplies ?? []),
      txs: d.txs.filter((t) => t.submittedAt <= at).map((t) => cutTx(t, at)),
      blobs: (d.blobs ?? []).filter((b) => b.publishedAt <= at).map((b) => cutBlob(b, at)),
      gossipPeers: (d.gossipPeers ?? [])
        .filter((p) => p.start <= at)
        .map((p) => (p.end !== undefined && p.end > at ? omit(omit(p, 'end'), 'sent') : p)),
      gossipSamples: keep(d.gossipSamples ?? []),
      gossipTxs: (d.gossipTxs ?? [])
        .filter((t) => t.sentAt <= at)
        .map((t) => ({
          ...t,
          statuses: Object.fromEntries(Object.entries(t.statuses).filter(([, s]) => s.at <= at)),
        })),
      floods: (d.floods ?? []).filter((f) => f.start <= at).map((f) => cutFlood(f, at)),
      probes: (d.probes ?? []).filter((p) => p.start <= at).map((p) => cutProbe(p, at)),
      faults: d.faults
        .filter((f) => f.start <= at)
        .map((f) => (f.end !== undefined && f.end > at ? omit(f, 'end') : f)),
      events: keep(d.events),
      marks: keep(d.marks),
    });
  }
}

function pickInclusion(t: TxRecord): Partial<TxRecord> {
  const out: Partial<TxRecord> = {};
  if (t.includedAt !== undefined) out.includedAt = t.includedAt;
  if (t.height !== undefined) out.height = t.height;
  if (t.blockHash !== undefined) out.blockHash = t.blockHash;
  if (t.includedOn !== undefined) out.includedOn = t.includedOn;
  if (t.finalAt !== undefined) out.finalAt = t.finalAt;
  return out;
}

function cutTx(t: TxRecord, at: number): TxRecord {
  let out = t;
  if (out.includedAt !== undefined && out.includedAt > at) {
    out = omit(omit(omit(omit(out, 'includedAt'), 'height'), 'blockHash'), 'includedOn');
  }
  if (out.finalAt !== undefined && out.finalAt > at) out = omit(out, 'finalAt');
  return out;
}

function cutBlob(b: BlobRecord, at: number): BlobRecord {
  let out: BlobRecord = { ...b, retrievals: (b.retrievals ?? []).filter((r) => r.at <= at) };
  if (out.certifiedAt !== undefined && out.certifiedAt > at) out = omit(out, 'certifiedAt');
  if (out.includedAt !== undefined && out.includedAt > at)
    out = omit(omit(omit(out, 'includedAt'), 'height'), 'blockHash');
  if (out.certificate !== undefined && out.certificate.at > at) out = omit(out, 'certificate');
  return out;
}

function cutFlood(f: FloodRecord, at: number): FloodRecord {
  // A row is known once its second is over.
  const rows = f.rows.filter((r) => f.start + (r.s + 1) * 1000 <= at);
  const out = { ...f, rows };
  return out.end !== undefined && out.end > at ? omit(out, 'end') : out;
}

function cutProbe(p: ProbeRecord, at: number): ProbeRecord {
  const out = {
    ...p,
    observations: p.observations.filter((o) => o.at + o.ms <= at),
    starts: p.starts.filter((s) => s.at <= at),
  };
  return out.end !== undefined && out.end > at ? omit(out, 'end') : out;
}

function omit<T extends object, K extends keyof T>(x: T, key: K): T {
  const copy = { ...x };
  delete copy[key];
  return copy;
}
