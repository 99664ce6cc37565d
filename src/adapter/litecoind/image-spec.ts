/**
 * litecoind's container image as the docker deployer builds it: a `FROM scratch` image of
 * the host's daemon and the libraries `ldd` lists (`ImageSpec.nativeBinary`), tagged by a
 * hash of its content. Plain data: building it is the deployer's job.
 */
import type { ImageSpec } from '../types.ts';

/** Name of the image (the tag is the content hash). */
export const litecoindImageName = 'chainlab/litecoind';

/** Where the daemon sits in the image. */
export const litecoindImagePath = '/usr/local/bin/litecoind';

/**
 * The image of the daemon `binary` (an ELF file; see `litecoindBinary()`).
 *
 * @example
 * litecoindImageSpec('/usr/lib/litecoin/litecoind') // { name: 'chainlab/litecoind', nativeBinary: { … } }
 */
export function litecoindImageSpec(binary: string): ImageSpec {
  return { name: litecoindImageName, nativeBinary: { binary, imagePath: litecoindImagePath } };
}
