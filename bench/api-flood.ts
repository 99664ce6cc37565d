/**
 * API flood benchmark: how many requests per second the API-flood workload generates per core
 * of its own thread, and refnode's API throughput before rate limiting — valid reads and
 * valid tx submissions answered per second by one validator whose per-client limit is raised
 * out of the way (10 000 000/s).
 *
 *   cluster-slot --quiet npx node bench/api-flood.ts [--seconds 10] [--connections 16]
 *
 * Phases, each a `qps: 'max'` flood on val-0 for `--seconds`: `read` (the adapter's valid
 * reads only), `submit` (signed transfers only, each sent once: signed before the phase),
 * `mix` (the default mix: every kind). Per phase: requests sent per second, per core of the
 * flood thread (sent ÷ its CPU seconds), answers by outcome, latency percentiles. Prints one
 * JSON line per phase and the 1-minute load average at the start and end.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Cluster } from '../src/cluster/cluster.ts';
import { describeFloodOutcome } from '../src/observe/flood-summary.ts';
import { apiFlood } from '../src/workloads/api-flood/api-flood.ts';
import type { FloodMix } from '../src/workloads/api-flood/plan.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const only = (kind: keyof FloodMix): Partial<FloodMix> => ({
  read: 0,
  submit: 0,
  malformed: 0,
  oversized: 0,
  unknownRoute: 0,
  slowBody: 0,
  [kind]: 1,
});

console.log(JSON.stringify({ bench: 'api-flood', load1: loadavg()[0]!.toFixed(2), seconds, connections }));
await using cluster = await Cluster.of({
  validators: 1,
  wallets: 200,
  slotMs: 250,
  securityParam: 4,
  apiLimits: { ratePerSecond: 10_000_000, burst: 10_000_000 },
  mempool: { maxCount: 200_000 },
  name: 'bench-api-flood',
}).start();

// Submissions come from many senders in turn: refnode holds at most 64 pending txs per sender.
const senders = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);
const phases: { name: string; mix?: Partial<FloodMix>; submissions?: number; wallets?: number[] }[] = [
  { name: 'read', mix: only('read') },
  // Enough signed transfers that none is sent twice at a few thousand per second.
  { name: 'submit', mix: only('submit'), submissions: 3000 * seconds, wallets: senders(0, 150) },
  { name: 'mix', submissions: 2000, wallets: senders(150, 50) },
];
for (const phase of phases) {
  const flood = await apiFlood({
    qps: 'max',
    durationMs: seconds * 1000,
    targets: ['val-0'],
    connections,
    burst: false,
    ...(phase.mix ? { mix: phase.mix } : {}),
    ...(phase.submissions ? { submissions: phase.submissions, wallets: phase.wallets } : {}),
    name: `bench-${phase.name}`,
  }).start(cluster);
  await flood.done;
  const o = flood.outcome();
  const cpuS = (flood.cpuMs ?? Number.NaN) / 1000;
  console.log(
    JSON.stringify({
      phase: phase.name,
      sentPerSecond: o.perSecond,
      acceptedPerSecond: Math.round(o.accepted / ((o.to - o.from) / 1000)),
      floodCpuSeconds: Number(cpuS.toFixed(2)),
      qpsPerCore: Math.round(o.sent / cpuS),
      counts: {
        sent: o.sent,
        accepted: o.accepted,
        rateLimited: o.rateLimited,
        refused: o.refused,
        overloaded: o.overloaded,
        failed: o.failed,
        unsent: o.unsent,
      },
      statuses: Object.fromEntries(Object.entries(o.byKind).map(([k, v]) => [k, v.statuses])),
      latency: o.latency,
      load1: loadavg()[0]!.toFixed(2),
    }),
  );
  console.log(describeFloodOutcome(o));
}
