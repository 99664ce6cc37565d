/**
 * The matcher table handed to `expect.extend` (vitest and jest alike).
 */

import { toConserveSupply } from './to-conserve-supply.ts';
import { toConverge } from './to-converge.ts';
import { toIncludeAll } from './to-include-all.ts';
import { toStayLive } from './to-stay-live.ts';

/**
 * chainlab's matchers, ready for `expect.extend(chainlabMatchers)`.
 * `chainlab/vitest` and `chainlab/jest` register them for you.
 */
export const chainlabMatchers = { toStayLive, toConserveSupply, toConverge, toIncludeAll };
