import { expect, test } from 'vitest';
import { Cluster } from '../src/cluster/cluster.ts';
test('smoke', async () => {
  const logs: string[] = [];
  await using c = await Cluster.of({ validators: 3, executors: 1, wallets: 2, slotMs: 250, securityParam: 6, clockSkew: { offsets: { 'val-1': '+1s', 'exe-0': '-1s' }, jitter: { 'val-2': '±200ms' } } }).start({ log: (l) => logs.push(l) });
  console.log(logs.join('\n'));
  await new Promise((r) => setTimeout(r, 6000));
  for (const n of c.nodes) console.log(n.name, n.clockOffsetMs, JSON.stringify(c.recording.samplesOf(n.name).at(-1)?.clock));
  console.log(c.recording.faults.map((f) => `${f.description} ${f.start}-${f.end}`).join('\n'));
  await c.node('val-1').setClockOffset('+300ms');
  console.log('set ok', c.node('val-1').clockOffsetMs);
}, 120000);
