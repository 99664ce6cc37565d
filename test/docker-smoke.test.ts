/**
 * Docker smoke test: the toolchain's own Node 24 binary, with only the shared libraries
 * `ldd` lists, runs in a `FROM scratch` image as a non-root user. Without a Docker engine it
 * is skipped locally and fails in CI (test/requirements.ts).
 */
import { createHash } from 'node:crypto';
import { text } from 'node:stream/consumers';
import { GenericContainer, Wait } from 'testcontainers';
import { expect, it } from 'vitest';
import { dockerAvailability } from '../src/deployers/docker/docker-client.ts';
import { buildImage, removeImage } from '../src/deployers/docker/image.ts';
import type { ImageRecipe } from '../src/deployers/docker/image-recipe.ts';
import { imageNodePath, nodeRuntimeFiles } from '../src/deployers/docker/node-runtime-files.ts';
import { describeNeeding, dockerRequirementOf } from './requirements.ts';

const docker = await dockerAvailability();

// The script proves a real Node ran inside: its version, crypto from its bundled OpenSSL,
// the user it runs as (from the image's /etc/passwd) and a writable /tmp.
const script = `
import { createHash } from 'node:crypto';
import { writeFileSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
const input = process.argv[2];
writeFileSync('/tmp/probe', input);
console.log(JSON.stringify({
  version: process.version,
  digest: createHash('sha256').update(readFileSync('/tmp/probe')).digest('hex'),
  sum: Array.from({ length: 1000 }, (_, i) => i + 1).reduce((a, b) => a + b, 0),
  uid: process.getuid(),
  user: userInfo().username,
}));
`;

describeNeeding(dockerRequirementOf(docker), 'docker smoke', () => {
  it('runs the toolchain Node 24 in a FROM scratch image and prints computed values', async () => {
    const recipe: ImageRecipe = {
      name: 'chainlab/smoke',
      files: [...(await nodeRuntimeFiles()), { path: '/app/smoke.mjs', content: script }],
      dirs: [{ path: '/tmp', mode: 0o1777, ownedByUser: true }],
      entrypoint: [imageNodePath, '/app/smoke.mjs'],
      workdir: '/app',
    };
    const image = await buildImage(recipe);
    try {
      const input = `chainlab-${process.pid}`;
      const container = await new GenericContainer(image.tag)
        .withCommand([input])
        .withLabels({ 'chainlab.kind': 'smoke' })
        .withWaitStrategy(Wait.forOneShotStartup())
        .withStartupTimeout(60_000)
        .start();
      const output = await text(await container.logs());
      await container.stop();

      const line = output.split('\n').find((l) => l.startsWith('{'));
      expect(line, `container output:\n${output}`).toBeDefined();
      expect(JSON.parse(line!)).toEqual({
        version: process.version,
        digest: createHash('sha256').update(input).digest('hex'),
        sum: 500_500,
        uid: 1000,
        user: 'chainlab',
      });
    } finally {
      await removeImage(image.tag);
    }
  });
});
