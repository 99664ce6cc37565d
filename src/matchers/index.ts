// chainlab/matchers: the matchers, their pure checkers and verdict types (re-exports only).

export {
  checkGossipRejections,
  type GossipRejectVerdict,
  gossipRejectFailure,
} from './gossip-rejections.ts';
export { chainlabMatchers } from './matchers.ts';
export type { TxRef, TxSet, TxWorkload } from './mempool-views.ts';
export {
  type MatcherResult,
  type MatcherSubject,
  MatcherSubjectError,
  type PollOptions,
  pollUntilVerdict,
  settle,
} from './shell.ts';
export {
  type BoundMempoolOptions,
  type BoundMempoolVerdict,
  boundMempoolFailure,
  checkBoundMempool,
  type RampLike,
  toBoundMempool,
} from './to-bound-mempool.ts';
export {
  type ConserveSupplyOptions,
  checkConserveSupply,
  type SupplyVerdict,
  supplyFailure,
  toConserveSupply,
} from './to-conserve-supply.ts';
export {
  type ConvergenceVerdict,
  type ConvergeOptions,
  checkConverge,
  convergenceFailure,
  toConverge,
} from './to-converge.ts';
export {
  type ConvergeMempoolsOptions,
  checkConvergeMempools,
  convergeMempoolsFailure,
  type MempoolConvergenceVerdict,
  toConvergeMempools,
} from './to-converge-mempools.ts';
export {
  checkIncludeAll,
  type IncludeAllOptions,
  type InclusionVerdict,
  inclusionFailure,
  type TxSource,
  toIncludeAll,
} from './to-include-all.ts';
export {
  checkIncludeExactlyOnce,
  type ExactlyOnceVerdict,
  exactlyOnceFailure,
  type IncludeExactlyOnceOptions,
  toIncludeExactlyOnce,
} from './to-include-exactly-once.ts';
export {
  checkOneOfEach,
  type IncludeOneOfEachOptions,
  type OneOfEachVerdict,
  oneOfEachFailure,
  type RaceSource,
  toIncludeOneOfEach,
} from './to-include-one-of-each.ts';
export {
  type BlockIntervalOptions,
  type BlockIntervalVerdict,
  blockIntervalFailure,
  checkBlockIntervals,
  intervalBounds,
  toKeepBlockIntervals,
} from './to-keep-block-intervals.ts';
export {
  checkKeepFinality,
  type FinalClaim,
  type KeepFinalityOptions,
  type KeepFinalityVerdict,
  keepFinalityFailure,
  toKeepFinality,
} from './to-keep-finality.ts';
export {
  checkKeepPeers,
  type KeepPeersOptions,
  type KeepPeersVerdict,
  keepPeersFailure,
  toKeepPeers,
} from './to-keep-peers.ts';
export {
  type AvailabilityVerdict,
  availabilityFailure,
  type BlobSource,
  checkMakeAvailable,
  type MakeAvailableOptions,
  toMakeAvailable,
  type UnavailableBlob,
} from './to-make-available.ts';
export {
  checkNeverInclude,
  type NeverIncludeOptions,
  type NeverIncludeVerdict,
  neverIncludeFailure,
  toNeverInclude,
} from './to-never-include.ts';
export {
  checkPenalize,
  type PenalizeOptions,
  type PenalizeTarget,
  type PenalizeVerdict,
  type Penalty,
  type PenaltyHow,
  penalizeFailure,
  toPenalize,
  type Unpunished,
} from './to-penalize.ts';
export {
  checkRateLimit,
  type FloodSource,
  type RateLimitVerdict,
  rateLimitFailure,
  toRateLimit,
} from './to-rate-limit.ts';
export {
  checkFuzzRejections,
  checkRejectWith,
  type RejectVerdict,
  rejectFailure,
  toRejectWith,
} from './to-reject-with.ts';
export {
  checkRespectDrift,
  type RespectDriftOptions,
  type RespectDriftVerdict,
  respectDriftFailure,
  toRespectDrift,
} from './to-respect-drift.ts';
export {
  checkStayLive,
  type LivenessBounds,
  type LivenessVerdict,
  type LivenessViolation,
  livenessBounds,
  livenessFailure,
  type StayLiveOptions,
  toStayLive,
} from './to-stay-live.ts';
export {
  checkStayResponsive,
  type ResponsivenessVerdict,
  responsivenessFailure,
  type StayResponsiveOptions,
  toStayResponsive,
} from './to-stay-responsive.ts';
export {
  checkSyncJoiners,
  type SyncJoinersOptions,
  type SyncJoinersVerdict,
  syncJoinersFailure,
  toSyncJoiners,
} from './to-sync-joiners.ts';
export type { ChainlabMatchers, FuzzWorkload, Judgeable, OnJudgeable } from './types.ts';
