// The open-loop runner against a real HTTP endpoint that speaks refnode's submission
// contract, including backpressure: `503 { error: { code: 'overloaded' } }` with a
// Retry-After header. An overloaded submission is sent again after the delay, counted in
// its record, and recorded as refused (never dropped) once the retries run out.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { slottedFacts } from '../../test/fixtures/facts.ts';
import { RefnodeClient } from '../adapter/refnode/client.ts';
import type { PreparedTx } from '../adapter/types.ts';
import type { StartedNode } from '../cluster/types.ts';
import { Recording } from '../observe/recording.ts';
import { systemClock } from '../support/clock.ts';
import { Rng } from '../support/rng.ts';
import { type PlannedTx, paced, runOpenLoop } from './runner.ts';

/**
 * A node API that answers `overloaded` (Retry-After 1 s) to the first `overloads`
 * submissions it receives, or, given tx ids, to the first submission of each of those (the
 * runner's connections run in parallel, so arrival order is not send order).
 */
async function overloadedNode(
  overloads: number | readonly string[],
): Promise<{ url: string; server: Server; arrivals: number[] }> {
  const arrivals: number[] = [];
  let left = typeof overloads === 'number' ? overloads : 0;
  const ids = new Set(typeof overloads === 'number' ? [] : overloads);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      arrivals.push(systemClock.monotonic());
      res.setHeader('content-type', 'application/json');
      const { id } = JSON.parse(body) as { id: string };
      if (left > 0 || ids.delete(id)) {
        left = Math.max(0, left - 1);
        res.statusCode = 503;
        res.setHeader('retry-after', '1');
        res.end(JSON.stringify({ error: { code: 'overloaded', message: 'verify backlog too long' } }));
        return;
      }
      res.statusCode = 202;
      res.end(JSON.stringify({ id: `node-${id}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, arrivals };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function nodeAt(url: string): StartedNode {
  return { name: 'val-0', role: 'validator', client: new RefnodeClient(url) } as unknown as StartedNode;
}

function planned(node: StartedNode, count: number): PlannedTx[] {
  return [...paced(50, { count })].map((at, i) => ({
    at,
    node,
    prepare: async (): Promise<PreparedTx> => ({ payload: { id: `t${i}` }, summary: { amount: 1n } }),
  }));
}

/** A node answering `overloaded` to the first `overloads` submissions, a fresh recording, and a loop over `schedule`. */
async function runAgainst(
  overloads: number | readonly string[],
  schedule: (node: StartedNode) => PlannedTx[],
  opts: { overloadRetries?: number } = {},
) {
  const api = await overloadedNode(overloads);
  servers.push(api.server);
  const recording = new Recording({ seed: 1, facts: slottedFacts() });
  const loop = runOpenLoop({
    recording,
    name: 'w',
    rng: new Rng(1),
    schedule: schedule(nodeAt(api.url)),
    ...opts,
  });
  await loop.done;
  return { api, loop };
}

describe('runOpenLoop', () => {
  test('records the id the node answered, in send order', async () => {
    const { loop } = await runAgainst(0, (node) => planned(node, 3));
    expect(loop.ids()).toEqual(['node-t0', 'node-t1', 'node-t2']);
    expect(loop.submitted().map((r) => [r.outcome, r.amount, r.workload])).toEqual([
      ['accepted', 1n, 'w'],
      ['accepted', 1n, 'w'],
      ['accepted', 1n, 'w'],
    ]);
  });

  test('ids stay in send order when a retried submission is answered last', async () => {
    // t0 is refused as overloaded and answered a second later; t1 and t2 are answered at once.
    const { loop } = await runAgainst(['t0'], (node) => planned(node, 3));
    expect(loop.ids()).toEqual(['node-t0', 'node-t1', 'node-t2']);
    expect(loop.submitted().map((r) => r.retries)).toEqual([1, undefined, undefined]);
  });

  test('an overloaded submission is sent again after Retry-After and counted', async () => {
    const api = await overloadedNode(2);
    servers.push(api.server);
    const recording = new Recording({ seed: 1, facts: slottedFacts() });
    const loop = runOpenLoop({
      recording,
      name: 'w',
      rng: new Rng(1),
      schedule: planned(nodeAt(api.url), 1),
    });
    await loop.done;
    expect(loop.submitted()).toMatchObject([{ id: 'node-t0', outcome: 'accepted', retries: 2 }]);
    expect(loop.overloadRetries).toBe(2);
    // Each retry waited the node's Retry-After (1 s).
    expect(api.arrivals).toHaveLength(3);
    expect(api.arrivals[1]! - api.arrivals[0]!).toBeGreaterThanOrEqual(950);
    expect(api.arrivals[2]! - api.arrivals[1]!).toBeGreaterThanOrEqual(950);
  });

  test('when the retries run out the refusal is recorded, never dropped', async () => {
    const { api, loop } = await runAgainst(
      10,
      (node) => [{ at: 0, node, prepare: async () => ({ id: 'local-id', payload: {}, summary: {} }) }],
      { overloadRetries: 1 },
    );
    expect(loop.submitted()).toMatchObject([
      { id: 'local-id', outcome: 'rejected', reason: 'overloaded', retries: 1 },
    ]);
    expect(api.arrivals).toHaveLength(2);
  });
});
