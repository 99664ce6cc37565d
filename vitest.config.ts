import { defineConfig } from 'vitest/config';

// Tests start real clusters (processes, libp2p, disk), so files run one at a time on
// this 2-core class of machine: parallel clusters would starve each other's slot timers
// and turn timing into flakiness.
const ci = process.env.CI !== undefined && !['', '0', 'false'].includes(process.env.CI);

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'refnode/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    // CI also writes JUnit (with chainlab's annotations as <property>s) and keeps
    // annotation attachments in one known dir, which .ci/run prints.
    reporters: ci ? ['default', 'junit'] : ['default'],
    ...(ci
      ? { outputFile: { junit: '.chainlab/ci/junit.xml' }, attachmentsDir: '.chainlab/ci/attachments' }
      : {}),
  },
});
