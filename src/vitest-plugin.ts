// chainlab/vitest-plugin: the Vitest config plugin (re-exports only). Import it in vitest.config.ts.
export {
  type ChainlabPluginOptions,
  type ChainlabPluginSettings,
  chainlab,
  chainlabTestConfig,
} from './fixtures/vitest-plugin.ts';
