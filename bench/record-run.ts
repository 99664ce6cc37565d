/**
 * Records a real run to render reports from: a local 4-validator + 2-executor refnode
 * cluster (slot 200 ms, f 0.5) under a transfer workload, with a random validator restarted
 * every 60–120 s, for `--minutes`; writes the recording (and the ready-made report beside
 * it) to `--out`. Run it under `cluster-slot`: it holds a cluster for the whole duration.
 *
 *   cluster-slot npx node bench/record-run.ts --minutes 30 --out /tmp/chainlab-30min/recording.json
 */
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { restarts } from '../src/chaos/node-faults.ts';
import { Cluster } from '../src/cluster/cluster.ts';
import { writeHtmlReport } from '../src/observe/html-report/html-report.ts';
import { systemClock } from '../src/support/clock.ts';
import { transactions } from '../src/workloads/transactions.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    rate: { type: 'string', default: '10' },
    out: { type: 'string', default: join('/tmp', 'chainlab-recorded-run', 'recording.json') },
  },
});
const minutes = Number(values.minutes);
const out = values.out;

await using cluster = await new Cluster({
  validators: 4,
  executors: 2,
  wallets: 50,
  name: 'recorded-run',
}).start();
const load = await transactions({ rate: Number(values.rate), users: 50 }).start(cluster);
const chaos = await restarts({
  targets: 'validators',
  minDelay: 60_000,
  maxDelay: 120_000,
  targetCooldown: 120_000,
}).start(cluster);
const durationMs = minutes * 60_000;
const started = systemClock.monotonic();
try {
  while (systemClock.monotonic() - started < durationMs) {
    await systemClock.sleep(60_000);
    const rec = cluster.recording;
    console.log(
      `${((systemClock.monotonic() - started) / 60_000).toFixed(1)} min: final ${cluster.nodes
        .map((n) => `${n.name}=${rec.finalHeightAt(n.name)}`)
        .join(
          ' ',
        )}; ${rec.txs.size} txs, ${rec.blocks.length} block observations, ${rec.faults.length} faults`,
    );
  }
  // A chaos step that failed (a node that did not come back) is part of the run: say so.
  await chaos.stop().catch((error: unknown) => console.error(`chaos: ${(error as Error).message}`));
  await load.stop().catch((error: unknown) => console.error(`load: ${(error as Error).message}`));
} finally {
  // Whatever happened, keep what was recorded and the node logs.
  const dir = dirname(out);
  await mkdir(dir, { recursive: true });
  await writeFile(out, JSON.stringify(cluster.recording.toJSON()));
  if (cluster.dir) await cp(join(cluster.dir, 'logs'), join(dir, 'logs'), { recursive: true });
  const report = await writeHtmlReport(cluster.recording, join(dir, 'report.html'), {
    title: `recorded run: ${minutes} min, 4 validators + 2 executors (seed ${cluster.seed})`,
    logs: cluster.nodes.map((n) => ({ node: n.name, href: `logs/${n.name}.log` })),
  });
  console.log(`recording: ${out}\nreport: ${report}\nchaos: ${chaos.summary()}`);
}
