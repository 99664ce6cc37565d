/**
 * The link proxy on its own: latency accuracy (one-way latency set on both directions of a
 * link vs the round trip measured through it at 0, 10, 100 and 300 ms), and the throughput
 * and CPU cost of one open link (a bulk transfer through it, the proxy process's CPU time
 * per MiB from /proc). The proxy runs as the cluster runs it (src/links/proxy/main.ts as a
 * child process); an echo server on loopback stands in for a node.
 *
 *   npx node bench/link-proxy.ts [--pings 50] [--mib 256]
 *
 * Prints one JSON line.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { openLink } from '../src/links/link-settings.ts';
import { LinkProxyClient } from '../src/links/proxy-client.ts';
import { linkProxyEntry, parseProxyReadyLine } from '../src/links/proxy-launch.ts';

const { values } = parseArgs({
  options: { pings: { type: 'string', default: '50' }, mib: { type: 'string', default: '256' } },
});
const pings = Number(values.pings);
const mib = Number(values.mib);

// A node stand-in: echoes small messages, swallows bulk (the first byte says which).
const echo = createServer((s) => {
  s.setNoDelay(true);
  let bulk: boolean | undefined;
  s.on('data', (d) => {
    bulk ??= d[0] === 0x42;
    if (!bulk) s.write(d);
    else if (d.at(-1) === 0x45) s.write('done');
  });
  s.on('error', () => {});
});
echo.listen(0, '127.0.0.1');
await once(echo, 'listening');
const target = { host: '127.0.0.1', port: (echo.address() as { port: number }).port };

const proxy = spawn(process.execPath, [linkProxyEntry(), '--seed', '913'], {
  stdio: ['ignore', 'pipe', 'ignore'],
});
process.once('exit', () => proxy.kill('SIGKILL'));
let control: string | undefined;
for await (const line of createInterface({ input: proxy.stdout })) {
  control = parseProxyReadyLine(line)?.apiUrl;
  if (control) break;
}
const client = new LinkProxyClient(control!);
const [link] = await client.addLinks([{ from: 'a', to: 'b', target }]);

async function dial(): Promise<Socket> {
  const s = connect({ host: '127.0.0.1', port: link!.port });
  s.setNoDelay(true);
  await once(s, 'connect');
  return s;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

const latency: { setOneWayMs: number; expectedRttMs: number; medianRttMs: number; p90RttMs: number }[] = [];
for (const ms of [0, 10, 100, 300]) {
  const settings = { ...openLink, latencyMs: ms };
  await client.setFlows([
    { from: 'a', to: 'b', settings },
    { from: 'b', to: 'a', settings },
  ]);
  const s = await dial();
  const rtts: number[] = [];
  for (let i = 0; i < pings; i++) {
    const t0 = performance.now();
    s.write('ping');
    await once(s, 'data');
    rtts.push(performance.now() - t0);
  }
  s.destroy();
  const sorted = [...rtts].sort((a, b) => a - b);
  latency.push({
    setOneWayMs: ms,
    expectedRttMs: 2 * ms,
    medianRttMs: round(median(rtts), 2),
    p90RttMs: round(sorted[Math.floor(0.9 * sorted.length)]!, 2),
  });
}

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, 100 ticks/s
}

// Bulk: `mib` MiB through the open link (0 ms), then an end marker the stand-in answers.
await client.setFlows([
  { from: 'a', to: 'b', settings: openLink },
  { from: 'b', to: 'a', settings: openLink },
]);
const s = await dial();
const chunk = Buffer.alloc(1 << 20, 0x42);
const cpu0 = cpuMs(proxy.pid!);
const t0 = performance.now();
for (let i = 0; i < mib; i++) if (!s.write(chunk)) await once(s, 'drain');
s.write('E');
await once(s, 'data');
const seconds = (performance.now() - t0) / 1000;
const cpu = cpuMs(proxy.pid!) - cpu0;
s.destroy();

console.log(
  JSON.stringify({
    pings,
    latency,
    throughput: {
      mib,
      seconds: round(seconds, 2),
      mibPerSecond: round(mib / seconds),
      proxyCpuMsPerMib: round(cpu / mib, 2),
    },
  }),
);
proxy.kill('SIGTERM');
echo.close();
process.exit(0);
