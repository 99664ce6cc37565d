/**
 * The link layer's own cost and accuracy: the link proxy program (src/links/proxy/main.ts,
 * as the deployers run it) between a client and an echo server on loopback.
 *
 *   npx node bench/link-latency.ts [--trips 40] [--mb 200]
 *
 * - Accuracy: for one-way latencies of 0, 10, 100 and 300 ms set on both flows of a link, the
 *   round trip of a 64-byte message, `--trips` times; reported as the median and p95 of what
 *   the proxy added beyond the set 2 × latency and beyond a direct round trip (no proxy).
 * - Throughput: `--mb` MB sent one way through an open link, the sink counting bytes; MB/s
 *   and the proxy's CPU seconds per GB (from /proc), against the same transfer sent direct.
 *
 * The echo server and the sink run in this process, the proxy in its own; its CPU is read
 * from /proc/<pid>/stat. Prints one JSON line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { OPEN_FLOW } from '../src/links/proxy/flow.ts';
import { LinkProxyClient } from '../src/links/proxy-client.ts';
import { linkProxyEntry, parseProxyReadyLine } from '../src/links/proxy-launch.ts';
import { cpuSeconds } from './proc-cpu.ts';

const { values } = parseArgs({
  options: { trips: { type: 'string', default: '40' }, mb: { type: 'string', default: '200' } },
});
const trips = Number(values.trips);
const megabytes = Number(values.mb);

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

async function dial(port: number): Promise<Socket> {
  const s = connect({ host: '127.0.0.1', port });
  s.setNoDelay(true);
  await once(s, 'connect');
  return s;
}

async function startProxy(): Promise<{ child: ChildProcess; client: LinkProxyClient }> {
  const child = spawn(
    process.execPath,
    [linkProxyEntry(), '--control-port', '0', '--listen-host', '127.0.0.1', '--seed', '913'],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  for await (const line of createInterface({ input: child.stdout! })) {
    const ready = parseProxyReadyLine(line);
    if (ready) return { child, client: new LinkProxyClient(ready.apiUrl) };
  }
  throw new Error('the link proxy exited before its ready line');
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

/** `trips` round trips of 64 bytes on `s`, in ms. */
async function roundTrips(s: Socket): Promise<number[]> {
  const message = Buffer.alloc(64, 7);
  const out: number[] = [];
  for (let i = 0; i < trips; i++) {
    let got = 0;
    const t0 = performance.now();
    s.write(message);
    while (got < message.length) {
      const [chunk] = (await once(s, 'data')) as [Buffer];
      got += chunk.length;
    }
    out.push(performance.now() - t0);
  }
  return out;
}

/** Sends `bytes` one way to `port`; resolves with the seconds until the sink had them all. */
async function transfer(port: number, sinkDone: () => Promise<void>, bytes: number): Promise<number> {
  const s = await dial(port);
  const block = Buffer.alloc(64 * 1024, 1);
  const t0 = performance.now();
  const done = sinkDone();
  for (let sent = 0; sent < bytes; sent += block.length) {
    if (!s.write(block)) await once(s, 'drain');
  }
  await done;
  s.destroy();
  return (performance.now() - t0) / 1000;
}

const sockets = new Set<Socket>();
const echo = createServer((s) => {
  sockets.add(s);
  s.on('error', () => {});
  s.on('data', (d) => s.write(d));
});
let sunk = 0;
let waiter: { want: number; resolve: () => void } | undefined;
const sink = createServer((s) => {
  sockets.add(s);
  s.on('error', () => {});
  s.on('data', (d: Buffer) => {
    sunk += d.length;
    if (waiter && sunk >= waiter.want) waiter.resolve();
  });
});
const echoPort = await listen(echo);
const sinkPort = await listen(sink);
const { child, client } = await startProxy();
process.once('exit', () => child.kill('SIGKILL'));

try {
  const [echoLink, sinkLink] = await client.addLinks([
    { from: 'a', to: 'b', target: { host: '127.0.0.1', port: echoPort } },
    { from: 'a', to: 'c', target: { host: '127.0.0.1', port: sinkPort } },
  ]);

  const direct = await dial(echoPort);
  const directTrips = await roundTrips(direct);
  direct.destroy();
  const directMedian = quantile(directTrips, 0.5);

  const accuracy = [];
  const viaLink = await dial(echoLink!.port);
  for (const latencyMs of [0, 10, 100, 300]) {
    await client.setFlows([
      { from: 'a', to: 'b', settings: { ...OPEN_FLOW, latencyMs } },
      { from: 'b', to: 'a', settings: { ...OPEN_FLOW, latencyMs } },
    ]);
    const rtts = await roundTrips(viaLink);
    const added = rtts.map((r) => r - 2 * latencyMs);
    accuracy.push({
      latencyMs,
      rttMedianMs: round(quantile(rtts, 0.5)),
      addedMedianMs: round(quantile(added, 0.5)),
      addedP95Ms: round(quantile(added, 0.95)),
      overDirectMedianMs: round(quantile(added, 0.5) - directMedian),
      belowSet: added.filter((a) => a < 0).length,
    });
  }
  viaLink.destroy();

  const bytes = megabytes * 1024 * 1024;
  const sinkDone = (): Promise<void> =>
    new Promise((resolve) => {
      const want = sunk + bytes;
      waiter = { want, resolve };
    });
  const directSeconds = await transfer(sinkPort, sinkDone, bytes);
  const cpuBefore = cpuSeconds(child.pid!);
  const linkSeconds = await transfer(sinkLink!.port, sinkDone, bytes);
  const proxyCpu = cpuSeconds(child.pid!) - cpuBefore;

  console.log(
    JSON.stringify({
      bench: 'link-latency',
      trips,
      directRttMedianMs: round(directMedian),
      accuracy,
      throughput: {
        mb: megabytes,
        directMBps: round(megabytes / directSeconds, 0),
        linkMBps: round(megabytes / linkSeconds, 0),
        ratio: round(linkSeconds / directSeconds),
        proxyCpuSecondsPerGB: round(proxyCpu / (megabytes / 1024)),
        proxyCpuShare: round(proxyCpu / linkSeconds),
      },
    }),
  );
} finally {
  child.kill('SIGTERM');
  for (const s of sockets) s.destroy();
  echo.close();
  sink.close();
}
