/**
 * CPU cost of observation. Starts a 4-validator + 2-executor local cluster (its own observer
 * stopped), then runs a fresh observer over all 6 nodes in a child process of its own, so
 * nothing else (deployer, log piping, a tx workload) is counted. The child measures its CPU
 * (process.cpuUsage, user + system) over the window, after a warm-up that covers the
 * initial backfill, and reports it as % of one core.
 *
 *   npx node bench/observe-cpu.ts [--window-ms 20000] [--sample-every-ms 1000] [--rate 0]
 *
 * `--rate R` runs a transaction workload at R tx/s in the parent meanwhile (blocks then
 * carry tx ids, which the observer indexes).
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { ChainFacts, NodeRole } from '../src/adapter/types.ts';

const { values } = parseArgs({
  options: {
    'window-ms': { type: 'string', default: '20000' },
    'sample-every-ms': { type: 'string', default: '1000' },
    rate: { type: 'string', default: '0' },
    child: { type: 'boolean', default: false },
  },
});
const windowMs = Number(values['window-ms']);
const sampleEveryMs = Number(values['sample-every-ms']);
const rate = Number(values.rate);
const WARMUP_MS = 3000;

interface ChildConfig {
  nodes: { name: string; role: NodeRole; url: string }[];
  facts: ChainFacts;
  seed: number;
}

if (values.child) await child();
else await parent();

/** Observes the nodes named in CHAINLAB_BENCH_CONFIG and prints its own CPU use. */
async function child(): Promise<void> {
  const { RefnodeClient } = await import('../src/adapter/refnode/client.ts');
  const { startObserver } = await import('../src/observe/observer.ts');
  const { systemClock } = await import('../src/support/clock.ts');
  const config = JSON.parse(process.env.CHAINLAB_BENCH_CONFIG ?? '{}') as ChildConfig;
  const nodes = config.nodes.map((n) => ({ name: n.name, role: n.role, client: new RefnodeClient(n.url) }));
  const observer = startObserver({
    nodes: () => nodes,
    facts: config.facts,
    seed: config.seed,
    sampleEveryMs,
  });
  const rec = observer.recording;
  await systemClock.sleep(WARMUP_MS);
  const count = (): number => rec.blocks.length + rec.finalized.length + rec.samples.length;
  const before = count();
  const cpu0 = process.cpuUsage();
  const t0 = systemClock.monotonic();
  await systemClock.sleep(windowMs);
  const d = process.cpuUsage(cpu0);
  const wall = systemClock.monotonic() - t0;
  const events = count() - before;
  await observer.stop();
  await Promise.all(nodes.map((n) => n.client.close()));
  const cpuMs = (d.user + d.system) / 1000;
  console.log(
    JSON.stringify({
      cpuMs: Math.round(cpuMs),
      wallMs: Math.round(wall),
      percentOfOneCore: Math.round((cpuMs / wall) * 1000) / 10,
      events,
      blocksPerNode: Math.round(rec.blocks.filter((b) => b.at >= 0).length / nodes.length),
      feedLost: rec.events.filter((e) => e.event === 'feed-lost').length,
      failedSamples: rec.samples.filter((s) => !s.ok).length,
    }),
  );
}

async function parent(): Promise<void> {
  const { Cluster } = await import('../src/cluster/cluster.ts');
  const { transactions } = await import('../src/workloads/transactions.ts');
  const cluster = await Cluster.of({
    validators: 4,
    executors: 2,
    slotMs: 200,
    securityParam: 5,
    wallets: 20,
    name: 'bench-observe',
  }).start();
  try {
    await cluster.observer.stop();
    const load =
      rate > 0 ? await transactions({ rate, users: 10, name: 'bench-load' }).start(cluster) : undefined;
    const config: ChildConfig = {
      nodes: cluster.nodes.map((n) => ({ name: n.name, role: n.role, url: n.apiUrl })),
      facts: cluster.facts,
      seed: cluster.seed,
    };
    const out = await new Promise<string>((resolve, reject) => {
      const proc = spawn(
        process.execPath,
        [
          import.meta.filename,
          '--child',
          '--window-ms',
          String(windowMs),
          '--sample-every-ms',
          String(sampleEveryMs),
        ],
        {
          env: { ...process.env, CHAINLAB_BENCH_CONFIG: JSON.stringify(config) },
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let text = '';
      proc.stdout.on('data', (c: Buffer) => {
        text += c.toString();
      });
      proc.on('error', reject);
      proc.on('exit', (code) =>
        code === 0 ? resolve(text) : reject(new Error(`observer child exited with ${code}`)),
      );
    });
    await load?.stop();
    const measured = JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;
    console.log(
      JSON.stringify(
        {
          nodes: cluster.nodes.length,
          slotMs: 200,
          windowMs,
          sampleEveryMs,
          txRate: rate,
          txsSent: load?.submitted().length ?? 0,
          ...measured,
          target: '< 5% of one core',
        },
        null,
        2,
      ),
    );
  } finally {
    await cluster.dispose();
  }
}
