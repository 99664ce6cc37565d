/**
 * CPU cost of observation: starts a 4-validator + 2-executor local cluster, then measures
 * this process's CPU (process.cpuUsage, user + system) over two windows of equal length:
 *   baseline — the cluster's own observer stopped (what is left: deployer, log piping);
 *   observed — a fresh observer watching all 6 nodes (SSE feeds + samples).
 * The difference is what observation costs, as % of one core.
 *
 *   npx node bench/observe-cpu.ts [--window-ms 20000] [--sample-every-ms 1000] [--rate 0]
 *
 * `--rate R` runs a transaction workload at R tx/s during both windows (blocks then carry
 * tx ids the observer has to link).
 */
import { parseArgs } from 'node:util';
import { Cluster } from '../src/cluster/cluster.ts';
import { startObserver } from '../src/observe/observer.ts';
import { systemClock } from '../src/support/clock.ts';
import { transactions } from '../src/workloads/transactions.ts';

const { values } = parseArgs({
  options: {
    'window-ms': { type: 'string', default: '20000' },
    'sample-every-ms': { type: 'string', default: '1000' },
    rate: { type: 'string', default: '0' },
  },
});
const windowMs = Number(values['window-ms']);
const sampleEveryMs = Number(values['sample-every-ms']);
const rate = Number(values.rate);

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

async function measure(label: string, run: () => Promise<{ events: number }>): Promise<{ label: string; cpuMs: number; percent: number; events: number }> {
  const start = process.cpuUsage();
  const t0 = systemClock.monotonic();
  const { events } = await run();
  const used = cpuMs(start);
  const wall = systemClock.monotonic() - t0;
  return { label, cpuMs: Math.round(used), percent: Math.round((used / wall) * 1000) / 10, events };
}

const definition = Cluster.of({ validators: 4, executors: 2, slotMs: 200, securityParam: 5, wallets: 20, name: 'bench-observe' });
const cluster = await definition.start();
try {
  const load = rate > 0 ? await transactions({ rate, users: 10, name: 'bench-load' }).start(cluster) : undefined;
  await cluster.observer.stop();
  await systemClock.sleep(2000); // let the start settle

  const baseline = await measure('baseline (no observer)', async () => {
    await systemClock.sleep(windowMs);
    return { events: 0 };
  });
  const observed = await measure(`observer (6 nodes, samples every ${sampleEveryMs} ms)`, async () => {
    // Into the cluster's recording, so the workload's tx records get linked to blocks too.
    const r = cluster.recording;
    const count = (): number => r.blocks.length + r.finalized.length + r.samples.length;
    const before = count();
    const observer = startObserver({ nodes: () => cluster.nodes, facts: cluster.facts, seed: cluster.seed, sampleEveryMs, recording: r });
    await systemClock.sleep(windowMs);
    await observer.stop();
    return { events: count() - before };
  });
  await load?.stop();
  const linked = load ? load.submitted().filter((t) => t.includedAt !== undefined).length : 0;
  const extra = observed.cpuMs - baseline.cpuMs;
  const result = {
    nodes: cluster.nodes.length,
    windowMs,
    sampleEveryMs,
    txRate: rate,
    txsSent: load?.submitted().length ?? 0,
    txsLinkedToBlocks: linked,
    baseline,
    observed,
    observerCpuMs: extra,
    observerPercentOfOneCore: Math.round((extra / windowMs) * 1000) / 10,
    target: '< 5% of one core',
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await cluster.dispose();
}
