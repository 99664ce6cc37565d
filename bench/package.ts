/**
 * What installing chainlab as a package costs or saves, two numbers:
 *   consumer first cluster: in a fresh process of a fresh project with the packed tarball
 *     installed, `await import('chainlab')` then `new Cluster({ validators: 4, executors: 2 })
 *     .start()` until ready (what a user's first test waits for); beside it the same script
 *     importing the repository's TypeScript sources (type-stripped by Node);
 *   refnode boot: one `refnode run` process from spawn to its ready line, from the compiled
 *     JavaScript (`dist/refnode/main.js`, what an installed chainlab starts) vs the
 *     type-stripped `refnode/main.ts`, with Node's compile cache (refnode enables it) and
 *     without (NODE_DISABLE_COMPILE_CACHE=1, a cold machine).
 * Rounds alternate the variants so load drift hits all alike.
 *
 *   npx node bench/package.ts [--rounds 3] [--project DIR]   (DIR: a consumer project to reuse)
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { freePorts } from '../src/deployers/local/free-port.ts';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, project: { type: 'string' } },
});
const rounds = Number(values.rounds);
const repo = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'chainlab-bench-package-'));
const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };

/** Spawns node with `args` and resolves with the ms until a stdout line matches (then ends it). */
function timeToLine(args: string[], match: (line: string) => boolean, opts: { cwd: string; env?: object }) {
  return new Promise<{ ms: number; line: string }>((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: opts.cwd,
      env: { ...env, ...opts.env },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let seen: { ms: number; line: string } | undefined;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (seen !== undefined || !match(line)) return;
      seen = { ms: performance.now() - t0, line };
      child.kill('SIGTERM');
    });
    child.once('exit', (code) => {
      if (seen !== undefined) resolve(seen);
      else reject(new Error(`${args.join(' ')} exited ${code} before its line`));
    });
  });
}

function consumerProject(): string {
  if (values.project !== undefined) return values.project;
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: repo, env, encoding: 'utf8' }),
  ) as { filename: string }[];
  const project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), '{"name":"bench-consumer","private":true,"type":"module"}\n');
  execFileSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, packed[0]!.filename)],
    {
      cwd: project,
      env,
      stdio: 'inherit',
    },
  );
  return project;
}

/** The user's first cluster: import chainlab, start 4 validators + 2 executors, print both times. */
const firstCluster = (specifier: string) => `
  const t0 = performance.now();
  const { Cluster } = await import(${JSON.stringify(specifier)});
  const t1 = performance.now();
  const c = await new Cluster({ validators: 4, executors: 2, wallets: 4 }).start();
  const t2 = performance.now();
  console.log(JSON.stringify({ importMs: t1 - t0, startMs: t2 - t1 }));
  await c.dispose();
`;

async function clusterRun(cwd: string, specifier: string): Promise<{ importMs: number; startMs: number }> {
  const { line } = await timeToLine(
    ['--input-type=module', '-e', firstCluster(specifier)],
    (l) => l.startsWith('{"importMs"'),
    {
      cwd,
    },
  );
  return JSON.parse(line) as { importMs: number; startMs: number };
}

execFileSync(process.execPath, [join(repo, 'scripts/build.ts')], { cwd: repo, stdio: 'inherit' });
const project = consumerProject();
const chain = join(work, 'chain');
execFileSync(process.execPath, [
  join(repo, 'refnode/main.ts'),
  'genesis',
  '--validators',
  '1',
  '--wallets',
  '2',
  '--out',
  chain,
]);

async function boot(entry: string, cache: boolean): Promise<number> {
  const [api, p2p] = await freePorts(2);
  const data = mkdtempSync(join(work, 'data-'));
  const { ms } = await timeToLine(
    [
      entry,
      'run',
      '--config',
      join(chain, 'node-0.json'),
      '--data-dir',
      data,
      '--api-port',
      `${api}`,
      '--p2p-port',
      `${p2p}`,
      '--peers=',
    ],
    (l) => l.includes('"ready"'),
    { cwd: repo, env: cache ? {} : { NODE_DISABLE_COMPILE_CACHE: '1' } },
  );
  rmSync(data, { recursive: true, force: true });
  return ms;
}

const boots: Record<string, number[]> = { jsCached: [], tsCached: [], jsNoCache: [], tsNoCache: [] };
const clusters: Record<string, { importMs: number; startMs: number }[]> = { installedJs: [], repoTs: [] };
const js = join(repo, 'dist/refnode/main.js');
const ts = join(repo, 'refnode/main.ts');
for (let r = 0; r < rounds; r++) {
  boots.jsNoCache!.push(await boot(js, false));
  boots.tsNoCache!.push(await boot(ts, false));
  boots.jsCached!.push(await boot(js, true));
  boots.tsCached!.push(await boot(ts, true));
  clusters.installedJs!.push(await clusterRun(project, 'chainlab'));
  clusters.repoTs!.push(await clusterRun(repo, join(repo, 'src/index.ts')));
}
const median = (xs: number[]) => Math.round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!);
console.log(
  JSON.stringify({
    bench: 'package',
    rounds,
    tarballVersion: JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version,
    refnodeBootMedianMs: Object.fromEntries(Object.entries(boots).map(([k, v]) => [k, median(v)])),
    refnodeBootAllMs: Object.fromEntries(Object.entries(boots).map(([k, v]) => [k, v.map(Math.round)])),
    firstClusterMedianMs: Object.fromEntries(
      Object.entries(clusters).map(([k, v]) => [
        k,
        {
          import: median(v.map((x) => x.importMs)),
          start: median(v.map((x) => x.startMs)),
          total: median(v.map((x) => x.importMs + x.startMs)),
        },
      ]),
    ),
    firstClusterAll: clusters,
  }),
);
if (values.project === undefined) rmSync(work, { recursive: true, force: true });
