// The link proxy's table on real loopback sockets: an echo server stands in for a node, a
// client dials it through a link. Latency, order under jitter, the bandwidth cap, loss as a
// retransmission stall, blackholes (reset, hold, release without losing a byte), probes.
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, test } from 'vitest';
import { OPEN_FLOW } from './flow.ts';
import { LinkTable } from './link-table.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An echo server (a stand-in node) that counts the bytes and connections it got. */
async function echoServer(): Promise<{
  server: Server;
  port: number;
  bytes: () => number;
  accepted: () => number;
}> {
  let bytes = 0;
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    accepted++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    s.on('data', (d) => {
      bytes += d.length;
      s.write(d);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return {
    server,
    port: (server.address() as { port: number }).port,
    bytes: () => bytes,
    accepted: () => accepted,
  };
}

async function table(): Promise<LinkTable> {
  const t = new LinkTable({ seed: 913, listenHost: '127.0.0.1', log: () => {} });
  cleanups.push(() => t.close());
  return t;
}

/** Adds link a>b to `port`; returns the link's own port. */
async function addLink(t: LinkTable, port: number): Promise<number> {
  const [link] = await t.add([{ from: 'a', to: 'b', target: { host: '127.0.0.1', port } }]);
  return link!.port;
}

async function dial(port: number): Promise<Socket> {
  const s = connect({ host: '127.0.0.1', port });
  s.setNoDelay(true);
  s.on('error', () => {});
  await once(s, 'connect');
  cleanups.push(() => void s.destroy());
  return s;
}

/** Resolves when `s` closes, with the error code it closed with ('' for a clean close). */
function closed(s: Socket): Promise<string> {
  let code = '';
  s.on('error', (e: NodeJS.ErrnoException) => (code = e.code ?? e.message));
  return new Promise((resolve) => s.once('close', () => resolve(code)));
}

/** Round trip of one small message through the echo server, in ms. */
async function roundTrip(s: Socket): Promise<number> {
  const t0 = performance.now();
  s.write('ping');
  await once(s, 'data');
  return performance.now() - t0;
}

describe('a link of the proxy', () => {
  test('adds the set latency each way, and changes apply to the open connection', async () => {
    const echo = await echoServer();
    const t = await table();
    const port = await addLink(t, echo.port);
    const s = await dial(port);
    // Upper bounds only tell apart the wrong behaviours (latency where none is set, latency
    // applied twice, a chunk lost twice); how close the added delay comes to the set one is
    // a figure of bench/link-latency.ts, not a timed assertion that a busy machine breaks.
    expect(await roundTrip(s)).toBeLessThan(40);
    t.setFlows([
      { from: 'a', to: 'b', settings: { ...OPEN_FLOW, latencyMs: 40 } },
      { from: 'b', to: 'a', settings: { ...OPEN_FLOW, latencyMs: 60 } },
    ]);
    const rtt = await roundTrip(s);
    expect(rtt).toBeGreaterThanOrEqual(99);
    expect(rtt).toBeLessThan(195);
    const status = t.status();
    expect(status.links[0]).toMatchObject({ id: 'a>b', accepted: 1, bytes: { forward: 8, back: 8 } });
  });

  test('jitter never reorders a stream', async () => {
    const echo = await echoServer();
    const t = await table();
    const port = await addLink(t, echo.port);
    t.setFlows([{ from: 'a', to: 'b', settings: { ...OPEN_FLOW, latencyMs: 20, jitterMs: 20 } }]);
    const s = await dial(port);
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    const sent = Array.from({ length: 200 }, (_, i) => `${i},`).join('');
    for (const part of sent.match(/.{1,7}/g)!) {
      s.write(part);
      await new Promise((r) => setImmediate(r));
    }
    await expect.poll(() => got.length, { timeout: 5000 }).toBe(sent.length);
    expect(got).toBe(sent);
  });

  test('the bandwidth cap paces a bulk transfer', async () => {
    const echo = await echoServer();
    const t = await table();
    const port = await addLink(t, echo.port);
    t.setFlows([{ from: 'a', to: 'b', settings: { ...OPEN_FLOW, bytesPerSecond: 200_000 } }]);
    const s = await dial(port);
    let got = 0;
    s.on('data', (d) => (got += d.length));
    const t0 = performance.now();
    s.write(Buffer.alloc(100_000));
    await expect.poll(() => got, { timeout: 5000 }).toBe(100_000);
    const ms = performance.now() - t0;
    // 100 kB at 200 kB/s takes 500 ms (the echo back is uncapped).
    expect(ms).toBeGreaterThanOrEqual(480);
    expect(ms).toBeLessThan(900);
  });

  test('a lost chunk arrives one retransmission timeout late, never dropped', async () => {
    const echo = await echoServer();
    const t = await table();
    const port = await addLink(t, echo.port);
    t.setFlows([{ from: 'a', to: 'b', settings: { ...OPEN_FLOW, loss: 1 } }]);
    const s = await dial(port);
    const rtt = await roundTrip(s);
    expect(rtt).toBeGreaterThanOrEqual(199);
    expect(rtt).toBeLessThan(390);
    expect(echo.bytes()).toBe(4);
  });

  test('a blackhole resets open connections, holds new ones without dialling, and releases them intact', async () => {
    const echo = await echoServer();
    const t = await table();
    const port = await addLink(t, echo.port);
    const before = await dial(port);
    await roundTrip(before);
    const cut = closed(before);
    // Cutting only b → a still cuts the connection a dialled: it carries that flow back.
    const reset = t.setFlows([{ from: 'b', to: 'a', settings: { ...OPEN_FLOW, blackhole: true } }]);
    expect(reset).toBe(1);
    expect(await cut).toBe('ECONNRESET');

    t.setFlows([{ from: 'a', to: 'b', settings: { ...OPEN_FLOW, blackhole: true } }]);
    const acceptedBefore = echo.accepted();
    const held = await dial(port);
    held.write('held bytes');
    await new Promise((r) => setTimeout(r, 300));
    expect(echo.accepted()).toBe(acceptedBefore);
    expect(echo.bytes()).toBe(4);
    expect(t.status().links[0]!.connections).toMatchObject([{ state: 'held', upstreamPort: null }]);
    expect(await t.probe(['a>b'], 200)).toEqual([{ id: 'a>b', passed: false, reason: 'held' }]);

    let got = '';
    held.on('data', (d) => (got += d.toString()));
    t.setFlows([
      { from: 'a', to: 'b', settings: { ...OPEN_FLOW } },
      { from: 'b', to: 'a', settings: { ...OPEN_FLOW } },
    ]);
    await expect.poll(() => got, { timeout: 2000 }).toBe('held bytes');
    expect(await t.probe(['a>b'], 1000)).toEqual([{ id: 'a>b', passed: true }]);
    // Probes stay out of the counters: two node connections, one reset.
    expect(t.status().links[0]).toMatchObject({ accepted: 2, resets: 1 });
  });

  test('a probe through a link whose target is down fails with the dial error', async () => {
    const echo = await echoServer();
    const t = await table();
    await t.add([{ from: 'a', to: 'b', target: { host: '127.0.0.1', port: echo.port } }]);
    await new Promise<void>((r) => echo.server.close(() => r()));
    const [result] = await t.probe(['a>b'], 1000);
    expect(result).toMatchObject({ id: 'a>b', passed: false, reason: 'ECONNREFUSED' });
  });

  test('removing a link resets its connections and stops listening', async () => {
    const echo = await echoServer();
    const t = await table();
    const port = await addLink(t, echo.port);
    const s = await dial(port);
    await roundTrip(s);
    const cut = closed(s);
    expect(await t.remove(['a>b'])).toBe(1);
    expect(await cut).toBe('ECONNRESET');
    const again = connect({ host: '127.0.0.1', port: port });
    const [error] = (await once(again, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNREFUSED');
  });
});
