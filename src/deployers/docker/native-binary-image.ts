/**
 * The recipe of a `FROM scratch` image that runs one native (ELF) program: the binary and
 * the libraries `ldd` lists for it, libfaketime for clock-skew faults, a non-root user, a
 * data dir owned by that user and a `/tmp`. The sibling of `nodeAppImage` for chains
 * whose node is a compiled daemon (litecoind, bitcoind, …); `buildImage` builds both.
 */
import { basename, posix } from 'node:path';
import type { ImageRecipe } from './image-recipe.ts';
import { imageDataDir } from './node-app-image.ts';
import { binaryFiles, libfaketimeFiles } from './node-runtime-files.ts';

/** Options of {@link nativeBinaryImage}. */
export interface NativeBinaryImageOptions {
  /** Image name, e.g. `chainlab/litecoind`. */
  name: string;
  /** Host path of the program, e.g. `/usr/bin/litecoind`. */
  binary: string;
  /** Path inside the image; default `/usr/local/bin/<basename>`. */
  imagePath?: string;
  /** Add libfaketime for clock-skew faults; default true. */
  faketime?: boolean;
  /** Default arguments after the binary; default none. */
  cmd?: readonly string[];
  /** Extra environment; default none. */
  env?: Readonly<Record<string, string>>;
}

/**
 * Describes the image of a native program. Build it with `buildImage`; the tag is a hash
 * of the binary, its libraries and everything else in the recipe.
 *
 * @example
 * const recipe = await nativeBinaryImage({ name: 'chainlab/litecoind', binary: '/usr/bin/litecoind' });
 * const { tag } = await buildImage(recipe);
 */
export async function nativeBinaryImage(opts: NativeBinaryImageOptions): Promise<ImageRecipe> {
  const imagePath = opts.imagePath ?? posix.join('/usr/local/bin', basename(opts.binary));
  const files = await binaryFiles(opts.binary, imagePath);
  if (opts.faketime ?? true) files.push(...(await libfaketimeFiles()));
  return {
    name: opts.name,
    files,
    dirs: [
      { path: '/tmp', mode: 0o1777, ownedByUser: true },
      { path: imageDataDir, mode: 0o755, ownedByUser: true },
    ],
    entrypoint: [imagePath],
    ...(opts.cmd === undefined ? {} : { cmd: opts.cmd }),
    workdir: imageDataDir,
    ...(opts.env === undefined ? {} : { env: opts.env }),
  };
}
