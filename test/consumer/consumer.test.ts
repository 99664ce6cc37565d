/**
 * chainlab as a user gets it: `npm pack`, a fresh project outside the repository with the
 * tarball plus vitest and jest from the registry, then the README's set-ups run there:
 * (a) the Vitest example on local processes, (b) the same file on Docker, (c) Jest files
 * with the fixture and matchers, (d) a Jest test whose matcher fails, whose output must
 * carry chainlab's message, the seed and the Jest replay command; the `chainlab` bin and
 * the shipped types too. Nothing may be left running afterwards.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { newRunId, runsRoot } from '../../src/cluster/cleanup/run.ts';
import { pidAlive } from '../../src/cluster/cleanup/sweeper.ts';
import { dockerAvailability } from '../../src/deployers/docker/docker-client.ts';
import { labelKeys } from '../../src/deployers/docker/labels.ts';
import { entries, eventually, processesWithEnv } from '../helpers.ts';
import { dockerRequirementOf, requireIn } from '../requirements.ts';

const repo = join(import.meta.dirname, '..', '..');
const files = join(import.meta.dirname, 'files');
const work = mkdtempSync(join(tmpdir(), 'chainlab-consumer-'));
const project = join(work, 'project');
// A private run root, named like a run of this process so a sweeper removes it if we are killed.
const runRoot = join(runsRoot(), newRunId());
const startedAt = Date.now();
const docker = await dockerAvailability();

/** The versions this repository tests with, so the registry install matches (and hits npm's cache). */
const versionOf = (pkg: string): string =>
  (JSON.parse(readFileSync(join(repo, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string })
    .version;

const env: NodeJS.ProcessEnv = {
  ...process.env,
  // Node 24 first on PATH, as in a project that uses it; npm and npx run on it too.
  PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
  CHAINLAB_RUN_ROOT: runRoot,
  CHAINLAB_ARTIFACTS: join(work, 'artifacts'),
  TESTCONTAINERS_RYUK_DISABLED: 'true',
  CI: '1',
  NO_COLOR: '1',
};
for (const key of Object.keys(env)) if (key.startsWith('VITEST') || key === 'NODE_OPTIONS') delete env[key];

interface Ran {
  code: number | null;
  /** stdout and stderr as they came. */
  output: string;
  stdout: string;
}

/** Runs a command to its end (killing its process group after `timeoutMs`); output is stdout + stderr. */
function run(
  command: string,
  args: string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
) {
  return new Promise<Ran>((resolve) => {
    const child: ChildProcess = spawn(command, args, {
      cwd: opts.cwd,
      env: { ...env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    let stdout = '';
    child.stdout!.on('data', (d) => {
      output += d;
      stdout += d;
    });
    child.stderr!.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[consumer test] ${command} ${args.join(' ')} did not end within ${opts.timeoutMs} ms; killed\n`;
      process.kill(-child.pid!, 'SIGKILL');
    }, opts.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, output: `${output}\n${error.message}`, stdout });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, stdout });
    });
  });
}

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string }[];
}
let packed: PackResult;

beforeAll(async () => {
  mkdirSync(runRoot, { recursive: true });
  const pack = await run('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: repo,
    timeoutMs: 180_000,
  });
  expect(pack.code, pack.output).toBe(0);
  packed = (JSON.parse(pack.stdout) as PackResult[])[0]!;
  console.log(
    `chainlab tarball ${packed.filename}: ${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ${packed.entryCount} files`,
  );

  mkdirSync(join(project, 'vitest'), { recursive: true });
  mkdirSync(join(project, 'jest'), { recursive: true });
  mkdirSync(join(project, 'vitest-failing'), { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'consumer', private: true, type: 'module' })}\n`,
  );
  copyFileSync(join(repo, 'examples/setup/vitest.config.ts'), join(project, 'vitest/vitest.config.ts'));
  copyFileSync(join(repo, 'examples/quickstart.test.ts'), join(project, 'vitest/quick.test.ts'));
  copyFileSync(join(repo, 'examples/jest/jest.config.mjs'), join(project, 'jest/jest.config.mjs'));
  copyFileSync(join(repo, 'examples/jest/chain.test.ts'), join(project, 'jest/chain.test.ts'));
  for (const f of ['workloads.test.ts', 'failing.test.ts'])
    copyFileSync(join(files, f), join(project, 'jest', f));
  copyFileSync(join(files, 'own-cluster.jest.ts'), join(project, 'jest', 'own-cluster.test.ts'));
  copyFileSync(
    join(repo, 'examples/setup/vitest.config.ts'),
    join(project, 'vitest-failing/vitest.config.ts'),
  );
  copyFileSync(join(files, 'own-cluster.vitest.ts'), join(project, 'vitest-failing/own-cluster.test.ts'));
  copyFileSync(join(files, 'types-check.ts'), join(project, 'types-check.ts'));

  const install = await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      join(work, packed.filename),
      `vitest@${versionOf('vitest')}`,
      `jest@${versionOf('jest')}`,
      `@jest/globals@${versionOf('@jest/globals')}`,
    ],
    { cwd: project, timeoutMs: 600_000 },
  );
  expect(install.code, install.output).toBe(0);
});

afterAll(async () => {
  // Nothing of the consumer's runs is left: no process, no run dir, no container, network or
  // volume whose owning process is gone.
  const clean = await eventually(
    async () => (await processesWithEnv(`CHAINLAB_RUN_ROOT=${runRoot}`)).length === 0,
    15_000,
  );
  const processes = await processesWithEnv(`CHAINLAB_RUN_ROOT=${runRoot}`);
  const dirs = await entries(runRoot);
  const orphans = docker.available ? await orphanedDockerResources() : [];
  rmSync(work, { recursive: true, force: true });
  rmSync(runRoot, { recursive: true, force: true });
  expect({ clean, processes, dirs, orphans }).toEqual({ clean: true, processes: [], dirs: [], orphans: [] });
});

/** Labelled Docker resources created since this file started whose owner process is dead. */
async function orphanedDockerResources(): Promise<string[]> {
  if (!docker.available) return [];
  const dockerode = docker.client.container.dockerode;
  const filters = { label: [labelKeys.run] };
  const dead = (labels: Record<string, string> | undefined): boolean => {
    const pid = Number(labels?.[labelKeys.pid]);
    return Number.isInteger(pid) && !pidAlive(pid);
  };
  const containers = (await dockerode.listContainers({ all: true, filters }))
    .filter((c) => c.Created * 1000 >= startedAt - 1000 && dead(c.Labels))
    .map((c) => `container ${c.Names[0]}`);
  const networks = (await dockerode.listNetworks({ filters }))
    .filter((n) => Date.parse(n.Created) >= startedAt - 1000 && dead(n.Labels))
    .map((n) => `network ${n.Name}`);
  const volumes = ((await dockerode.listVolumes({ filters })).Volumes ?? [])
    .filter(
      (v) =>
        Date.parse((v as { CreatedAt?: string }).CreatedAt ?? '') >= startedAt - 1000 &&
        dead(v.Labels ?? undefined),
    )
    .map((v) => `volume ${v.Name}`);
  return [...containers, ...networks, ...volumes];
}

describe('the packed tarball', () => {
  test('holds the compiled build and its types, and no tests, recordings or TypeScript sources', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths.filter((p) => !p.startsWith('dist/') && !['README.md', 'package.json'].includes(p))).toEqual(
      [],
    );
    expect(
      paths.filter(
        (p) => /\.(test|spec)\.|\/test\/|recordings|test-fixtures|\.json$/.test(p) && p !== 'package.json',
      ),
    ).toEqual([]);
    expect(paths.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))).toEqual([]);
    for (const file of [
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/index.js.map',
      'dist/src/vitest-plugin.js',
      'dist/src/jest-preset.js',
      'dist/src/cli/main.js',
      'dist/refnode/main.js',
      'dist/refnode/src/chain/verify-worker.js',
      'dist/refnode/bundle/main.js',
      'dist/refnode/bundle/refnode.cjs',
      'dist/refnode/bundle/verify-worker.cjs',
      'dist/src/deployers/local/orphan-guard.mjs',
    ]) {
      expect(paths).toContain(file);
    }
  });
});

describe('a fresh project with the tarball installed', () => {
  test('(a) the README example passes under Vitest on local processes', async () => {
    const r = await run('npx', ['vitest', 'run'], { cwd: join(project, 'vitest'), timeoutMs: 300_000 });
    expect(r.output).toMatch(/Tests\s+.*1 passed/);
    expect(r.code, r.output).toBe(0);
  });

  test('(b) the same file passes with CHAINLAB_DEPLOYER=docker', async ({ skip }) => {
    requireIn(dockerRequirementOf(docker), skip);
    const r = await run('npx', ['vitest', 'run'], {
      cwd: join(project, 'vitest'),
      env: { CHAINLAB_DEPLOYER: 'docker' },
      timeoutMs: 420_000,
    });
    expect(r.output).toMatch(/Tests\s+.*1 passed/);
    expect(r.code, r.output).toBe(0);
  });

  test('(c) Jest: the README example (fixture and three matchers) and per-test workloads pass', async () => {
    const r = await run('npx', ['jest', 'chain.test.ts', 'workloads.test.ts'], {
      cwd: join(project, 'jest'),
      env: { NODE_OPTIONS: '--experimental-vm-modules' },
      timeoutMs: 300_000,
    });
    expect(r.output).toMatch(/Tests:\s+3 passed, 3 total/);
    expect(r.code, r.output).toBe(0);
  });

  test('(d) Jest: a failing matcher prints chainlab’s message, the seed and the Jest replay command', async () => {
    const r = await run('npx', ['jest', 'failing.test.ts'], {
      cwd: join(project, 'jest'),
      env: { NODE_OPTIONS: '--experimental-vm-modules' },
      timeoutMs: 300_000,
    });
    expect(r.code, r.output).toBe(1);
    expect(r.output).toMatch(
      /expected total supply on val-\d at final height \d+ .* to equal genesis \d+; it is \d+ \(\+\d+\)/,
    );
    const seed = /\(seed (\d+)\)/.exec(r.output)?.[1];
    expect(seed, r.output).toBeDefined();
    expect(r.output).toContain(
      `chainlab: seed ${seed}; replay: CHAINLAB_SEED=${seed} NODE_OPTIONS=--experimental-vm-modules npx jest 'failing.test.ts' -t '^a chain whose proposers mint conserves supply$'`,
    );
    expect(r.output).toContain('chainlab: logs, recording and seed of the failed run kept in');
    const kept = await entries(join(work, 'artifacts'));
    expect(kept.length).toBeGreaterThan(0);
  });

  test('(e) a test that starts its own cluster and fails names the cluster and its seed and keeps its logs, as does one whose start fails, in a test or in a beforeAll of its own: Vitest and Jest', async () => {
    const line = (seed: string) =>
      `chainlab: "fails with a cluster of its own" failed while cluster own-cluster (seed ${seed}) ran; `;
    // The cluster was disposed before the failure was known; its logs, recording and report are kept.
    const expectKept = async (output: string, seed: string) => {
      const kept = new RegExp(
        `chainlab: logs, recording and report of the cluster "fails with a cluster of its own" started \\(seed ${seed}\\) kept in (\\S+) `,
      ).exec(output);
      expect(kept, output).not.toBeNull();
      const files = await entries(kept?.[1] ?? '');
      expect(files).toEqual(
        expect.arrayContaining(['val-0.log', 'val-1.log', 'recording.json', 'report.html']),
      );
      // A start that failed (never ready) keeps its node logs and a README naming the failure.
      const start = new RegExp(
        `chainlab: node logs of the cluster whose start failed in "a cluster of its own that never becomes ready" \\(seed ${seed}\\) kept in (\\S+)\n`,
      ).exec(output);
      expect(start, output).not.toBeNull();
      expect((await entries(start?.[1] ?? '')).sort()).toEqual(['README.txt', 'val-0.log', 'val-1.log']);
      // A start in a beforeAll of the file's own, with no test open: kept at once, named by its error.
      const hook = /every node's log up to the failure is kept in (\S+)\n/.exec(output);
      expect(hook, output).not.toBeNull();
      expect(basename(hook?.[1] ?? '')).toMatch(/^hook-start-\d+$/);
      expect((await entries(hook?.[1] ?? '')).sort()).toEqual(['README.txt', 'val-0.log', 'val-1.log']);
      expect(readFileSync(join(hook?.[1] ?? '', 'README.txt'), 'utf8')).toContain(
        `no test was open; the cluster's start failed:\ncluster not ready after`,
      );
    };
    const vitest = await run('npx', ['vitest', 'run'], {
      cwd: join(project, 'vitest-failing'),
      env: { CHAINLAB_SEED: '4242' },
      timeoutMs: 300_000,
    });
    expect(vitest.code, vitest.output).toBe(1);
    expect(vitest.output).toContain(`${line('4242')}replay with CHAINLAB_SEED=4242\n`);
    await expectKept(vitest.output, '4242');
    const jest = await run('npx', ['jest', 'own-cluster.test.ts'], {
      cwd: join(project, 'jest'),
      env: { NODE_OPTIONS: '--experimental-vm-modules', CHAINLAB_SEED: '4243' },
      timeoutMs: 300_000,
    });
    expect(jest.code, jest.output).toBe(1);
    expect(jest.output).toContain(
      `${line('4243')}replay: CHAINLAB_SEED=4243 NODE_OPTIONS=--experimental-vm-modules npx jest 'own-cluster.test.ts' -t '^fails with a cluster of its own$'`,
    );
    await expectKept(jest.output, '4243');
    const useCluster =
      /chainlab: node logs of the cluster whose start failed in "useCluster \(beforeAll\)" \(seed 4243\) kept in (\S+)\n/.exec(
        jest.output,
      );
    expect(useCluster, jest.output).not.toBeNull();
    expect(basename(useCluster?.[1] ?? '')).toMatch(/^use-start-\d+$/);
    expect((await entries(useCluster?.[1] ?? '')).sort()).toEqual(['README.txt', 'val-0.log', 'val-1.log']);
    expect(readFileSync(join(useCluster?.[1] ?? '', 'README.txt'), 'utf8')).toContain(
      "replay: CHAINLAB_SEED=4243 NODE_OPTIONS=--experimental-vm-modules npx jest 'own-cluster.test.ts'",
    );
  });

  test('the chainlab bin: help, refnode from its compiled JavaScript, sweep', async () => {
    const help = await run('npx', ['chainlab', '--help'], { cwd: project, timeoutMs: 60_000 });
    expect(help.code, help.output).toBe(0);
    expect(help.output).toMatch(/refnode .*\n.*sweep /);
    const chain = join(work, 'chain');
    const genesis = await run(
      'npx',
      ['chainlab', 'refnode', 'genesis', '--validators', '2', '--out', chain],
      {
        cwd: project,
        timeoutMs: 60_000,
      },
    );
    expect(genesis.code, genesis.output).toBe(0);
    expect((await entries(chain)).sort()).toEqual([
      'genesis.json',
      'node-0.json',
      'node-1.json',
      'wallets.json',
    ]);
    const sweep = await run('npx', ['chainlab', 'sweep', '--no-docker', '--json'], {
      cwd: project,
      timeoutMs: 60_000,
    });
    expect(sweep.code, sweep.output).toBe(0);
    expect(JSON.parse(sweep.output.trim().split('\n').at(-1)!)).toMatchObject({ docker: { swept: false } });
  });

  test('the shipped types: the examples and a typed-matcher check compile in the project', async () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2024',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          allowImportingTsExtensions: true,
          skipLibCheck: true,
          types: [],
        },
        include: ['vitest/*.ts', 'jest/*.ts', 'types-check.ts'],
      }),
    );
    const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = await run(process.execPath, [tsc, '-p', project], { cwd: project, timeoutMs: 120_000 });
    expect(r.output).toBe('');
    expect(r.code).toBe(0);
  });
});
