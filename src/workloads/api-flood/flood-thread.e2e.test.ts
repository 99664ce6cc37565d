// The flood's worker thread against a real HTTP server on loopback: it runs the flood in a
// thread the operating system lists by name, and every way it ends — by itself, asked to
// stop mid-flood, stuck and terminated, failed — leaves no thread behind and settles `done`.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { threadsNamed } from '../../../test/threads.ts';
import { systemClock } from '../../support/clock.ts';
import { type FloodThread, floodThreadName, startFloodThread } from './flood-thread.ts';
import type { FloodPlan } from './plan.ts';
import type { RawFloodRow } from './tally.ts';

let server: Server | undefined;
let thread: FloodThread | undefined;
afterEach(async () => {
  // A failed assertion must not leave its thread running into the next test.
  thread?.halt();
  await thread?.done.catch(() => undefined);
  thread = undefined;
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A server answering 200 to everything; counts the requests it got. */
async function serve(): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      res.writeHead(200).end('{}');
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, requests: () => requests };
}

function planOf(url: string, durationMs: number): FloodPlan {
  const read = { label: 'ok', method: 'GET' as const, path: '/ok' };
  return {
    targets: [{ node: 'n-0', url }],
    catalog: { read: [read], submit: [], malformed: [], oversized: [], unknownRoute: [], slowBody: [] },
    qps: 100,
    durationMs,
    mix: { read: 1, submit: 0, malformed: 0, oversized: 0, unknownRoute: 0, slowBody: 0 },
    burst: undefined,
    connections: 2,
    slowConnections: 0,
    slowBodyMs: 500,
    timeoutMs: 2000,
    from: undefined,
    seed: 1,
  };
}

const sum = (rows: RawFloodRow[]): number => rows.reduce((a, r) => a + r.n, 0);

/** Waits (at most 10 s: the thread first loads its modules) until `ok()` holds. */
async function until(what: string, ok: () => boolean): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!ok()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await systemClock.sleep(20);
  }
}

test('a flood runs in a thread of its own that is gone once it ended by itself', async () => {
  const { url, requests } = await serve();
  const rows: RawFloodRow[] = [];
  thread = startFloodThread(planOf(url, 500), { name: 'api-flood', onRows: (r) => rows.push(...r) });
  await until('the thread runs', () => threadsNamed(floodThreadName) === 1);
  const cpuMs = await thread.done;
  expect(threadsNamed(floodThreadName)).toBe(0);
  expect(cpuMs).toBeGreaterThan(0);
  // 100 qps for 0.5 s: every planned request tallied — sent, or unsent when the in-flight
  // bound was full — and handed over before `done`.
  expect(sum(rows)).toBe(50);
  const unsent = sum(rows.filter((r) => r.status === 'unsent'));
  expect(requests()).toBe(50 - unsent);
  expect(requests()).toBeGreaterThan(0);
});

test('halt mid-flood ends the thread at once: no thread, no more requests', async () => {
  const { url, requests } = await serve();
  const rows: RawFloodRow[] = [];
  thread = startFloodThread(planOf(url, 60_000), { name: 'api-flood', onRows: (r) => rows.push(...r) });
  await until('the flood sends', () => requests() > 20);
  expect(threadsNamed(floodThreadName)).toBe(1);
  const began = performance.now();
  thread.halt();
  thread.halt(); // asking twice is asking once
  await thread.done;
  // Ended by itself on being asked (`done` resolved: not terminated), long before its 60 s.
  expect(performance.now() - began).toBeLessThan(2000);
  expect(threadsNamed(floodThreadName)).toBe(0);
  const sent = requests();
  expect(sent).toBeGreaterThan(20);
  expect(sum(rows)).toBeGreaterThanOrEqual(sent);
  await systemClock.sleep(200);
  expect(requests()).toBe(sent);
});

test('a thread that ignores stop is terminated after the grace period, and done says so', async () => {
  // A worker that never ends by itself and does not listen for 'stop'.
  const stuck = new URL('data:text/javascript,setInterval(() => {}, 1000);');
  thread = startFloodThread(planOf('http://127.0.0.1:9', 1000), {
    name: 'api-flood',
    onRows: () => undefined,
    module: stuck,
    stopGraceMs: 300,
  });
  await until('the thread runs', () => threadsNamed(floodThreadName) === 1);
  const began = performance.now();
  thread.halt();
  await expect(thread.done).rejects.toThrow(
    'workload api-flood: the flood thread did not end within 300 ms of being stopped; it was terminated',
  );
  expect(performance.now() - began).toBeGreaterThanOrEqual(290);
  expect(threadsNamed(floodThreadName)).toBe(0);
});

test('a thread that fails rejects done with its error, and is gone', async () => {
  const failing = new URL('data:text/javascript,throw new Error("no flood today");');
  thread = startFloodThread(planOf('http://127.0.0.1:9', 1000), {
    name: 'api-flood',
    onRows: () => undefined,
    module: failing,
  });
  await expect(thread.done).rejects.toThrow(
    /^workload api-flood: the flood thread failed: Error: no flood today/,
  );
  expect(threadsNamed(floodThreadName)).toBe(0);
});
