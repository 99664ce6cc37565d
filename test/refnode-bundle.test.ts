/**
 * The refnode bundle the build writes (`dist/refnode/bundle/`) is what node processes start:
 * the cluster's nodes run it, serve, include txs, and verify signatures on their worker
 * threads (a bundle that lost the worker would fall back to the event loop without a word
 * but for the metrics checked here). A node's boot loads only what it uses: Node's bundled
 * undici (about 20 ms of a ~300 ms boot, bench/README.md "refnode boot") is never loaded. A
 * warm node writes the V8 code cache the next starts use (refnode/src/code-cache.ts).
 */
import { existsSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { expect, test } from 'vitest';
import { codeCacheDir, codeCacheFiles } from '../refnode/src/code-cache.ts';
import { writeGenesis } from '../refnode/test/cluster.ts';
import { refnodeEntry } from '../src/adapter/refnode/entry.ts';
import { Cluster } from '../src/cluster/cluster.ts';
import { dockerClient } from '../src/deployers/docker/docker-client.ts';
import { labelKeys } from '../src/deployers/docker/labels.ts';
import { transactions } from '../src/workloads/transactions.ts';
import { eventually, processesOfRun } from './helpers.ts';
import { describeNeeding, dockerRequirement } from './requirements.ts';

const bundle = join(import.meta.dirname, '..', 'dist', 'refnode', 'bundle', 'main.js');
const why = !existsSync(bundle)
  ? 'no refnode bundle: run npm run build (npm install does)'
  : refnodeEntry() !== bundle
    ? 'the refnode bundle is older than refnode/ (an edited refnode runs from its sources): run npm run build'
    : undefined;

describeNeeding({ what: 'a current refnode bundle', missing: why }, 'refnode bundle', () => {
  test('cluster nodes start from the bundle, include txs and verify on worker threads', async () => {
    await using cluster = await new Cluster({ validators: 2, wallets: 4, seed: 7 }).start();
    const commands = await Promise.all(
      (await processesOfRun(cluster.runId)).map((pid) =>
        readFile(`/proc/${pid}/cmdline`, 'utf8').then(
          (c) => c.split('\0'),
          (): string[] => [],
        ),
      ),
    );
    const nodes = commands.filter((argv) => argv.includes('run'));
    expect(nodes.map((argv) => argv.includes(bundle))).toEqual([true, true]);

    const load = await transactions({ rate: 20, users: 4, count: 20 }).start(cluster);
    await load.done;
    await expect(cluster).toIncludeAll(load, { within: 15_000 });
    for (const node of cluster.nodes) {
      const metric = async (name: string) => {
        const text = await (await fetch(`${node.apiUrl}/metrics`)).text();
        return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
      };
      // Every node verified gossiped txs too, so each started its worker.
      expect(await eventually(async () => (await metric('refnode_tx_verify_workers')) >= 1, 5000)).toBe(true);
      expect(await metric('refnode_tx_verify_worker_failures_total')).toBe(0);
    }
  });

  test('a node started from the bundle never loads Node’s bundled undici (fetch, WebSocket)', async () => {
    await using net = await writeGenesis({ validators: 1 });
    // A preload writes to the node's log, as the process exits, which of Node's own modules it loaded.
    const report = `process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(process.moduleLoadList) + '\\n'))`;
    const node = await net.start(0, [], {
      NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(report)}`,
    });
    await node.stop();
    // The node's stderr reaches its log file through a pipe, a moment after it exits.
    const logged = () => readFile(node.logFile, 'utf8');
    await eventually(async () => /^LOADED /m.test(await logged()), 5000);
    const log = await logged();
    const loaded = JSON.parse(/^LOADED (.*)$/m.exec(log)?.[1] ?? 'null') as string[] | null;
    expect(loaded, log).not.toBeNull();
    // The check can see a lazily loaded built-in module at all: node:http is one.
    expect(loaded!.some((m) => m.endsWith(' http'))).toBe(true);
    expect(loaded!.filter((m) => m.includes('undici'))).toEqual([]);
  });

  test('a node connected for a few seconds writes the code cache, and a restart starts with it', async () => {
    await using net = await writeGenesis({ validators: 2 });
    const env = { NODE_COMPILE_CACHE: join(net.dir, 'compile-cache') };
    const cacheDir = join(env.NODE_COMPILE_CACHE, 'refnode');
    const cacheFiles = () => (existsSync(cacheDir) ? readdirSync(cacheDir).sort() : []);
    const [first] = await Promise.all([net.start(0, [], env), net.start(1, [], env)]);
    expect(await codeCacheOfStart(first!.logFile, 1)).toBe('none');
    // Written 3 s after the first peer connected, beside the boot cache written at ready.
    const warm = await eventually(async () => cacheFiles().some((f) => f.endsWith('.warm.v8')), 15_000);
    expect(warm, `cache files: ${cacheFiles().join(', ')}`).toBe(true);
    expect(cacheFiles().filter((f) => f.endsWith('.v8'))).toEqual([
      expect.stringMatching(/^refnode\.cjs-.*\.boot\.v8$/),
      expect.stringMatching(/^refnode\.cjs-.*\.warm\.v8$/),
    ]);
    await first!.stop();
    const again = await net.start(0, [], env);
    expect(await codeCacheOfStart(again.logFile, 2)).toBe('warm');
  });
});

const docker =
  why === undefined ? await dockerRequirement() : { what: 'a current refnode bundle', missing: why };
describeNeeding(docker, 'refnode bundle on docker', () => {
  test('containers start with the code cache local nodes wrote (same bundle, same Node)', async () => {
    // The warm cache of this very bundle, named as the nodes name it.
    const script = join(dirname(bundle), 'refnode.cjs');
    const { warm } = codeCacheFiles(script, readFileSync(script), codeCacheDir());
    const warmCache = () => existsSync(warm);
    if (!warmCache()) {
      // Any local cluster connected for 3 s writes it; this one runs until it has.
      const local = await new Cluster({ validators: 2, wallets: 2, name: 'code-cache-local' }).start();
      try {
        const written = await eventually(async () => warmCache(), 15_000);
        expect(written, `${warm} written`).toBe(true);
      } finally {
        await local.dispose();
      }
    }
    await using cluster = await new Cluster({
      validators: 2,
      wallets: 2,
      deployer: 'docker',
      name: 'code-cache-docker',
    }).start();
    for (const node of cluster.nodes) {
      expect(await codeCacheOfStart(node.logFile!, 1), `${node.name}'s startup line`).toBe('warm');
    }
    // Mounted read-only from the cluster's own copy, not put into each container.
    const { dockerode } = (await dockerClient()).container;
    const [listed] = await dockerode.listContainers({
      filters: { label: [`${labelKeys.run}=${cluster.runId}`, `${labelKeys.node}=val-0`] },
    });
    const mounts = (await dockerode.getContainer(listed!.Id).inspect()).Mounts;
    const cacheMount = mounts.find((m) => m.Destination.endsWith(basename(warm)));
    expect(cacheMount, JSON.stringify(mounts)).toMatchObject({ Type: 'bind', RW: false });
    expect(cacheMount!.Source).not.toBe(warm);
    // A container started again needs its mount source: the copy outlives the original.
    const moved = `${warm}.moved-by-test`;
    renameSync(warm, moved);
    try {
      await cluster.node('val-0').restart();
      expect(await codeCacheOfStart(cluster.node('val-0').logFile!, 2), 'val-0 started again').toBe('warm');
    } finally {
      renameSync(moved, warm);
    }
  });
});

/**
 * Which code cache a node's `nth` start used (1: its first), from that start's startup line in
 * its log. refnode logs that line after it serves and the log reaches its file through a pipe,
 * so a node can be ready before the line is there: this waits up to 10 s for it (undefined if
 * it never comes).
 */
async function codeCacheOfStart(logFile: string, nth: number): Promise<string | undefined> {
  let startups: string[] = [];
  await eventually(async () => {
    startups = (await readFile(logFile, 'utf8')).split('\n').filter((line) => line.includes('"startup"'));
    return startups.length >= nth;
  }, 10_000);
  const line = startups[nth - 1];
  return line === undefined
    ? undefined
    : (JSON.parse(line) as { startup: { codeCache?: string } }).startup.codeCache;
}
