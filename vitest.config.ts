import { configDefaults, defineConfig } from 'vitest/config';
import { chainlab } from './src/vitest-plugin.ts';

// Three projects, run one after the other:
// - `unit`: tests that start no node, container, child process or worker thread; Vitest's
//   default timeouts (a unit test that needs more is a bug), files in parallel.
// - `examples`: the scenario examples, one file at a time like `e2e` (the plugin's default).
//   Two at a time passed a 10-run soak on a faster machine, then failed on this 2-core class
//   (api-flood, mempool-pressure, tx-propagation: bench/README.md, "test suite").
// - `e2e`: the other tests that start real processes or threads (refnode and litecoind
//   nodes, containers, child Vitest runs, kubectl, worker threads), named `*.e2e.test.ts` or
//   under test/ and refnode/test/. The chainlab plugin gives them what it gives any user:
//   long timeouts, one file at a time (many judge timing a neighbour's cluster could move on
//   this 2-core class of machine), forked workers, the matchers.
// examples/ import `chainlab/vitest` like a user: the `chainlab-source` export condition
// resolves that to the TypeScript sources here, without a build.
const ci = process.env.CI !== undefined && !['', '0', 'false'].includes(process.env.CI);

const examples = ['examples/**/*.test.ts'];
const e2e = ['**/*.e2e.test.ts', 'test/**/*.test.ts', ...examples, 'refnode/test/**/*.test.ts'];
// examples/jest runs under Jest, test/consumer in a project of its own (npm run test:consumer).
const excluded = [...configDefaults.exclude, 'examples/jest/**', 'test/consumer/**'];

export default defineConfig({
  ssr: { resolve: { conditions: ['chainlab-source', 'module', 'node', 'development|production'] } },
  test: {
    // CI also writes JUnit (with chainlab's annotations as <property>s) and keeps
    // annotation attachments in one known dir, which .ci/run prints.
    reporters: ci ? ['default', 'junit'] : ['default'],
    ...(ci
      ? { outputFile: { junit: '.chainlab/ci/junit.xml' }, attachmentsDir: '.chainlab/ci/attachments' }
      : {}),
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'refnode/src/**/*.test.ts', 'scripts/**/*.test.ts'],
          exclude: [...excluded, ...e2e],
          testTimeout: 5_000,
          hookTimeout: 10_000,
          fileParallelism: true,
          // Files share a worker: none starts a process or keeps state past its file, and a
          // fresh worker per file cost ~0.25 s each (Vitest's own count).
          isolate: false,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        // In projects of their own, as Vitest applies a plugin's config to the project that lists it.
        plugins: [chainlab()],
        test: {
          name: 'examples',
          include: examples,
          exclude: excluded,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        plugins: [chainlab()],
        test: {
          name: 'e2e',
          include: e2e,
          exclude: [...excluded, ...examples],
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
