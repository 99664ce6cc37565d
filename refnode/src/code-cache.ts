/**
 * refnode's bundle as one CommonJS script run through `vm.Script`, with a V8 code cache taken
 * from a warm node. Node's own compile cache (`module.enableCompileCache`) keeps what V8
 * compiles when a module loads: the top level. Most functions compile lazily, on their first
 * call, again in every process, and a node's boot and first connections call thousands of
 * them (noise, yamux, identify, gossipsub, protobuf). A script's `createCachedData()` taken
 * after it ran holds every function compiled by then, so the next process deserializes them
 * instead (bench/README.md, "core").
 *
 * Two files per bundle version, in `$NODE_COMPILE_CACHE/refnode` (default
 * `os.tmpdir()/node-compile-cache/refnode`, beside Node's own cache): `load` is written right
 * after the first compile (the top level, what Node's cache would hold), `warm` when the node
 * says it is warm (see `CliHooks.warm`). A start reads `warm` if there is one, else `load`. V8
 * rejects a cache made by another Node version or with other V8 flags; the script is then
 * compiled anew and the cache written again.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** Which cache a start used: a warm node's, the top level's, one V8 rejected, or none. */
export type CodeCacheUse = 'warm' | 'load' | 'rejected' | 'none';

/** A CommonJS file run with a code cache. */
export interface CachedScript {
  /** The file's `module.exports`. */
  readonly exports: unknown;
  /** Which cache this start used. */
  readonly used: CodeCacheUse;
  /**
   * Writes the warm cache (every function V8 has compiled so far) unless this start used one;
   * once per process. Resolves to whether it wrote.
   */
  saveWarm(): Promise<boolean>;
}

/** Cache files not written for this long belong to bundles long gone: removed when writing. */
const STALE_MS = 24 * 3600 * 1000;

/** Where the caches live: `$NODE_COMPILE_CACHE/refnode`, else `os.tmpdir()/node-compile-cache/refnode`. */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.NODE_COMPILE_CACHE || join(tmpdir(), 'node-compile-cache'), 'refnode');
}

/**
 * Runs `file` (CommonJS) as Node would, compiled with the best cache in `dir`; writes the
 * `load` cache at once when there was none. Throws what reading or running the file throws;
 * a cache that cannot be read or written only costs the compile.
 *
 * @example
 * const refnode = runCachedCommonJs(join(import.meta.dirname, 'refnode.cjs'), codeCacheDir());
 * (refnode.exports as { main(): void }).main();
 */
export function runCachedCommonJs(file: string, dir: string): CachedScript {
  const source = readFileSync(file, 'utf8');
  const { size, mtimeMs } = statSync(file);
  // A rebuilt bundle gets new files, and V8 checks only the source's length: the key holds
  // the file's size and time (hashing 2 MB would cost ~9 ms of every boot) and Node's version.
  const prefix = `${basename(file)}-`;
  const key = `${prefix}${process.version}-${process.arch}-${size}-${Math.round(mtimeMs)}`;
  const paths = { warm: join(dir, `${key}.warm.v8`), load: join(dir, `${key}.load.v8`) };
  const found = readFirst([
    ['warm', paths.warm],
    ['load', paths.load],
  ]);
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(found === undefined ? {} : { cachedData: found.data }),
  });
  const used: CodeCacheUse =
    found === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : found.kind;
  // The top level's cache is taken before the script runs, as Node takes its own.
  if (used === 'none' || used === 'rejected') void write(dir, paths.load, script, prefix);
  const module = { exports: {} as unknown };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  let saved = false;
  return {
    get exports() {
      return module.exports;
    },
    used,
    saveWarm: async () => {
      if (saved || used === 'warm') return false;
      saved = true;
      return write(dir, paths.warm, script, prefix);
    },
  };
}

function readFirst(candidates: [kind: 'warm' | 'load', path: string][]) {
  for (const [kind, path] of candidates) {
    try {
      return { kind, data: readFileSync(path) };
    } catch {}
  }
  return undefined;
}

/** Writes the script's cache to `path` (a temp file renamed, so a reader never sees half). */
async function write(dir: string, path: string, script: Script, prefix: string): Promise<boolean> {
  try {
    mkdirSync(dir, { recursive: true });
    const temp = `${path}.${process.pid}.tmp`;
    await writeFile(temp, script.createCachedData());
    await rename(temp, path);
    removeStale(dir, prefix);
    return true;
  } catch {
    return false;
  }
}

function removeStale(dir: string, prefix: string): void {
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix)) continue;
    const path = join(dir, name);
    try {
      if (now - statSync(path).mtimeMs > STALE_MS) rmSync(path, { force: true });
    } catch {}
  }
}
