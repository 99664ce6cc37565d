/**
 * The matcher signatures as seen by a test file (runner-neutral); the vitest and jest
 * typings merge this interface into their own.
 */

import type { CanonicalReason } from '../adapter/reasons.ts';
import type { Recording } from '../observe/recording.ts';
import type { TxRef, TxSet } from './mempool-views.ts';
import type { BoundMempoolOptions, RampLike } from './to-bound-mempool.ts';
import type { ConserveSupplyOptions } from './to-conserve-supply.ts';
import type { ConvergeOptions } from './to-converge.ts';
import type { ConvergeMempoolsOptions } from './to-converge-mempools.ts';
import type { IncludeAllOptions } from './to-include-all.ts';
import type { IncludeExactlyOnceOptions } from './to-include-exactly-once.ts';
import type { IncludeOneOfEachOptions, RaceSource } from './to-include-one-of-each.ts';
import type { BlockIntervalOptions } from './to-keep-block-intervals.ts';
import type { KeepFinalityOptions } from './to-keep-finality.ts';
import type { KeepPeersOptions } from './to-keep-peers.ts';
import type { BlobSource, MakeAvailableOptions } from './to-make-available.ts';
import type { NeverIncludeOptions } from './to-never-include.ts';
import type { PenalizeOptions, PenalizeTarget } from './to-penalize.ts';
import type { FloodSource } from './to-rate-limit.ts';
import type { RespectDriftOptions } from './to-respect-drift.ts';
import type { StayLiveOptions } from './to-stay-live.ts';
import type { StayResponsiveOptions } from './to-stay-responsive.ts';
import type { SyncJoinersOptions } from './to-sync-joiners.ts';

/** What chainlab's matchers judge: a started cluster (anything with a `recording`) or a Recording. */
export type Judgeable = Recording | { readonly recording: Recording };

/**
 * A matcher's signature when the subject can be judged, else `never` (so calling it, as in
 * `expect(42).toStayLive()`, does not compile). `any` subjects keep the signature.
 */
export type OnJudgeable<T, F> = 0 extends 1 & T ? F : [T] extends [Judgeable] ? F : never;

/** A fuzzing workload as `toRejectWith` takes it. */
export interface FuzzWorkload {
  readonly name: string;
  readonly done: Promise<unknown>;
  attempts(): readonly unknown[];
}

/**
 * chainlab's matchers; every one is async: `await expect(cluster).toStayLive()`. `T` is the
 * subject's type; each matcher exists only for a judgeable subject.
 */
export interface ChainlabMatchers<R = Promise<void>, T = Judgeable> {
  /**
   * Every node keeps finalizing at the slot schedule's pace, judged over windows.
   * Defaults derive from the chain: tolerance 0.5, maxStallMs ≈ slots to a 1e-7 chance of
   * no block + 2 s, maxLag max(5, k), windows of 30 blocks.
   * @example await expect(cluster).toStayLive({ for: 30_000 });
   */
  toStayLive: OnJudgeable<T, (opts?: StayLiveOptions) => R>;
  /**
   * Total supply equals genesis on every node at its final height, and every balance equals
   * the replay of the included txs.
   * @example await expect(cluster).toConserveSupply();
   */
  toConserveSupply: OnJudgeable<T, (opts?: ConserveSupplyOptions) => R>;
  /**
   * All nodes agree on the final block and state root within `within` ms
   * (default 20 block intervals, at least 5 s).
   * @example await expect(cluster).toConverge({ within: 15_000 });
   */
  toConverge: OnJudgeable<T, (opts?: ConvergeOptions) => R>;
  /**
   * Every node that joined mid-run reaches the cluster's final height (the highest any
   * other node had when it joined) within `within` ms (default 30 block intervals, ≥ 10 s).
   * @example await expect(cluster).toSyncJoiners({ within: 20_000 });
   */
  toSyncJoiners: OnJudgeable<T, (opts?: SyncJoinersOptions) => R>;
  /**
   * Every present node stays connected to at least `atLeast` peers (default 1; fewer when
   * fewer nodes are present), short for at most `within` ms (default 10 s).
   * @example await expect(cluster).toKeepPeers({ atLeast: 2 });
   */
  toKeepPeers: OnJudgeable<T, (opts?: KeepPeersOptions) => R>;
  /**
   * At least `atLeast` (default 1 = all) of the txs are on a best chain within `within` ms.
   * @example await expect(cluster).toIncludeAll(workload, { within: 10_000 });
   */
  toIncludeAll: OnJudgeable<T, (txs: TxSet, opts?: IncludeAllOptions) => R>;
  /**
   * The chain's mean block interval is `slotMs / f` ± `tolerance` (default 0.25) and no gap
   * exceeds `maxGap` (default: slots to a 1e-7 chance of no block + 1 s) outside validators'
   * fault windows, read from the blocks' slot times.
   * @example await expect(cluster).toKeepBlockIntervals({ tolerance: 0.25, for: 30_000 });
   */
  toKeepBlockIntervals: OnJudgeable<T, (opts?: BlockIntervalOptions) => R>;
  /**
   * No node ever reverts a block it held final, and no two nodes finalize different blocks
   * at one height, over the whole recording (final per the adapter's finality rule).
   * @example await expect(cluster).toKeepFinality();
   */
  toKeepFinality: OnJudgeable<T, (opts?: KeepFinalityOptions) => R>;
  /**
   * Every tx of a workload (or list) reached every node within `propagateWithin` (default 2 s),
   * sits on every node's chain exactly once, none was dropped, and state is equal at the
   * common final height.
   * @example await expect(cluster).toIncludeExactlyOnce(propagationWorkload, { within: 20_000 });
   */
  toIncludeExactlyOnce: OnJudgeable<T, (txs: TxSet, opts?: IncludeExactlyOnceOptions) => R>;
  /**
   * Of each double-spend pair (two txs spending the same nonce or outputs), exactly one is on
   * every node's chain, the same one everywhere, within `within` ms (default k + 10 block
   * intervals, at least 5 s). A chain holding both fails at once.
   * @example await expect(cluster).toIncludeOneOfEach(races, { within: 20_000 });
   */
  toIncludeOneOfEach: OnJudgeable<T, (races: RaceSource, opts?: IncludeOneOfEachOptions) => R>;
  /**
   * Every generated invalid tx of a fuzzing workload was refused with its kind's reason (a
   * failure prints fast-check's shrunk counterexample, seed and path); or the given recorded
   * tx(s) were refused, with `reason` when given.
   * @example await expect(cluster).toRejectWith(fuzz);
   * @example await expect(cluster).toRejectWith(staleTx, 'bad_nonce');
   */
  toRejectWith: OnJudgeable<T, (txs: FuzzWorkload | TxRef | readonly TxRef[], reason?: CanonicalReason) => R>;
  /**
   * None of the txs is ever in a block on any node, watched `for` ms more (default 5 block intervals, ≥ 2 s).
   * @example await expect(cluster).toNeverInclude(fuzz, { for: 5000 });
   */
  toNeverInclude: OnJudgeable<T, (txs: FuzzWorkload | TxSet | TxRef, opts?: NeverIncludeOptions) => R>;
  /**
   * Within `within` ms every tx of a workload that gave nodes different txs is pending or
   * included on every node: the mempools converged and nothing was dropped.
   * @example await expect(cluster).toConvergeMempools(divergenceWorkload, { within: 5000 });
   */
  toConvergeMempools: OnJudgeable<T, (txs: TxSet, opts?: ConvergeMempoolsOptions) => R>;
  /**
   * Under a ramp: mempools within capacity, evictions lowest fee tier first, full blocks
   * when saturated, graceful throughput per step, no stall.
   * @example await expect(cluster).toBoundMempool(rampWorkload);
   */
  toBoundMempool: OnJudgeable<T, (ramp?: RampLike | BoundMempoolOptions, opts?: BoundMempoolOptions) => R>;
  /**
   * Every blob of a DA workload (or list) is certified, included in order per channel and
   * retrievable byte-for-byte from a node other than its entry point (`from: 'any'`: any
   * node) within `within` ms (default k + 10 block intervals, at least 10 s).
   * @example await expect(cluster).toMakeAvailable(da, { within: 15_000 });
   */
  toMakeAvailable: OnJudgeable<T, (blobs: BlobSource, opts?: MakeAvailableOptions) => R>;
  /**
   * Every node a Byzantine gossip peer flooded penalised it within `within` ms of the flood's
   * start (score below the node's gossip threshold, graylisted, or disconnected while it
   * flooded), naming each node that did not; gossip queues stayed within `maxQueue` messages
   * (default 1000) and `maxQueueBytes` (default 16 MiB) meanwhile. Default `within` 10 s.
   * @example await expect(cluster).toPenalize(attacker, { within: 10_000 });
   */
  toPenalize: OnJudgeable<T, (attacker: PenalizeTarget, opts?: PenalizeOptions) => R>;
  /**
   * No node adopted a block whose slot starts beyond its drift bound ahead of its clock
   * (such blocks are held within the bound, refused beyond it), read from the nodes'
   * future-block counters over the whole recording (facet `clock-skew`).
   * @example await expect(cluster).toRespectDrift();
   */
  toRespectDrift: OnJudgeable<T, (opts?: RespectDriftOptions) => R>;
  /**
   * What the control probe saw since the test started: per node, p99 latency ≤ `p99` ms
   * (default 500), error rate ≤ `errorRate` (default 0.01), and no process restart.
   * @example await expect(cluster).toStayResponsive({ p99: 250, errorRate: 0.01 });
   */
  toStayResponsive: OnJudgeable<T, (opts?: StayResponsiveOptions) => R>;
  /**
   * Every node an API flood reached answered part of it 429 (rate-limited) or 503 (shed).
   * Default: the latest flood recorded.
   * @example await expect(cluster).toRateLimit(flood);
   */
  toRateLimit: OnJudgeable<T, (flood?: FloodSource) => R>;
}
