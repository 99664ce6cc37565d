/**
 * The matcher table handed to `expect.extend` (vitest and jest alike).
 */

import { toBoundMempool } from './to-bound-mempool.ts';
import { toConserveSupply } from './to-conserve-supply.ts';
import { toConverge } from './to-converge.ts';
import { toConvergeMempools } from './to-converge-mempools.ts';
import { toIncludeAll } from './to-include-all.ts';
import { toIncludeExactlyOnce } from './to-include-exactly-once.ts';
import { toIncludeOneOfEach } from './to-include-one-of-each.ts';
import { toKeepBlockIntervals } from './to-keep-block-intervals.ts';
import { toKeepFinality } from './to-keep-finality.ts';
import { toKeepPeers } from './to-keep-peers.ts';
import { toMakeAvailable } from './to-make-available.ts';
import { toNeverInclude } from './to-never-include.ts';
import { toPenalize } from './to-penalize.ts';
import { toRateLimit } from './to-rate-limit.ts';
import { toRejectWith } from './to-reject-with.ts';
import { toRespectDrift } from './to-respect-drift.ts';
import { toStayLive } from './to-stay-live.ts';
import { toStayResponsive } from './to-stay-responsive.ts';
import { toSyncJoiners } from './to-sync-joiners.ts';

/**
 * chainlab's matchers, ready for `expect.extend(chainlabMatchers)`.
 * `chainlab/vitest` and `chainlab/jest` register them for you.
 */
export const chainlabMatchers = {
  toStayLive,
  toConserveSupply,
  toConverge,
  toIncludeAll,
  toKeepBlockIntervals,
  toKeepFinality,
  toIncludeExactlyOnce,
  toIncludeOneOfEach,
  toRejectWith,
  toNeverInclude,
  toConvergeMempools,
  toBoundMempool,
  toMakeAvailable,
  toPenalize,
  toRespectDrift,
  toStayResponsive,
  toRateLimit,
  toSyncJoiners,
  toKeepPeers,
};
