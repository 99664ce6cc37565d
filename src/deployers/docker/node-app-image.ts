/**
 * The recipe of a `FROM scratch` image that runs a TypeScript/JavaScript program on the
 * toolchain's Node 24: the binary and its libraries, libfaketime, a non-root user, the
 * program's files under `/app` and only the npm packages it imports.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import type { ImageFile, ImageRecipe } from './image-recipe.ts';
import { importedPackages, listFiles, packageClosure } from './node-packages.ts';
import {
  imageNodePath,
  libfaketimeFiles,
  nodeRuntimeFiles,
  toolchainNodeBinary,
} from './node-runtime-files.ts';

/** Where the program lives inside the image. */
export const imageAppDir = '/app';
/** Default data dir inside the image, owned by the image's user (mount a volume here). */
export const imageDataDir = '/data';

/** Options of {@link nodeAppImage}. */
export interface NodeAppImageOptions {
  /** Image name, e.g. `chainlab/refnode`. */
  name: string;
  /** Host dir with the program's `package.json` and `node_modules`. */
  root: string;
  /** Files or dirs relative to `root` copied to `/app/<same path>` (test files are left out). */
  include: readonly string[];
  /** Entry file relative to `root`, e.g. `refnode/main.ts`. */
  entry: string;
  /**
   * Bare package names the program imports at run time; default: scanned from the
   * included sources. Their dependencies are added by walking node_modules.
   */
  packages?: readonly string[];
  /** Add libfaketime for clock-skew faults; default true. */
  faketime?: boolean;
  /** Host Node binary; default the toolchain's Node 24. */
  nodeBinary?: string;
  /** Extra environment; default none. */
  env?: Readonly<Record<string, string>>;
}

const isTestFile = (rel: string): boolean => /\.(test|spec)\.[cm]?[jt]s$/.test(rel);

/** A native addon's prebuilt binaries for the image's platform: it runs this machine's Node on Linux. */
const imagePrebuilds = `prebuilds/linux-${process.arch}`;

/**
 * Files under a package dir that nothing in the image executes: type declarations, source
 * maps, and prebuilt addons for other platforms (`prebuilds/<platform>-<arch>/`, 16 of
 * sodium-native's 18 MB).
 */
const isPackageNoise = (rel: string, isDir: boolean): boolean =>
  isDir
    ? rel === 'node_modules' ||
      rel.endsWith('/node_modules') ||
      (/^prebuilds\/[^/]+$/.test(rel) && rel !== imagePrebuilds)
    : /\.(d\.[cm]?ts|map)$/.test(rel);

async function includedFiles(root: string, include: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const entry of include) {
    const st = await stat(join(root, entry));
    if (st.isDirectory()) {
      const rels = await listFiles(join(root, entry), (rel, isDir) =>
        isDir ? rel.split('/').includes('node_modules') : isTestFile(rel) || isPackageNoise(rel, false),
      );
      files.push(...rels.map((rel) => join(entry, rel)));
    } else {
      files.push(entry);
    }
  }
  return files;
}

/**
 * Where the program's root goes in the image. Packages usually sit under the root's own
 * node_modules, and the root is `/app`. An installed program's packages may have been
 * hoisted above it (`<project>/node_modules/x` next to `<project>/node_modules/chainlab`):
 * then the image keeps the host layout from the dirs' common ancestor, so Node resolves
 * every import as it does on the host, and the root lands at `/app/<path below it>`.
 */
function layout(root: string, packageDirs: readonly string[]): { rootInImage: string; base: string } {
  let base = resolve(root);
  for (const dir of packageDirs) {
    // The dir whose node_modules holds the package must be in the image, not just the package.
    const abs = resolve(root, dir);
    const holder = abs.slice(0, abs.lastIndexOf(`${sep}node_modules${sep}`));
    while (relative(base, holder).startsWith('..')) base = dirname(base);
  }
  const below = relative(base, resolve(root)).split(sep).join(posix.sep);
  return { base, rootInImage: posix.join(imageAppDir, below) };
}

/**
 * Describes the image of a Node program. Build it with `buildImage`. The image runs
 * `node /app/<entry>` wherever its files had to go (see {@link layout}): when the root is
 * not `/app`, `/app/<entry>` is a one-line module importing the real entry.
 *
 * @example
 * const recipe = await nodeAppImage({ name: 'chainlab/refnode', root: repoRoot, include: ['refnode'], entry: 'refnode/main.ts' });
 */
export async function nodeAppImage(opts: NodeAppImageOptions): Promise<ImageRecipe> {
  const appFiles = await includedFiles(opts.root, opts.include);
  const packages = opts.packages ?? (await importedPackages(appFiles.map((f) => join(opts.root, f))));
  const packageDirs = await packageClosure(opts.root, packages);
  const { base, rootInImage } = layout(opts.root, packageDirs);
  const files: ImageFile[] = [...(await nodeRuntimeFiles(opts.nodeBinary ?? toolchainNodeBinary()))];
  if (opts.faketime ?? true) files.push(...(await libfaketimeFiles()));
  for (const dir of packageDirs) {
    const abs = resolve(opts.root, dir);
    const inImage = posix.join(imageAppDir, relative(base, abs).split(sep).join(posix.sep));
    const rels = await listFiles(abs, isPackageNoise);
    for (const rel of rels) {
      files.push({
        path: posix.join(inImage, rel),
        source: join(abs, rel),
        mode: 0o644,
        layer: 'packages',
      });
    }
  }
  // Only `type` matters at run time (ESM vs CJS for .ts/.js files); the rest would churn the hash.
  const rootPackage = JSON.parse(await readFile(join(opts.root, 'package.json'), 'utf8')) as {
    type?: string;
  };
  const packageJson = `${JSON.stringify({ name: opts.name.replaceAll('/', '-'), private: true, type: rootPackage.type ?? 'commonjs' })}\n`;
  const entry = posix.join(imageAppDir, opts.entry);
  const realEntry = posix.join(rootInImage, opts.entry);
  files.push({ path: posix.join(imageAppDir, 'package.json'), content: packageJson, layer: 'app' });
  if (rootInImage !== imageAppDir) {
    files.push({ path: posix.join(rootInImage, 'package.json'), content: packageJson, layer: 'app' });
    files.push({ path: entry, content: `import 'file://${realEntry}';\n`, layer: 'app' });
  }
  for (const rel of appFiles) {
    files.push({
      path: posix.join(rootInImage, rel),
      source: join(opts.root, rel),
      mode: 0o644,
      layer: 'app',
    });
  }
  return {
    name: opts.name,
    files,
    dirs: [
      { path: '/tmp', mode: 0o1777, ownedByUser: true },
      { path: imageDataDir, mode: 0o755, ownedByUser: true },
    ],
    entrypoint: [imageNodePath, entry],
    workdir: imageAppDir,
    env: { NODE_ENV: 'production', ...opts.env },
  };
}
