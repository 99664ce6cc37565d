/**
 * The image builder against the real engine: a cold build, then the same inputs are a
 * cache hit; any changed input is a new tag. Recipe scanning is checked on refnode itself.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeNeeding, dockerRequirementOf } from '../../../test/requirements.ts';
import { ConfigError } from '../../support/errors.ts';
import { LIBFAKETIME_PATH } from '../faketime.ts';
import { dockerAvailability } from './docker-client.ts';
import { buildImage, imageTag, removeImage } from './image.ts';
import type { ImageRecipe } from './image-recipe.ts';
import { nodeAppImage } from './node-app-image.ts';
import { imageNodePath, nodeRuntimeFiles } from './node-runtime-files.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const docker = await dockerAvailability();

function dockerode() {
  if (!docker.available) throw new Error('no Docker engine');
  return docker.client.container.dockerode;
}

async function probeRecipe(nonce: string): Promise<ImageRecipe> {
  return {
    name: 'chainlab/image-test',
    files: [...(await nodeRuntimeFiles()), { path: '/app/nonce.txt', content: nonce }],
    entrypoint: [imageNodePath, '-e', 'console.log(require("fs").readFileSync("/app/nonce.txt","utf8"))'],
  };
}

describe('image recipe', () => {
  it('rejects a bad recipe naming every problem', async () => {
    const bad: ImageRecipe = {
      name: 'Bad Name',
      files: [{ path: 'relative', content: 'x' }],
      entrypoint: [],
    };
    const error = await imageTag(bad).catch((e: unknown) => e);
    expect(ConfigError.is(error)).toBe(true);
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual(['name', 'entrypoint', 'files[0].path']);
  });

  it('tags by content: same inputs give the same tag, one changed byte a new one', async () => {
    const a = await imageTag(await probeRecipe('one'));
    const b = await imageTag(await probeRecipe('one'));
    const c = await imageTag(await probeRecipe('onf'));
    expect(a.tag).toBe(b.tag);
    expect(c.tag).not.toBe(a.tag);
    expect(a.tag).toMatch(/^chainlab\/image-test:[0-9a-f]{16}$/);
  });

  it('packages refnode with only the npm packages it imports, and no test files', async () => {
    const recipe = await nodeAppImage({
      name: 'chainlab/refnode',
      root: repoRoot,
      include: ['refnode'],
      entry: 'refnode/main.ts',
    });
    const paths = recipe.files.map((f) => f.path);
    expect(paths).toContain('/app/refnode/main.ts');
    expect(paths).toContain('/app/node_modules/libp2p/package.json');
    expect(paths).toContain(imageNodePath);
    // the multi-threaded build is the one chainlab preloads
    expect(paths).toContain(LIBFAKETIME_PATH);
    expect(paths.some((p) => p.startsWith('/app/refnode/') && p.endsWith('.test.ts'))).toBe(false);
    // chainlab's own dependencies that refnode never imports stay out
    expect(paths.some((p) => p.startsWith('/app/node_modules/testcontainers/'))).toBe(false);
    expect(paths.some((p) => p.startsWith('/app/node_modules/vitest/'))).toBe(false);
    expect(recipe.entrypoint).toEqual([imageNodePath, '/app/refnode/main.ts']);
  });
});

describeNeeding(dockerRequirementOf(docker), 'image build', () => {
  it('builds cold once, then the same recipe is a cache hit', async () => {
    // a fresh nonce makes the first build cold whatever ran before
    const recipe = await probeRecipe(randomBytes(8).toString('hex'));
    const cold = await buildImage(recipe);
    try {
      const cached = await buildImage(recipe);
      expect(cold.cached).toBe(false);
      expect(cached.cached).toBe(true);
      expect(cached.tag).toBe(cold.tag);
      // a hit is an inspect plus hashing (memoised per file), far below a build
      expect(cached.durationMs).toBeLessThan(cold.durationMs / 2);
      const inspect = await dockerode().getImage(cold.tag).inspect();
      expect(inspect.Config.User).toBe('1000:1000');
      expect(inspect.Config.Labels?.['chainlab.hash']).toBe(cold.hash);
    } finally {
      await removeImage(cold.tag);
    }
    const again = await dockerode()
      .getImage(cold.tag)
      .inspect()
      .then(() => 'present')
      .catch(() => 'absent');
    expect(again).toBe('absent');
  });
});
