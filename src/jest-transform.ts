// chainlab/jest-transform: the type-stripping Jest transform of chainlab's preset (re-exports only).
export { type ChainlabJestTransformer, default } from './fixtures/jest-transform.ts';
