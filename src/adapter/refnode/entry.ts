/**
 * Where refnode's code is, as this chainlab runs it. chainlab runs either from its
 * repository (TypeScript, type-stripped by Node) or from an installed package (compiled to
 * `dist/`, because Node does not strip types under node_modules). Both trees have the same
 * shape, so refnode sits at the same place relative to this module, with the extension this
 * module has. The build also bundles refnode into `dist/refnode/bundle/`, which boots in a
 * fraction of the time (one file to load instead of ~450 modules); processes start the
 * bundle whenever it is there and not older than refnode's sources.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** True when this chainlab runs from compiled JavaScript (an installed package). */
export const compiled = import.meta.url.endsWith('.js');
/** The dir holding `src/` and `refnode/`: the repository root, or the package's `dist/`. */
export const codeRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** The dir with chainlab's package.json, from where refnode's packages are resolved. */
export const packageRoot = compiled ? dirname(codeRoot) : codeRoot;

/**
 * refnode's unbundled entry file: `<repo>/refnode/main.ts` in the repository,
 * `<package>/dist/refnode/main.js` when installed. Containers start this one (the image
 * carries refnode's packages).
 */
export function refnodeModuleEntry(): string {
  return join(codeRoot, 'refnode', compiled ? 'main.js' : 'main.ts');
}

/** The bundle the build writes: inside `dist/` installed, under the repository's `dist/` here. */
const bundleEntry = compiled
  ? join(codeRoot, 'refnode', 'bundle', 'main.js')
  : join(codeRoot, 'dist', 'refnode', 'bundle', 'main.js');

let chosen: string | undefined;

/**
 * refnode's entry file for a node process: the bundle (`dist/refnode/bundle/main.js`) when
 * the build made one and, in the repository, no refnode source is newer than it (an edited
 * refnode runs from its sources until the next `npm run build`); else
 * {@link refnodeModuleEntry}. Chosen once per process.
 *
 * @example
 * spawn(process.execPath, [refnodeEntry(), 'genesis', '--validators', '3', '--out', dir]);
 */
export function refnodeEntry(): string {
  chosen ??= bundleIsCurrent() ? bundleEntry : refnodeModuleEntry();
  return chosen;
}

function bundleIsCurrent(): boolean {
  if (!existsSync(bundleEntry)) return false;
  if (compiled) return true;
  const built = statSync(bundleEntry).mtimeMs;
  const sources = [
    join(codeRoot, 'refnode', 'main.ts'),
    ...readdirSync(join(codeRoot, 'refnode', 'src'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => join(codeRoot, 'refnode', 'src', f)),
  ];
  return sources.every((file) => statSync(file).mtimeMs <= built);
}
