// chainlab/jest: registers the matchers with Jest's expect and exports the Jest helpers (re-exports only).
import './matchers/jest.ts';

export { type ClusterHandle, type UseClusterOptions, useCluster } from './fixtures/jest.ts';
export type { ClusterDefinition, ClusterFixtureOptions } from './fixtures/start-for-fixture.ts';
export * from './index.ts';
