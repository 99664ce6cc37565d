import { configDefaults, defineConfig } from 'vitest/config';
import { chainlab } from './src/vitest-plugin.ts';

// The chainlab plugin gives the timeouts, one file at a time (parallel clusters would
// starve each other's slot timers on this 2-core class of machine) and the matchers, as
// for any user. examples/ import `chainlab/vitest` like a user: the `chainlab-source`
// export condition resolves that to the TypeScript sources here, without a build.
const ci = process.env.CI !== undefined && !['', '0', 'false'].includes(process.env.CI);

export default defineConfig({
  plugins: [chainlab()],
  ssr: { resolve: { conditions: ['chainlab-source', 'module', 'node', 'development|production'] } },
  test: {
    include: [
      'src/**/*.test.ts',
      'refnode/**/*.test.ts',
      'test/**/*.test.ts',
      'examples/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
    // examples/jest runs under Jest, test/consumer in a project of its own (npm run test:consumer).
    exclude: [...configDefaults.exclude, 'examples/jest/**', 'test/consumer/**'],
    // CI also writes JUnit (with chainlab's annotations as <property>s) and keeps
    // annotation attachments in one known dir, which .ci/run prints.
    reporters: ci ? ['default', 'junit'] : ['default'],
    ...(ci
      ? { outputFile: { junit: '.chainlab/ci/junit.xml' }, attachmentsDir: '.chainlab/ci/attachments' }
      : {}),
  },
});
