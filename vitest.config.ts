import { configDefaults, defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { chainlab } from './src/vitest-plugin.ts';

// Five projects, run one after the other:
// - `unit`: tests that start no node, container, child process or worker thread; Vitest's
//   default timeouts (a unit test that needs more is a bug), files in parallel.
// - `light`: the cluster files of `light` below (examples and e2e files), three at a time.
// - `examples`: the other scenario examples, one file at a time like `e2e` (the plugin's
//   default). All of them two at a time passed a 10-run soak on a faster machine, then failed
//   on this 2-core class (api-flood, mempool-pressure, tx-propagation: bench/README.md, "test
//   suite").
// - `e2e-untimed`: the files of `untimed` below, three at a time.
// - `e2e`: the other tests that start real processes or threads (refnode and litecoind
//   nodes, containers, child Vitest runs, kubectl, worker threads), named `*.e2e.test.ts` or
//   under test/ and refnode/test/. The chainlab plugin gives them what it gives any user:
//   long timeouts, one file at a time (many judge timing a neighbour's cluster could move on
//   this 2-core class of machine), forked workers, the matchers.
// The four cluster projects (`clusterProject` below) reuse a worker process from file to file
// (`isolate: false`): a fresh process per file cost about 1.3 s between files (69 s of the 51
// `e2e` files: bench/README.md, "test suite"). Every cluster a file starts is stopped in its own
// hooks, so no state of one file's clusters reaches the next; the first cluster start of each
// worker sweeps what dead runs left, as it would in a fresh process.
// examples/ import `chainlab/vitest` like a user: the `chainlab-source` export condition
// resolves that to the TypeScript sources here, without a build.
const ci = process.env.CI !== undefined && !['', '0', 'false'].includes(process.env.CI);

const examples = ['examples/**/*.test.ts'];
// Cluster files that keep the machine mostly idle (10–27 % of the two cores, averaged over the
// file, where the load examples take 32–66 %) and judge end states, windows of many blocks,
// deadlines at least ~3x what they wait for, pace as the gaps between answers (observer)
// rather than counts per second of the test's clock, or a link's delay as the median of
// several blocks (gossip-catch-up, steady within 3 ms beside a neighbour): two of them side
// by side (27–52 %) use about what one load example uses alone, so a neighbour from this list
// leaves what they judge alone. Three at a time they keep the two cores 61–70 % busy, and
// every timed margin held in six runs but the gossip gradient's: its orphans per 100 came to
// 55–75 against a tolerance of 86–88 (38–66 two at a time), so it runs one at a time again.
// The other examples (gossip-latency-gradient, api-flood, mempool-pressure, tx-propagation,
// byzantine-flooding, sustained-load, load-progression, aggressive-chaos, dynamic-churn,
// quickstart, fork-model: 32–66 %) stay one at a time; so do the e2e files not listed here or
// in `untimed`. The measurements and the soaks behind this list: bench/README.md, "test suite".
const light = [
  'examples/block-timing.test.ts',
  'examples/clock-skew.test.ts',
  'examples/invalid-tx-fuzzing.test.ts',
  'examples/litecoin.test.ts',
  'examples/mempool-divergence.test.ts',
  'examples/partition-recovery.test.ts',
  'examples/wallet-balances.test.ts',
  'refnode/src/p2p/network.e2e.test.ts',
  'src/adapter/litecoind/lottery-miner.e2e.test.ts',
  'src/adapter/refnode/api-surface.e2e.test.ts',
  'src/deployers/k8s/k8s-deployer.e2e.test.ts',
  'src/matchers/mempool-matchers.e2e.test.ts',
  'src/matchers/real-clusters.e2e.test.ts',
  'src/observe/gossip-views.e2e.test.ts',
  'src/observe/observer.e2e.test.ts',
  'src/workloads/data-availability.e2e.test.ts',
  'test/adapter-seam.test.ts',
  'test/dynamic-churn-negative.test.ts',
  'test/entry.test.ts',
  'test/gossip-catch-up.test.ts',
  'test/links-litecoind.test.ts',
  'test/litecoin-negative.test.ts',
  'test/scenarios-negative.test.ts',
];
// e2e files that judge nothing a busy core could move: each asserts end states (balances,
// supply, final blocks, files, processes, exit codes, error texts) or waits for a condition
// with a deadline many times what it takes. Left out, though they would mostly pass: any file
// with a rate, latency, duration or count-in-a-window check, or a deadline under ~10 s for
// work across nodes (the link layer's 5 s and 3 s confirmations included); files whose
// finality checks need forks shallower than k under load (crash safety, partitions); files
// that sweep a dead run of their own making, which a neighbour's first sweep could take
// (test/cli, test/cleanup, the docker sweeper); and the soak's busy-core run, a neighbour that
// takes a whole core. As nothing they judge moves with the CPU they get, they run three at a
// time, which keeps both cores busy (93 % against 77 % two at a time). The read behind this
// list and the runs: bench/README.md, "test suite". A file not listed (a new one, a renamed
// one) runs one at a time in `e2e`.
const untimed = [
  'refnode/src/code-cache.e2e.test.ts',
  'refnode/src/da/da-protocol.e2e.test.ts',
  'refnode/src/p2p/gossip-streams.e2e.test.ts',
  'refnode/test/bugs.test.ts',
  'refnode/test/convergence.test.ts',
  'refnode/test/da.test.ts',
  'refnode/test/membership.test.ts',
  'refnode/test/restart.test.ts',
  'scripts/soak/soak-stop.e2e.test.ts',
  'scripts/soak/vitest-outcome.e2e.test.ts',
  'src/adapter/litecoind/client.e2e.test.ts',
  'src/adapter/litecoind/emission-chain.e2e.test.ts',
  'src/adapter/litecoind/forge.e2e.test.ts',
  'src/adapter/litecoind/image.e2e.test.ts',
  'src/adapter/litecoind/litecoind.e2e.test.ts',
  'src/adapter/litecoind/node-control.e2e.test.ts',
  'src/adapter/litecoind/peers.e2e.test.ts',
  'src/adapter/litecoind/sync.e2e.test.ts',
  'src/adapter/litecoind/wallets.e2e.test.ts',
  'src/chaos/chaos-cluster.e2e.test.ts',
  'src/deployers/docker/container-node.e2e.test.ts',
  'src/deployers/docker/docker-deployer.e2e.test.ts',
  'src/deployers/docker/first-start.e2e.test.ts',
  'src/deployers/k8s/k8s-sweeper.e2e.test.ts',
  'src/deployers/k8s/manifests.e2e.test.ts',
  'src/matchers/gossip-rejections.e2e.test.ts',
  'src/workloads/mempool-watch.e2e.test.ts',
  'test/bench-run.test.ts',
  'test/clock-skew-negative.test.ts',
  'test/docker-cleanup.test.ts',
  'test/docker-smoke.test.ts',
  'test/faults-confirmed.test.ts',
  'test/fixtures/k8s/api-reference-recordings.test.ts',
  'test/html-report-browser.test.ts',
  'test/html-report-run.test.ts',
  'test/membership-docker.test.ts',
  'test/profile.test.ts',
  'test/readme.test.ts',
  'test/refnode-bundle.test.ts',
  'test/requirements.test.ts',
  'test/transactions.test.ts',
  'test/verdict-hold.test.ts',
  'test/vitest-plugin.test.ts',
];
const e2e = ['**/*.e2e.test.ts', 'test/**/*.test.ts', ...examples, 'refnode/test/**/*.test.ts'];
// examples/jest runs under Jest, test/consumer in a project of its own (npm run test:consumer).
const excluded = [...configDefaults.exclude, 'examples/jest/**', 'test/consumer/**'];

/**
 * A project of cluster files: the chainlab plugin (in a project of its own, as Vitest applies a
 * plugin's config to the project that lists it), a worker reused from file to file, one file at
 * a time or `filesAtOnce`.
 */
function clusterProject(options: {
  name: string;
  include: string[];
  exclude?: string[];
  filesAtOnce?: number;
  groupOrder: number;
}): TestProjectInlineConfiguration {
  const { name, include, exclude = [], filesAtOnce = 1, groupOrder } = options;
  return {
    extends: true,
    plugins: [chainlab()],
    test: {
      name,
      isolate: false,
      include,
      exclude: [...excluded, ...exclude],
      ...(filesAtOnce > 1 ? { fileParallelism: true, maxWorkers: filesAtOnce } : {}),
      sequence: { groupOrder },
    },
  };
}

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
      clusterProject({ name: 'light', include: light, filesAtOnce: 3, groupOrder: 1 }),
      clusterProject({ name: 'examples', include: examples, exclude: light, groupOrder: 2 }),
      clusterProject({ name: 'e2e-untimed', include: untimed, filesAtOnce: 3, groupOrder: 3 }),
      clusterProject({
        name: 'e2e',
        include: e2e,
        exclude: [...examples, ...untimed, ...light],
        groupOrder: 4,
      }),
    ],
  },
});
