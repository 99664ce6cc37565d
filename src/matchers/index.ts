// chainlab/matchers: the matchers, their pure checkers and verdict types (re-exports only).
export { chainlabMatchers } from './matchers.ts';
export type { ChainlabMatchers } from './types.ts';
export { InvariantError, MatcherSubjectError, type MatcherSubject } from './shell.ts';
export {
  checkStayLive,
  livenessBounds,
  livenessFailure,
  toStayLive,
  type LivenessBounds,
  type LivenessVerdict,
  type LivenessViolation,
  type StayLiveOptions,
} from './to-stay-live.ts';
export {
  checkConserveSupply,
  supplyFailure,
  toConserveSupply,
  type ConserveSupplyOptions,
  type SupplyVerdict,
} from './to-conserve-supply.ts';
export { checkConverge, convergenceFailure, toConverge, type ConvergeOptions, type ConvergenceVerdict } from './to-converge.ts';
export {
  checkIncludeAll,
  inclusionFailure,
  toIncludeAll,
  type IncludeAllOptions,
  type InclusionVerdict,
  type TxSource,
} from './to-include-all.ts';
