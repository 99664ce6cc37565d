/**
 * Type-level test (checked by `npm run typecheck`, never run): chainlab's matchers are typed
 * for Jest users, both through `@jest/globals` and through the globals of `@types/jest`,
 * with chainlab's own option types (an unknown option does not compile).
 */
/// <reference types="jest" />
import type { expect as jestGlobalsExpect } from '@jest/globals';
import type { StartedCluster, StartedTransactions } from '../../src/jest.ts';

declare const fromJestGlobals: typeof jestGlobalsExpect;

export async function withJestGlobals(cluster: StartedCluster, load: StartedTransactions): Promise<void> {
  await fromJestGlobals(cluster).toStayLive({ for: 10_000 });
  await fromJestGlobals(cluster).toIncludeAll(load, { within: 15_000 });
  await fromJestGlobals(cluster).not.toConverge({ within: 1000 });
  // @ts-expect-error toStayLive has no option `forever`
  await fromJestGlobals(cluster).toStayLive({ forever: true });
}

export async function withJestTypesGlobals(cluster: StartedCluster): Promise<void> {
  await expect(cluster).toConserveSupply();
  // @ts-expect-error toConserveSupply has no option `forever`
  await expect(cluster).toConserveSupply({ forever: true });
}
