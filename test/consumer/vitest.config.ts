import { defineConfig } from 'vitest/config';
import { chainlab } from '../../src/vitest-plugin.ts';

// `npm run test:consumer`: packs chainlab, installs it with vitest and jest from the registry
// in a fresh project and runs real clusters there (local and docker), so its steps get long
// timeouts; each command it runs has its own, shorter bound.
export default defineConfig({
  plugins: [chainlab({ testTimeout: 480_000, hookTimeout: 900_000 })],
  test: { root: import.meta.dirname, include: ['*.test.ts'] },
});
