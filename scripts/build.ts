/**
 * `npm run build` (and `prepare`, so `npm pack` and git installs get it): compiles the
 * package's entry points and refnode to `dist/` (JavaScript, .d.ts, source maps with the
 * TypeScript inlined, so debuggers and Vite find the sources in the package), copies the plain `.mjs` helpers the runtime spawns, points the
 * declarations' relative imports at `.js` like the JavaScript's, and bundles refnode into
 * `dist/refnode/bundle/` (what the local deployer starts: it boots in a fraction of the time).
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { rolldown } from 'rolldown';

const root = join(import.meta.dirname, '..');
const dist = join(root, 'dist');

function walk(dir: string, keep: (file: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter(keep);
}

rmSync(dist, { recursive: true, force: true });
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
// Everything this script says goes to stderr: `npm pack --json` prints its JSON on stdout.
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
  stdio: ['ignore', process.stderr, process.stderr],
});

// Files read or spawned at run time beside the module that uses them: helpers run as
// separate Node processes (orphan guard, reaper, run guard, `.mjs`) and the HTML report's
// page script and stylesheet (`html-report/client.js`, `report.css`), which are inlined into
// each report as they are. Copy each whose neighbour was compiled.
const runtimeAsset = (f: string): boolean =>
  f.endsWith('.mjs') || /[/\\]html-report[/\\](client\.js|report\.css)$/.test(f);
for (const file of walk(join(root, 'src'), runtimeAsset)) {
  const target = join(dist, relative(root, file));
  if (!existsSync(dirname(target))) continue;
  copyFileSync(file, target);
}

// tsc rewrites `./x.ts` to `./x.js` in JavaScript but leaves declarations importing `.ts`.
const tsSpecifier = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]*?)\.ts(['"])/g;
for (const file of walk(dist, (f) => f.endsWith('.d.ts'))) {
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(tsSpecifier, '$1$2.js$3');
  if (fixed !== text) writeFileSync(file, fixed);
}

// refnode once more as one bundle (its packages inlined): a node then loads one file instead
// of resolving and compiling ~450 modules of libp2p and friends, which was three quarters of
// its boot time (bench/README.md, "refnode boot"). One CommonJS script, because only a
// classic script can give V8 a code cache taken after it ran (refnode/src/code-cache.ts); its
// entry `main.js` runs it with that cache. The verify worker is a script of its own beside it,
// where the pool's `./verify-worker.cjs` URL points.
const bundleDir = join(dist, 'refnode', 'bundle');
// sodium-native loads its prebuilt addon from its own package dir, so it stays a package.
const external = [/^node:/, 'sodium-native'];
const bundles = [
  { input: join(dist, 'refnode', 'src', 'cli', 'cli.js'), file: 'refnode.cjs', format: 'cjs' },
  {
    input: join(dist, 'refnode', 'src', 'chain', 'verify-worker.js'),
    file: 'verify-worker.cjs',
    format: 'cjs',
  },
  { input: join(dist, 'refnode', 'bundle-main.js'), file: 'main.js', format: 'esm' },
] as const;
for (const { input, file, format } of bundles) {
  const bundle = await rolldown({ input, platform: 'node', external, logLevel: 'warn' });
  // ASCII only, and no doc comments (the sources and their maps are in dist/refnode/src): V8
  // then keeps the source as a one-byte string, read and compiled faster.
  await bundle.write({
    file: join(bundleDir, file),
    format,
    codeSplitting: false,
    charset: 'ascii',
    comments: { legal: true, jsdoc: false, annotation: false },
  });
  await bundle.close();
}

chmodSync(join(dist, 'src', 'cli', 'main.js'), 0o755);
chmodSync(join(dist, 'refnode', 'main.js'), 0o755);
chmodSync(join(bundleDir, 'main.js'), 0o755);
console.error(`built ${relative(process.cwd(), dist) || '.'}: ${walk(dist, () => true).length} files`);
