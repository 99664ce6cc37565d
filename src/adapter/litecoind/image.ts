/**
 * litecoind's container image: the Debian package's daemon and its libraries in a
 * `FROM scratch` image (plus libfaketime, a non-root user and `/data`), tagged by a hash
 * of its content, built locally and never pulled.
 */
import { type BuildImageOptions, type BuiltImage, buildImage } from '../../deployers/docker/image.ts';
import type { ImageRecipe } from '../../deployers/docker/image-recipe.ts';
import { nativeBinaryImage } from '../../deployers/docker/native-binary-image.ts';
import { imageDataDir } from '../../deployers/docker/node-app-image.ts';
import { litecoindBinary } from './binary.ts';
import { litecoindImageName, litecoindImagePath } from './image-spec.ts';

export { litecoindImageName, litecoindImagePath } from './image-spec.ts';

/** Data dir in the image, owned by the image's user (mount a volume here). */
export const litecoindImageDataDir = imageDataDir;

/**
 * The image recipe from the host's daemon `binary` (default: `litecoindBinary()`).
 *
 * @example
 * const recipe = await litecoindImageRecipe();
 */
export function litecoindImageRecipe(binary = litecoindBinary()): Promise<ImageRecipe> {
  return nativeBinaryImage({ name: litecoindImageName, binary, imagePath: litecoindImagePath });
}

/**
 * Builds the image unless one with the same content hash exists.
 *
 * @example
 * const { tag } = await buildLitecoindImage(); // chainlab/litecoind:3f2a…
 */
export async function buildLitecoindImage(
  opts: BuildImageOptions & { binary?: string } = {},
): Promise<BuiltImage> {
  const { binary, ...build } = opts;
  return buildImage(await litecoindImageRecipe(binary), build);
}
