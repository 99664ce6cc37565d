// chainlab/jest-environment: the Jest test environment of chainlab's preset (re-exports only).
export { default } from './fixtures/jest-environment.ts';
