/**
 * refnode boot: how long one node takes from process start to serving (its ready line), and
 * where the time goes (Node's own bootstrap, imports, storage, replay, p2p start, API listen),
 * run from the TypeScript sources (type stripping) and from JavaScript compiled with tsc.
 *
 *   npx node bench/refnode-boot.ts [--runs 7]
 *
 * The JavaScript is emitted by `tsc` (rewriteRelativeImportExtensions) into a temp dir with a
 * `node_modules` link to this repo's, so both variants load the same dependencies. Each variant
 * gets its own fresh compile cache (NODE_COMPILE_CACHE): the first start is reported as cold, the
 * median of the others as warm. Every start is one validator with no peers and a fresh data dir.
 * A bare `node -e` start is measured alongside for reference, and so is the bundle
 * `npm run build` writes (`dist/refnode/bundle/main.js`, what node processes start) when it is
 * there: once as above, with only the cache of its top level, and once with the code cache a
 * node writes after 3 s connected (two validators run first to write it; refnode/README.md,
 * "Code cache"), what every start finds once any cluster ran. Prints one JSON line.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '7' } },
});
const runs = Number(values.runs);
const repo = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'refnode-boot-'));
process.once('exit', () => rmSync(work, { recursive: true, force: true }));

interface Startup {
  nodeBootstrapMs: number;
  importMs: number;
  storageMs: number;
  replayMs: number;
  p2pMs: number;
  apiMs: number;
}

/** Emits refnode (main.ts and src/, no tests) as JavaScript into `out`; returns the compiled main. */
function compile(out: string): string {
  const config = join(work, 'tsconfig.json');
  writeFileSync(
    config,
    JSON.stringify({
      extends: join(repo, 'tsconfig.json'),
      compilerOptions: {
        noEmit: false,
        rewriteRelativeImportExtensions: true,
        outDir: out,
        rootDir: repo,
        typeRoots: [join(repo, 'node_modules/@types')],
      },
      include: [join(repo, 'refnode/main.ts'), join(repo, 'refnode/src/**/*.ts')],
      exclude: [join(repo, 'refnode/**/*.test.ts')],
    }),
  );
  execFileSync(join(repo, 'node_modules/.bin/tsc'), ['-p', config], { stdio: 'inherit' });
  symlinkSync(join(repo, 'node_modules'), join(out, 'node_modules'));
  writeFileSync(join(out, 'package.json'), '{"type":"module"}');
  return join(out, 'refnode/main.js');
}

/** Starts `node args…`, resolves with the ms until a stdout line matches and the startup log. */
function startOnce(
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: (line: string) => boolean,
): Promise<{ ms: number; startup?: Startup }> {
  return new Promise((resolveRun, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let startup: Startup | undefined;
    let ms: number | undefined;
    const finish = () => {
      if (ms === undefined || (args[0] !== '-e' && startup === undefined)) return;
      child.kill('SIGTERM');
    };
    createInterface({ input: child.stderr! }).on('line', (line) => {
      if (!line.includes('"startup"')) return;
      startup = JSON.parse(line).startup;
      finish();
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (ms !== undefined || !ready(line)) return;
      ms = performance.now() - started;
      finish();
      // A refnode without the startup breakdown in its log (an older one) is stopped anyway.
      setTimeout(() => child.kill('SIGTERM'), 2000).unref();
    });
    child.once('exit', (code, signal) => {
      if (ms === undefined)
        reject(new Error(`node ${args.join(' ')} exited (${code ?? signal}) before ready`));
      else resolveRun({ ms, startup });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(
  name: string,
  main: string | undefined,
  genesisDir: string,
  prepare?: (env: NodeJS.ProcessEnv) => Promise<void>,
) {
  const cache = join(work, `compile-cache-${name}`);
  mkdirSync(cache);
  const env = { ...process.env, NODE_COMPILE_CACHE: cache };
  await prepare?.(env);
  const results: { ms: number; startup?: Startup }[] = [];
  for (let i = 0; i <= runs; i++) {
    const args =
      main === undefined
        ? ['-e', 'console.log("ready")']
        : [
            main,
            'run',
            '--config',
            join(genesisDir, 'node-0.json'),
            '--data-dir',
            join(work, `data-${name}-${i}`),
            '--api-port',
            '0',
            '--p2p-port',
            '0',
            '--peers=',
          ];
    results.push(await startOnce(args, env, (line) => line.includes('ready')));
  }
  const [cold, ...warm] = results;
  const parts = warm.flatMap((r) => (r.startup ? [r.startup] : []));
  const part = (key: keyof Startup) =>
    parts.length > 0 ? Math.round(median(parts.map((p) => p[key]))) : undefined;
  return {
    variant: name,
    coldMs: Math.round(cold!.ms),
    warmMedianMs: Math.round(median(warm.map((r) => r.ms))),
    warmMs: warm.map((r) => Math.round(r.ms)),
    ...(parts.length > 0
      ? {
          warmMedianBreakdownMs: {
            nodeBootstrap: part('nodeBootstrapMs'),
            imports: part('importMs'),
            storage: part('storageMs'),
            replay: part('replayMs'),
            p2p: part('p2pMs'),
            api: part('apiMs'),
          },
        }
      : {}),
  };
}

/** Runs two connected validators from `main` until one has written the warm code cache. */
async function warmCodeCache(main: string, env: NodeJS.ProcessEnv): Promise<void> {
  const dir = join(work, 'warm-net');
  execFileSync(process.execPath, [main, 'genesis', '--validators', '2', '--out', dir], { env });
  const nodes = [0, 1].map((i) =>
    spawn(process.execPath, [main, 'run', '--config', join(dir, `node-${i}.json`)], { env, stdio: 'ignore' }),
  );
  const cacheDir = join(env.NODE_COMPILE_CACHE!, 'refnode');
  const deadline = performance.now() + 30_000;
  while (!(existsSync(cacheDir) && readdirSync(cacheDir).some((f) => f.endsWith('.warm.v8')))) {
    if (performance.now() > deadline) throw new Error(`no warm code cache in ${cacheDir} after 30 s`);
    await new Promise((ok) => setTimeout(ok, 200));
  }
  await Promise.all(nodes.map((n) => new Promise((ok) => n.once('exit', ok).kill('SIGTERM'))));
}

const genesisDir = join(work, 'net');
execFileSync(process.execPath, [
  join(repo, 'refnode/main.ts'),
  'genesis',
  '--validators',
  '1',
  '--out',
  genesisDir,
  '--slot-ms',
  '200',
]);
const compiledMain = compile(join(work, 'js'));
const variants = [
  await measure('bare-node', undefined, genesisDir),
  await measure('ts', join(repo, 'refnode/main.ts'), genesisDir),
  await measure('js', compiledMain, genesisDir),
];
// The bundle `npm run build` writes, which node processes start (src/adapter/refnode/entry.ts).
const bundledMain = join(repo, 'dist/refnode/bundle/main.js');
if (existsSync(bundledMain)) {
  variants.push(await measure('bundle', bundledMain, genesisDir));
  // What a start finds once any node has run connected for 3 s (refnode/README.md, "Code cache").
  variants.push(
    await measure('bundle-warm-code-cache', bundledMain, genesisDir, (env) =>
      warmCodeCache(bundledMain, env),
    ),
  );
} else console.error(`no ${bundledMain}: run npm run build to measure the bundle`);
console.log(
  JSON.stringify({
    bench: 'refnode-boot',
    runs,
    target: 'bundle warm ≤ 300 ms on a quiet machine',
    variants,
  }),
);
