/**
 * Turns an adapter's `ImageSpec` into a local image tag: builds a Node program image or a
 * native program image from its recipe (cached by content hash), builds a Dockerfile when
 * its tag is missing, or checks that a named image exists. Nothing is ever pulled.
 */
import { GenericContainer, ImageName } from 'testcontainers';
import type { ImageSpec } from '../../adapter/types.ts';
import { ChainlabError } from '../../support/errors.ts';
import { dockerClient } from './docker-client.ts';
import { buildImage } from './image.ts';
import { nativeBinaryImage } from './native-binary-image.ts';
import { nodeAppImage } from './node-app-image.ts';

const resolved = new Map<string, Promise<string>>();

async function exists(tag: string): Promise<boolean> {
  const client = await dockerClient();
  return client.image
    .inspect(ImageName.fromString(tag))
    .then(() => true)
    .catch(() => false);
}

async function resolve(spec: ImageSpec, log: (line: string) => void): Promise<string> {
  if (spec.nodeApp !== undefined) {
    const recipe = await nodeAppImage({ name: spec.name, ...spec.nodeApp });
    return (await buildImage(recipe, { log })).tag;
  }
  if (spec.nativeBinary !== undefined) {
    const recipe = await nativeBinaryImage({ name: spec.name, ...spec.nativeBinary });
    return (await buildImage(recipe, { log })).tag;
  }
  if (await exists(spec.name)) return spec.name;
  if (spec.build !== undefined) {
    log(`building image ${spec.name} from ${spec.build.dockerfile}`);
    await GenericContainer.fromDockerfile(spec.build.context, spec.build.dockerfile).build(spec.name, {
      deleteOnExit: false,
    });
    return spec.name;
  }
  throw new ChainlabError(
    `image ${spec.name} is not in the local Docker engine and chainlab never pulls; ` +
      'build it first, or give the adapter an image with `nodeApp`, `nativeBinary` or `build`',
  );
}

/** The local tag of `spec`'s image, built if needed (once per process per spec). */
export function resolveImage(spec: ImageSpec, log: (line: string) => void = () => {}): Promise<string> {
  const key = JSON.stringify(spec);
  let tag = resolved.get(key);
  if (tag === undefined) {
    tag = resolve(spec, log);
    resolved.set(key, tag);
    // a failed build may succeed later (files fixed); do not cache the failure
    tag.catch(() => resolved.delete(key));
  }
  return tag;
}
