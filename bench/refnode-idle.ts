/**
 * What an idle refnode cluster costs: validators (no txs, no observer) making blocks on their
 * schedule, measured over a window after a warm-up: each node's CPU (% of one core, from
 * /proc), the loopback traffic of the whole machine, and val-0's status requests (block sync
 * asking peers for their tips) and gossiped blocks.
 *
 *   npx node bench/refnode-idle.ts [--validators 4] [--slot-ms 1000] [--seconds 15]
 *
 * Every cluster test pays this for each node it starts, beside whatever it measures.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { writeGenesis } from '../refnode/test/cluster.ts';
import { cpuSeconds } from './proc-cpu.ts';

const { values } = parseArgs({
  options: {
    validators: { type: 'string', default: '4' },
    'slot-ms': { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '15' },
  },
});
const validators = Number(values.validators);
const slotMs = Number(values['slot-ms']);
const windowMs = Number(values.seconds) * 1000;
const WARMUP_MS = 3000;

/** Bytes and packets received on loopback so far (every process of the machine). */
function loopback(): { bytes: number; packets: number } {
  const line = readFileSync('/proc/net/dev', 'utf8')
    .split('\n')
    .find((l) => l.trim().startsWith('lo:'));
  const fields = line!.split(':')[1]!.trim().split(/\s+/);
  return { bytes: Number(fields[0]), packets: Number(fields[1]) };
}

await using set = await writeGenesis({
  validators,
  wallets: 4,
  slotMs,
  activeSlotCoeff: 0.5,
  securityParam: 6,
  seed: 'idle',
});
const nodes = await Promise.all(Array.from({ length: validators }, (_, i) => set.start(i)));
await new Promise((ok) => setTimeout(ok, WARMUP_MS));

const val0 = nodes[0]!;
const counters = async () => ({
  status: await val0.metric('refnode_p2p_sync_requests_made_total', { kind: 'status' }),
  blocks: await val0.metric('refnode_gossip_messages_total', { topic: 'blocks', direction: 'in' }),
});
const cpuBefore = nodes.map((n) => cpuSeconds(n.child.pid!));
const netBefore = loopback();
const countersBefore = await counters();
const t0 = performance.now();
await new Promise((ok) => setTimeout(ok, windowMs));
const seconds = (performance.now() - t0) / 1000;
const cpu = nodes.map((n, i) => (cpuSeconds(n.child.pid!) - cpuBefore[i]!) / seconds);
const net = loopback();
const countersAfter = await counters();

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
console.log(
  `${validators} validators, ${slotMs} ms slots, f 0.5, ${seconds.toFixed(1)} s idle: ` +
    `CPU per node ${cpu.map(pct).join(' ')} (sum ${pct(cpu.reduce((a, b) => a + b, 0))} of one core); ` +
    `loopback ${((net.bytes - netBefore.bytes) / 1024 / seconds).toFixed(1)} KiB/s, ` +
    `${((net.packets - netBefore.packets) / seconds).toFixed(0)} packets/s; ` +
    `val-0: ${((countersAfter.status - countersBefore.status) / seconds).toFixed(1)} status requests/s, ` +
    `${countersAfter.blocks - countersBefore.blocks} blocks gossiped in`,
);
