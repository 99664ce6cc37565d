/**
 * What a Byzantine gossip peer costs and sustains. Starts a 3-validator local refnode cluster
 * (slot 250 ms, f 0.5), measures the honest nodes' CPU (user + system of every refnode
 * process of the run, from /proc) over a window without a flood, then over a window of the
 * same length while `byzantinePeer` floods every node at `--rate` msg/s (default mix), and
 * prints the messages per second the peer actually published and its own CPU.
 *
 *   npx node bench/byzantine-flood.ts [--rate 200] [--window-ms 15000]
 *
 * `--rate 5000` (the option's ceiling) asks for more than one process can publish: the
 * achieved rate is then what the peer sustains on this machine.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { listRunProcesses } from '../src/cluster/cleanup/sweeper.ts';
import { Cluster } from '../src/cluster/cluster.ts';
import { systemClock } from '../src/support/clock.ts';
import { byzantinePeer } from '../src/workloads/byzantine/byzantine-peer.ts';

const { values } = parseArgs({
  options: { rate: { type: 'string', default: '200' }, 'window-ms': { type: 'string', default: '15000' } },
});
const rate = Number(values.rate);
const windowMs = Number(values['window-ms']);
const TICKS = 100; // USER_HZ on Linux

/** CPU ms (user + system) of the given pids so far. */
async function cpuMs(pids: readonly number[]): Promise<number> {
  let ticks = 0;
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / TICKS;
}

await using cluster = await Cluster.of({
  validators: 3,
  slotMs: 250,
  securityParam: 6,
  wallets: 6,
  name: 'bench-byzantine',
}).start();
const pids = (await listRunProcesses()).filter((p) => p.runId === cluster.runId).map((p) => p.pid);
await systemClock.sleep(3000);

const quiet0 = await cpuMs(pids);
await systemClock.sleep(windowMs);
const quiet = (await cpuMs(pids)) - quiet0;

const attacker = await byzantinePeer({ rate, durationMs: windowMs }).start(cluster);
const flood0 = await cpuMs(pids);
const self0 = process.cpuUsage();
const summary = await attacker.done;
const self = process.cpuUsage(self0);
const flood = (await cpuMs(pids)) - flood0;

const pct = (ms: number): string => `${((ms / windowMs) * 100).toFixed(1)}%`;
console.log(
  JSON.stringify(
    {
      rate,
      windowMs,
      achieved: summary.rate,
      messages: summary.messages,
      planned: summary.planned,
      bytes: summary.bytes,
      byKind: summary.byKind,
      honestCpuQuiet: `${Math.round(quiet)} ms (${pct(quiet)} of one core, 3 nodes)`,
      honestCpuFlood: `${Math.round(flood)} ms (${pct(flood)} of one core, 3 nodes)`,
      attackerProcessCpu: `${Math.round((self.user + self.system) / 1000)} ms (${pct((self.user + self.system) / 1000)})`,
    },
    null,
    2,
  ),
);
