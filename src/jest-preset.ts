// chainlab/jest-preset: what `preset: 'chainlab'` loads (re-exports only).
import { chainlabJestPreset } from './fixtures/jest-preset.ts';

export { type ChainlabJestPreset, chainlabJestPreset } from './fixtures/jest-preset.ts';
export default chainlabJestPreset;
