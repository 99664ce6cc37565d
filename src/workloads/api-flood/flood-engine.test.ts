// The flood's sender against a real HTTP server on loopback (node:http): it paces, bounds
// what it has in flight, trickles slow bodies, tallies every status and ends by itself.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import type { ApiRequestKind } from '../../adapter/types.ts';
import { runFlood } from './flood-engine.ts';
import type { FloodMix, FloodPlan } from './plan.ts';
import type { RawFloodRow } from './tally.ts';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

interface Seen {
  path: string;
  chunks: number;
  bytes: number;
  ms: number;
}

/** A server answering 200 to `/ok`, 429 to `/limited`, 404 elsewhere, after reading the whole body. */
async function serve(seen: Seen[], delayMs = 0): Promise<string> {
  server = createServer((req: IncomingMessage, res) => {
    const began = performance.now();
    let chunks = 0;
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      chunks++;
      bytes += c.length;
    });
    req.on('end', () => {
      seen.push({ path: req.url ?? '', chunks, bytes, ms: performance.now() - began });
      const status = req.url === '/ok' ? 200 : req.url === '/limited' ? 429 : 404;
      setTimeout(() => res.writeHead(status).end('{}'), delayMs);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

const none: FloodMix = { read: 0, submit: 0, malformed: 0, oversized: 0, unknownRoute: 0, slowBody: 0 };

function planOf(url: string, over: Partial<FloodPlan>): FloodPlan {
  const post = (path: string) => ({ label: path, method: 'POST' as const, path, body: 'x'.repeat(100) });
  return {
    targets: [{ node: 'n-0', url }],
    catalog: {
      read: [{ label: 'ok', method: 'GET', path: '/ok' }],
      submit: [post('/limited')],
      malformed: [post('/nope')],
      oversized: [post('/nope')],
      unknownRoute: [{ label: 'nope', method: 'GET', path: '/nope' }],
      slowBody: [post('/ok')],
    },
    qps: 200,
    durationMs: 1000,
    mix: { ...none, read: 1 },
    burst: undefined,
    connections: 2,
    slowConnections: 1,
    slowBodyMs: 500,
    timeoutMs: 2000,
    from: undefined,
    seed: 1,
    ...over,
  };
}

function total(rows: RawFloodRow[], kind?: ApiRequestKind, status?: number | string): number {
  return rows
    .filter((r) => (kind === undefined || r.kind === kind) && (status === undefined || r.status === status))
    .reduce((a, r) => a + r.n, 0);
}

test('at a number qps it sends on schedule, tallies each status per second and ends by itself', async () => {
  const seen: Seen[] = [];
  const url = await serve(seen);
  const rows: RawFloodRow[] = [];
  const began = performance.now();
  const run = runFlood(planOf(url, { mix: { ...none, read: 1, submit: 1, unknownRoute: 1 } }), (r) =>
    rows.push(...r),
  );
  await run.done;
  const took = performance.now() - began;
  expect(took).toBeGreaterThanOrEqual(990);
  expect(took).toBeLessThan(5000);
  // 200 qps for 1 s: 200 planned, every one sent (the server answers at once) or counted unsent.
  expect(total(rows)).toBe(200);
  expect(total(rows, 'read', 200) + total(rows, 'read', 'unsent')).toBe(total(rows, 'read'));
  expect(total(rows, 'submit', 429) + total(rows, 'submit', 'unsent')).toBe(total(rows, 'submit'));
  expect(total(rows, 'unknownRoute', 404) + total(rows, 'unknownRoute', 'unsent')).toBe(
    total(rows, 'unknownRoute'),
  );
  expect(seen.length).toBe(200 - total(rows, undefined, 'unsent'));
  for (const r of rows.filter((x) => x.status !== 'unsent')) expect(r.latency?.n).toBe(r.n);
  // A 1 s flood's requests end in its seconds 0 and 1 (the last ones answered just after 1 s).
  expect(rows.every((r) => r.s === 0 || r.s === 1)).toBe(true);
});

test('at max it keeps exactly its connections busy, never more', async () => {
  const seen: Seen[] = [];
  const url = await serve(seen, 20);
  let open = 0;
  let peak = 0;
  server!.on('request', (_req, res) => {
    open++;
    peak = Math.max(peak, open);
    res.on('finish', () => open--);
  });
  const rows: RawFloodRow[] = [];
  await runFlood(planOf(url, { qps: 'max', durationMs: 600, connections: 3 }), (r) => rows.push(...r)).done;
  // 3 connections, 20 ms per answer: about 3 × 600 / 20 = 90 requests, never more than 3 at once.
  expect(peak).toBe(3);
  expect(total(rows, 'read', 200)).toBeGreaterThan(30);
  expect(total(rows, 'read', 200)).toBeLessThanOrEqual(95);
});

test('a burst is sent whole at once, beyond the in-flight bound that makes steady requests unsent', async () => {
  const seen: Seen[] = [];
  const url = await serve(seen, 50);
  const rows: RawFloodRow[] = [];
  // 1 connection: at most 8 steady requests in flight; bursts of 12 at 200 and 400 ms.
  const burst = { size: 12, everyMs: 200 };
  await runFlood(planOf(url, { qps: 10, durationMs: 500, connections: 1, burst }), (r) => rows.push(...r))
    .done;
  expect(total(rows)).toBe(5 + 24);
  // 12 at once is over the bound of 8, yet every burst request reached the server (and the
  // first steady one); steady ones due while a burst drains may be unsent.
  expect(seen.length).toBeGreaterThanOrEqual(24 + 1);
  expect(seen.length).toBe(5 + 24 - total(rows, undefined, 'unsent'));
  // Without bursts, a steady request finding 8 in flight is counted unsent, not queued.
  const steady: RawFloodRow[] = [];
  await runFlood(planOf(url, { qps: 400, durationMs: 300, connections: 1 }), (r) => steady.push(...r)).done;
  expect(total(steady, 'read', 'unsent')).toBeGreaterThan(0);
  expect(total(steady)).toBe(120);
});

test('a slow body arrives in pieces over slowBodyMs, and stop() ends the flood at once', async () => {
  const seen: Seen[] = [];
  const url = await serve(seen);
  const rows: RawFloodRow[] = [];
  await runFlood(
    planOf(url, { qps: 2, durationMs: 400, mix: { ...none, slowBody: 1 }, slowBodyMs: 500 }),
    (r) => rows.push(...r),
  ).done;
  expect(seen.length).toBe(1);
  expect(seen[0]!.bytes).toBe(100);
  expect(seen[0]!.chunks).toBeGreaterThan(3);
  expect(seen[0]!.ms).toBeGreaterThan(300);
  expect(total(rows, 'slowBody', 200)).toBe(1);

  const began = performance.now();
  const run = runFlood(planOf(url, { qps: 50, durationMs: 60_000 }), () => undefined);
  setTimeout(() => run.stop(), 300);
  await run.done;
  expect(performance.now() - began).toBeLessThan(2000);
});
