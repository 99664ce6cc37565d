// chainlab/vitest: registers the matchers with vitest's expect and exports the fixtures (re-exports only).
import './matchers/vitest.ts';

export type { ClusterDefinition, ClusterFixtureOptions } from './fixtures/start-for-fixture.ts';
export {
  type BackgroundFn,
  type ClusterTest,
  type ClusterTestFixtures,
  createClusterTest,
} from './fixtures/vitest.ts';
export * from './index.ts';
