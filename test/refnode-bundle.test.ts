/**
 * The refnode bundle the build writes (`dist/refnode/bundle/`) is what node processes start:
 * the cluster's nodes run it, serve, include txs, and verify signatures on their worker
 * threads (a bundle that lost the worker would fall back to the event loop without a word
 * but for the metrics checked here).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { refnodeEntry } from '../src/adapter/refnode/entry.ts';
import { Cluster } from '../src/cluster/cluster.ts';
import { transactions } from '../src/workloads/transactions.ts';
import { eventually, processesOfRun } from './helpers.ts';
import { describeNeeding } from './requirements.ts';

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
});
