/**
 * refnode's bundle as one CommonJS script run through `vm.Script`, with a V8 code cache taken
 * from a node that ran. Node's own compile cache (`module.enableCompileCache`) keeps what V8
 * compiles when a module loads: the top level. Most functions compile lazily, on their first
 * call, again in every process, and a node's boot and first connections call thousands of
 * them (noise, yamux, identify, gossipsub, protobuf). A script's `createCachedData()` taken
 * after it ran holds every function compiled by then, so the next process deserializes them
 * instead (bench/README.md, "core").
 *
 * Two files per bundle version, in `$NODE_COMPILE_CACHE/refnode` (default
 * `os.tmpdir()/node-compile-cache/refnode`, beside Node's own cache): `boot`, written when a
 * start that found none has booted (see `CliHooks.ready`), and `warm`, when it is warm (see
 * `CliHooks.warm`). A start reads `warm` if there is one, else `boot`. V8 rejects a cache made
 * by another Node version or with other V8 flags; the script is then compiled anew and the
 * cache written again.
 */
import { hash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** Which cache a start used: a warm node's, a booted one's, one V8 rejected, or none. */
export type CodeCacheUse = 'warm' | 'boot' | 'rejected' | 'none';

/** A CommonJS file run with a code cache. */
export interface CachedScript {
  /** The file's `module.exports`. */
  readonly exports: unknown;
  /** Which cache this start used. */
  readonly used: CodeCacheUse;
  /**
   * Writes the boot cache (every function V8 has compiled so far) if this start found no cache
   * V8 took; once per process. Returns whether it wrote.
   */
  saveBoot(): boolean;
  /**
   * Writes the warm cache unless this start used one, and removes cache files of bundles long
   * gone; once per process. Returns whether it wrote.
   */
  saveWarm(): boolean;
}

/** Cache files not written for this long belong to bundles long gone: removed when writing. */
const STALE_MS = 24 * 3600 * 1000;

/** Where the caches live: `$NODE_COMPILE_CACHE/refnode`, else `os.tmpdir()/node-compile-cache/refnode`. */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.NODE_COMPILE_CACHE || join(tmpdir(), 'node-compile-cache'), 'refnode');
}

/**
 * Runs `file` (CommonJS) as Node would, compiled with the best cache in `dir`. Throws what
 * reading or running the file throws; a cache that cannot be read or written only costs the
 * compile.
 *
 * @example
 * const app = runCachedCommonJs(join(import.meta.dirname, 'app.cjs'), codeCacheDir());
 * (app.exports as { main(): void }).main();
 * app.saveBoot();
 */
export function runCachedCommonJs(file: string, dir: string): CachedScript {
  const bytes = readFileSync(file);
  const source = bytes.toString('utf8');
  const paths = codeCacheFiles(file, bytes, dir);
  const prefix = `${basename(file)}-`;
  const found = readFirst([
    ['warm', paths.warm],
    ['boot', paths.boot],
  ]);
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(found === undefined ? {} : { cachedData: found.data }),
  });
  const used: CodeCacheUse =
    found === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : found.kind;
  const module = { exports: {} as unknown };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  const saved = { boot: false, warm: false };
  return {
    get exports() {
      return module.exports;
    },
    used,
    saveBoot: () => {
      if (saved.boot || used === 'warm' || used === 'boot') return false;
      saved.boot = true;
      return write(dir, paths.boot, script);
    },
    saveWarm: () => {
      if (saved.warm || used === 'warm') return false;
      saved.warm = true;
      const wrote = write(dir, paths.warm, script);
      if (wrote) removeStale(dir, prefix);
      return wrote;
    },
  };
}

/**
 * The cache files of `file` (its bytes: `contents`) in `dir`, as the Node running this makes
 * them: a process of another Node version or architecture names other files.
 */
export function codeCacheFiles(
  file: string,
  contents: Uint8Array,
  dir: string,
): { warm: string; boot: string } {
  // V8 checks only the source's length: the name holds a hash of the bytes compiled (1–2 ms
  // for the 2 MB bundle; an installed package's files all carry npm's fixed modification time).
  const key = `${basename(file)}-${process.version}-${process.arch}-${hash('sha256', contents).slice(0, 16)}`;
  return { warm: join(dir, `${key}.warm.v8`), boot: join(dir, `${key}.boot.v8`) };
}

function readFirst(candidates: [kind: 'warm' | 'boot', path: string][]) {
  for (const [kind, path] of candidates) {
    try {
      return { kind, data: readFileSync(path) };
    } catch {}
  }
  return undefined;
}

/**
 * Writes the script's cache to `path` through a temp file and a rename, so a reader never sees
 * half of one. Synchronous: serializing the cache (`createCachedData`) is most of the cost and
 * blocks anyway, and the boot cache is written right after the ready line, before the node's
 * next work.
 */
function write(dir: string, path: string, script: Script): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, script.createCachedData());
    renameSync(temp, path);
    return true;
  } catch {
    return false;
  }
}

/** Removes `prefix` cache files not written for {@link STALE_MS}; never throws (it runs in a timer of a running node). */
function removeStale(dir: string, prefix: string): void {
  const now = Date.now();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const path = join(dir, name);
    try {
      if (now - statSync(path).mtimeMs > STALE_MS) rmSync(path, { force: true });
    } catch {}
  }
}
