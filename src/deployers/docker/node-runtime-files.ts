/**
 * The files a `FROM scratch` image needs to run Node: the binary, the shared libraries the
 * dynamic loader will ask for (as `ldd` lists them, at the same paths) and the loader itself.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { ChainlabError } from '../../support/errors.ts';
import { LIBFAKETIME_PATH } from '../faketime.ts';
import type { ImageFile } from './image-recipe.ts';

const execFileAsync = promisify(execFile);

/** Where chainlab puts the Node binary inside its images. */
export const imageNodePath = '/usr/local/bin/node';

/**
 * Where libfaketime's plain build sits on Debian (and, copied, inside chainlab's images). chainlab
 * preloads the multi-threaded build (`LIBFAKETIME_PATH`; faketime.ts says why); images carry both.
 */
export const libfaketimePath = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

/**
 * The toolchain's Node 24 binary: the running one when it is Node ≥ 24 (npm scripts put the
 * `node` package's binary first on PATH), else the `node` package's binary.
 */
export function toolchainNodeBinary(): string {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 24) return process.execPath;
  return createRequire(import.meta.url).resolve('node/bin/node');
}

/** Absolute paths of the shared libraries and loader `ldd` lists for `binary`. */
export async function sharedLibraries(binary: string): Promise<string[]> {
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync('ldd', [binary]));
  } catch (error) {
    throw new ChainlabError(
      `cannot list the shared libraries of ${binary} with ldd; a FROM scratch image needs them`,
      { cause: error },
    );
  }
  const libs: string[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('linux-vdso') || line.includes('statically linked')) continue;
    if (line.includes('=> not found')) {
      throw new ChainlabError(`ldd: ${binary} needs ${line.split(' ')[0]}, which is not installed`);
    }
    // `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)` or `/lib64/ld-linux-x86-64.so.2 (0x…)`
    const match = /=>\s+(\S+)\s+\(/.exec(line) ?? /^(\/\S+)\s+\(/.exec(line);
    if (match?.[1] !== undefined) libs.push(match[1]);
  }
  return libs;
}

/** Image files for one host binary: the binary at `imagePath` plus its libraries at their host paths. */
export async function binaryFiles(
  binary: string,
  imagePath: string,
  layer = 'runtime',
): Promise<ImageFile[]> {
  const libs = await sharedLibraries(binary);
  return [
    { path: imagePath, source: binary, mode: 0o755, layer },
    ...libs.map((lib) => ({ path: lib, source: lib, mode: 0o755, layer })),
  ];
}

/** Node 24 (at {@link imageNodePath}) and its libraries. */
export function nodeRuntimeFiles(binary = toolchainNodeBinary()): Promise<ImageFile[]> {
  return binaryFiles(binary, imageNodePath);
}

/**
 * libfaketime (single- and multi-threaded) and its own libraries, for clock-skew faults
 * through `LD_PRELOAD`. Throws when libfaketime is not installed on the host.
 */
export async function libfaketimeFiles(): Promise<ImageFile[]> {
  const files: ImageFile[] = [];
  for (const lib of [libfaketimePath, LIBFAKETIME_PATH]) {
    files.push(...(await binaryFiles(lib, lib)));
  }
  return files;
}
