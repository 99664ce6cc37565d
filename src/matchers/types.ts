/**
 * The matcher signatures as seen by a test file (runner-neutral); the vitest and jest
 * typings merge this interface into their own.
 */

import type { ConserveSupplyOptions } from './to-conserve-supply.ts';
import type { ConvergeOptions } from './to-converge.ts';
import type { IncludeAllOptions, TxSource } from './to-include-all.ts';
import type { StayLiveOptions } from './to-stay-live.ts';

/** chainlab's matchers; every one is async: `await expect(cluster).toStayLive()`. */
export interface ChainlabMatchers<R = Promise<void>> {
  /**
   * Every node keeps finalizing at the slot schedule's pace, judged over windows.
   * Defaults derive from the chain: tolerance 0.5, maxStallMs ≈ slots to a 1e-7 chance of
   * no block + 2 s, maxLag max(5, k), windows of 30 blocks.
   * @example await expect(cluster).toStayLive({ for: 30_000 });
   */
  toStayLive(opts?: StayLiveOptions): R;
  /**
   * Total supply equals genesis on every node at its final height, and every balance equals
   * the replay of the included txs.
   * @example await expect(cluster).toConserveSupply();
   */
  toConserveSupply(opts?: ConserveSupplyOptions): R;
  /**
   * All nodes agree on the final block and state root within `within` ms
   * (default 20 block intervals, at least 5 s).
   * @example await expect(cluster).toConverge({ within: 15_000 });
   */
  toConverge(opts?: ConvergeOptions): R;
  /**
   * At least `atLeast` (default 1 = all) of the txs are on a best chain within `within` ms.
   * @example await expect(cluster).toIncludeAll(workload, { within: 10_000 });
   */
  toIncludeAll(txs: TxSource, opts?: IncludeAllOptions): R;
}
