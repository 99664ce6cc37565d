/**
 * Which npm packages a Node program needs at run time, found without running it: the bare
 * imports of its sources, then a walk of `dependencies` through node_modules the way Node
 * resolves them. Only those package dirs go into an image, not the whole node_modules.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { ChainlabError } from '../../support/errors.ts';

const sourceExtensions = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];

/** Lists regular files under `dir` (recursively), relative to it; skips what `skip` rejects. */
export async function listFiles(
  dir: string,
  skip: (rel: string, isDir: boolean) => boolean,
): Promise<string[]> {
  const out: string[] = [];
  const visit = async (rel: string): Promise<void> => {
    const entries = await readdir(join(dir, rel), { withFileTypes: true });
    for (const entry of entries) {
      const child = rel === '' ? entry.name : join(rel, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        // follow links to files; links to dirs are skipped (they can loop)
        const st = await stat(join(dir, child)).catch(() => undefined);
        isDir = false;
        isFile = st?.isFile() ?? false;
      }
      if (skip(child, isDir)) continue;
      if (isDir) await visit(child);
      else if (isFile) out.push(child);
    }
  };
  await visit('');
  return out.sort();
}

/** Package name of a bare specifier (`@scope/pkg/sub` → `@scope/pkg`), or undefined for relative/builtin. */
export function packageOfSpecifier(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('#')) return undefined;
  if (specifier.startsWith('node:') || isBuiltin(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Bare package names imported (statically or by `import('…')`) by the given source files. */
export async function importedPackages(files: readonly string[]): Promise<string[]> {
  const names = new Set<string>();
  const patterns = [
    // import x from 'p'; export { x } from 'p'; import 'p' (type-only imports are erased at run time)
    /^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const file of files) {
    if (!sourceExtensions.some((ext) => file.endsWith(ext))) continue;
    const text = await readFile(file, 'utf8');
    for (const pattern of patterns) {
      for (const match of text.matchAll(pattern)) {
        const name = packageOfSpecifier(match[1]!);
        if (name !== undefined) names.add(name);
      }
    }
  }
  return [...names].sort();
}

interface PackageJson {
  name?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

async function readPackageJson(dir: string): Promise<PackageJson | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as PackageJson;
  } catch {
    return undefined;
  }
}

/**
 * Finds `name` from `fromDir` upwards through node_modules dirs, as Node does. The walk
 * goes above the program's root: an installed package's dependencies are usually hoisted
 * to the project's node_modules.
 */
async function resolvePackageDir(name: string, fromDir: string): Promise<string | undefined> {
  let dir = fromDir;
  for (;;) {
    if (basename(dir) !== 'node_modules') {
      const candidate = join(dir, 'node_modules', name);
      if ((await readPackageJson(candidate)) !== undefined) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Package dirs needed at run time by `packages`, resolved from `root` and then through each
 * package's `dependencies`, `optionalDependencies` and installed peers; relative to `root`
 * (`node_modules/x`, or `../../node_modules/x` for a package hoisted above it).
 */
export async function packageClosure(rootDir: string, packages: readonly string[]): Promise<string[]> {
  // normalised: no trailing slash, so the walk up can tell when it reached the root
  const root = resolve(rootDir);
  const found = new Set<string>();
  const queue: { name: string; from: string; optional: boolean; via: string }[] = packages.map((name) => ({
    name,
    from: root,
    optional: false,
    via: 'the app',
  }));
  while (queue.length > 0) {
    const next = queue.shift()!;
    const dir = await resolvePackageDir(next.name, next.from);
    if (dir === undefined) {
      if (next.optional) continue;
      throw new ChainlabError(
        `package ${next.name} (needed by ${next.via}) is not installed in any node_modules from ${root} up; run npm install`,
      );
    }
    if (found.has(dir)) continue;
    found.add(dir);
    const pkg = (await readPackageJson(dir))!;
    const via = pkg.name ?? next.name;
    for (const name of Object.keys(pkg.dependencies ?? {}))
      queue.push({ name, from: dir, optional: false, via });
    for (const name of Object.keys(pkg.optionalDependencies ?? {}))
      queue.push({ name, from: dir, optional: true, via });
    for (const name of Object.keys(pkg.peerDependencies ?? {}))
      queue.push({ name, from: dir, optional: true, via });
  }
  return [...found].map((d) => relative(root, d)).sort();
}
