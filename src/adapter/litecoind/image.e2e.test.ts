/**
 * litecoind's FROM scratch image, built from the Debian binary and its libraries the way
 * the docker deployer builds it (the adapter's `ImageSpec` through `resolveImage`): a
 * container of it runs regtest as a non-root user and answers RPC on a port published on
 * 127.0.0.1 only.
 */
import { Wait } from 'testcontainers';
import { describe, expect, it } from 'vitest';
import { acquireRun } from '../../cluster/cleanup/run.ts';
import { dockerAvailability } from '../../deployers/docker/docker-client.ts';
import { resourceLabels } from '../../deployers/docker/labels.ts';
import { nativeBinaryImage } from '../../deployers/docker/native-binary-image.ts';
import { imageDataDir } from '../../deployers/docker/node-app-image.ts';
import { NodeContainer } from '../../deployers/docker/node-container.ts';
import { sharedLibraries } from '../../deployers/docker/node-runtime-files.ts';
import { resolveImage } from '../../deployers/docker/resolve-image.ts';
import { LIBFAKETIME_PATH } from '../../deployers/faketime.ts';
import { freePorts } from '../../deployers/local/free-port.ts';
import { litecoindBinary } from './binary.ts';
import { LitecoindClient } from './client.ts';
import { emittedSupply } from './emission.ts';
import { litecoindImageName, litecoindImagePath, litecoindImageSpec } from './image-spec.ts';
import { litecoindArgs } from './launch.ts';
import { litecoindHealthPath, waitForRpc } from './readiness.ts';
import { rpcCredentials } from './rpc-auth.ts';

const docker = await dockerAvailability();
if (!docker.available) console.warn(`litecoind image tests SKIPPED: ${docker.reason}`);

describe('litecoind image', () => {
  it('holds the daemon, exactly the libraries ldd lists, libfaketime, and no shell', async () => {
    const { nativeBinary } = litecoindImageSpec(litecoindBinary());
    const recipe = await nativeBinaryImage({ name: litecoindImageName, ...nativeBinary! });
    const paths = recipe.files.map((f) => f.path);
    expect(paths).toContain(litecoindImagePath);
    for (const lib of await sharedLibraries(litecoindBinary())) expect(paths).toContain(lib);
    expect(paths).toContain(LIBFAKETIME_PATH);
    expect(paths.some((p) => /\/(sh|bash|busybox)$/.test(p))).toBe(false);
    expect(recipe.entrypoint).toEqual([litecoindImagePath]);
  });

  it.skipIf(!docker.available)(
    'runs regtest as a non-root user and answers RPC on 127.0.0.1 only',
    async () => {
      const tag = await resolveImage(litecoindImageSpec(litecoindBinary()));
      expect(tag).toMatch(/^chainlab\/litecoind:[0-9a-f]{16}$/);
      const run = await acquireRun();
      const credentials = rpcCredentials();
      const [hostRpc, hostP2p] = await freePorts(2);
      const args = litecoindArgs(
        { bindHost: '0.0.0.0', apiPort: 19443, p2pPort: 19444, dataDir: imageDataDir, peers: [] },
        { credentials },
      );
      // the engine's default wait runs a shell in the container; a scratch image has none,
      // so readiness is the REST health path through the published port
      const container = await new NodeContainer(tag)
        .withCommand(args)
        .withLoopbackPorts({ container: 19443, host: hostRpc! }, { container: 19444, host: hostP2p! })
        .withLabels(resourceLabels(run.id, 'smoke', { node: 'ltc-image' }))
        .withWaitStrategy(Wait.forHttp(litecoindHealthPath, 19443).forStatusCode(200))
        .withStartupTimeout(60_000)
        .start()
        .catch(async (error: unknown) => {
          await run.release();
          throw error;
        });
      const client = new LitecoindClient(`http://127.0.0.1:${hostRpc}`, credentials);
      try {
        await waitForRpc(client, { timeoutMs: 30_000 });
        const info = await client.info();
        expect(info).toMatchObject({ chain: 'regtest', height: 0 });
        await client.rpc.call('createwallet', { wallet_name: 'w' });
        const address = String(await client.rpc.call('getnewaddress', [], { wallet: 'w' }));
        await client.generateToAddress(3, address);
        expect((await client.utxoTotal()).total).toBe(emittedSupply(3));

        if (!docker.available) throw new Error('unreachable: the test is skipped without Docker');
        const handle = docker.client.container.dockerode.getContainer(container.getId());
        const inspect = await handle.inspect();
        expect(inspect.Config.User).toBe('1000:1000');
        const bindings = Object.values(inspect.HostConfig.PortBindings ?? {}).flat() as { HostIp: string }[];
        expect(bindings.map((b) => b.HostIp)).toEqual(['127.0.0.1', '127.0.0.1']);
        const top = await handle.top({ ps_args: '-o pid,uid,comm' });
        expect((top.Processes as string[][]).map((row) => [row[1], row[2]])).toEqual([['1000', 'litecoind']]);
      } finally {
        await client.close();
        await container.stop({ timeout: 10_000, remove: true });
        await run.release();
      }
    },
    120_000,
  );
});
