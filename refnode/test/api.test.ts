import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { txId } from '../src/codec.ts';
import { type GenesisSet, type RunningNode, waitFor, writeGenesis } from './cluster.ts';

/** Writes a copy of node-<index>.json with fields replaced, next to the original. */
function variant(set: GenesisSet, index: number, name: string, patch: Record<string, unknown>): string {
  const config = JSON.parse(readFileSync(set.configPath(index), 'utf8'));
  const file = join(set.dir, `${name}.json`);
  // Fresh ports: the genesis-time ports may have been taken since on a shared machine.
  const ports = { api: { ...config.api, port: 0 }, p2p: { ...config.p2p, port: 0 } };
  writeFileSync(file, JSON.stringify({ ...config, ...ports, ...patch, dataDir: `data/${name}` }));
  return file;
}

/** Raw HTTP request (fetch cannot send a lying content-length or odd methods). */
function raw(url: string, method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: any; headers: Record<string, unknown> }>((ok, fail) => {
    const req = request(`${url}${path}`, { method, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () =>
        ok({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined, headers: res.headers }),
      );
    });
    req.on('error', fail);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

describe('HTTP API of a real node', () => {
  it('refuses every kind of bad tx with its typed reason, and the mempool evicts low fees first within its bound', async () => {
    await using set = await writeGenesis({ validators: 1, executors: 1, wallets: 12, slotMs: 200 });
    // An executor alone: nothing produces blocks, so txs stay pending and fill the mempool.
    const config = variant(set, 1, 'exe-small', {
      mempool: { maxCount: 5, maxBytes: 1_000_000, maxNonceGap: 3 },
    });
    const node = await set.spawn(config, 'exe-small', ['--peers', '']);
    const expectRejected = async (body: unknown, code: string, status: number) => {
      const res = await node.post('/txs', body);
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status, code });
      expect(res.body.error.message).toEqual(expect.any(String));
      return res;
    };
    const good = set.tx(0, 1, { fee: 1 });
    expect((await node.post('/txs', good)).status).toBe(202);
    await expectRejected(good, 'duplicate', 409);
    await expectRejected({ ...set.tx(1, 2), amount: 99 }, 'bad_signature', 400);
    await expectRejected(set.tx(1, 2, { nonce: 7 }), 'bad_nonce', 400);
    await expectRejected(set.tx(1, 2, { amount: set.wallets[1]!.balance }), 'insufficient_funds', 400);
    await expectRejected({ ...set.tx(1, 2), amount: -1 }, 'malformed', 400);
    await expectRejected('[1', 'malformed', 400);
    await expectRejected({ ...set.tx(1, 2), chainId: 'x'.repeat(2000) }, 'too_large', 413);
    await expectRejected(set.tx(1, 2, { chainId: 'other-chain' }), 'wrong_chain', 400);
    await expectRejected(set.tx(1, 2, { fee: 0 }), 'fee_too_low', 400);
    // Fill to the bound (5) with fees 1..4, then a fee-1 tx is refused and higher fees evict the lowest.
    for (const [wallet, fee] of [
      [2, 2],
      [3, 3],
      [4, 4],
      [5, 1],
    ] as const) {
      expect((await node.post('/txs', set.tx(wallet, 0, { fee }))).status).toBe(202);
    }
    await expectRejected(set.tx(6, 0, { fee: 1 }), 'mempool_full', 503);
    const evicting = [set.tx(7, 0, { fee: 10 }), set.tx(8, 0, { fee: 11 })];
    const batch = await node.post('/txs', evicting);
    expect(batch.status).toBe(202);
    expect(batch.body.results.map((r: { id?: string }) => r.id)).toEqual(evicting.map(txId));
    const mempool = (await node.get('/mempool?ids=1')).body;
    expect(mempool.size).toBe(5);
    expect(mempool.evicted).toBe(2);
    expect(mempool.lowestFee).toBe(2);
    expect(mempool.ids).not.toContain(txId(good));
    expect(mempool.ids).not.toContain(txId(set.tx(5, 0, { fee: 1 })));
    const evicted = (await node.get(`/txs/${txId(good)}`)).body;
    expect(evicted).toMatchObject({ status: 'rejected', reason: 'mempool_full' });
    expect((await node.get(`/txs/${txId(evicting[0]!)}`)).body).toEqual({ status: 'pending' });
    for (const code of [
      'bad_signature',
      'bad_nonce',
      'insufficient_funds',
      'malformed',
      'too_large',
      'wrong_chain',
      'duplicate',
      'fee_too_low',
      'mempool_full',
    ]) {
      expect(mempool.rejected[code], code).toBeGreaterThan(0);
    }
    const metrics = await (await fetch(`${node.api}/metrics`)).text();
    expect(metrics).toMatch(/refnode_mempool_rejections_total\{reason="bad_signature",node="exe-0"\} 1/);
    expect(metrics).toMatch(/refnode_mempool_evictions_total\{node="exe-0"\} 2/);
    expect(metrics).toMatch(/refnode_mempool_size\{node="exe-0"\} 5/);
  });

  it('pushes back with 503 overloaded and Retry-After while its verify backlog is too long, and counts it', async () => {
    await using set = await writeGenesis({ validators: 1, executors: 1, wallets: 1000, slotMs: 200 });
    // Verification on the event loop and a 1 ms allowance: any backlog at all is too long.
    const config = variant(set, 1, 'exe-strict', {
      admission: { verifyWorkers: 0, maxVerifyWaitMs: 1 },
      mempool: { maxCount: 5000, maxBytes: 8_000_000, maxNonceGap: 64 },
    });
    const node = await set.spawn(config, 'exe-strict', ['--peers', '']);
    const batch = (nonce: number) => set.wallets.map((_, i) => set.tx(i, (i + 1) % 1000, { nonce }));
    // Two arrays of 1000 at once: whichever the node reads second finds the first one's 1000
    // signatures waiting (tens of ms of work) and is refused whole, before any check.
    const posts = await Promise.all(
      [0, 1].map(async (nonce) => {
        const res = await fetch(`${node.api}/txs`, { method: 'POST', body: JSON.stringify(batch(nonce)) });
        const body = (await res.json()) as {
          error?: { code: string; message: string };
          results?: { id?: string }[];
        };
        return { status: res.status, retryAfter: res.headers.get('retry-after'), body };
      }),
    );
    const refused = posts.filter((p) => p.status === 503);
    const accepted = posts.filter((p) => p.status === 202);
    expect(refused).toHaveLength(1);
    expect(accepted).toHaveLength(1);
    expect(refused[0]!.body.error?.code).toBe('overloaded');
    expect(refused[0]!.body.error?.message).toMatch(/txs are waiting for signature verification/);
    expect(Number(refused[0]!.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(accepted[0]!.body.results?.every((r) => typeof r.id === 'string')).toBe(true);
    // Once the backlog is verified the node takes txs again.
    const later = await waitFor(
      async () => {
        const res = await node.post('/txs', set.tx(0, 1, { nonce: 5 }));
        return res.status === 202 ? res : undefined;
      },
      10_000,
      'admission to reopen',
    );
    expect(later.body.id).toEqual(expect.any(String));
    expect((await node.get('/mempool')).body.rejected.overloaded).toBe(1000);
    const metrics = await (await fetch(`${node.api}/metrics`)).text();
    expect(metrics).toMatch(/refnode_mempool_rejections_total\{reason="overloaded",node="exe-0"\} 1000/);
    expect(metrics).toMatch(/refnode_tx_verify_backlog\{node="exe-0"\} 0/);
  });

  it('by default allows a verify backlog of one slot: a 100 ms slot refuses what would wait longer', async () => {
    await using set = await writeGenesis({ validators: 1, executors: 1, wallets: 1000, slotMs: 100 });
    // No verify-wait setting: the limit comes from the slot (the old fixed default was 1000 ms).
    // The pending-txs limit is lifted, so that every refusal here is the verify wait's.
    const config = variant(set, 1, 'exe-default', { admission: { maxPendingTxs: 1_000_000 } });
    const node = await set.spawn(config, 'exe-default', ['--peers', '']);
    // Eight arrays of 1000 at once: the later ones find thousands of signatures waiting (about
    // half a second of work on one worker), well past 100 ms and short of 1000 ms.
    const answers = await Promise.all(
      Array.from({ length: 8 }, async (_, nonce) => {
        const body = set.wallets.map((_, i) => set.tx(i, (i + 1) % 1000, { nonce }));
        const res = await fetch(`${node.api}/txs`, { method: 'POST', body: JSON.stringify(body) });
        return { status: res.status, body: (await res.json()) as { error?: { message: string } } };
      }),
    );
    const refused = answers.filter((a) => a.status === 503);
    expect(refused.length, 'requests refused overloaded').toBeGreaterThan(0);
    for (const { body } of refused)
      expect(body.error?.message).toMatch(/signature verification .*more than the 100 ms allowed/);
    expect(answers.filter((a) => a.status === 202).length, 'requests taken').toBeGreaterThan(0);
  });

  it('pushes back with 503 overloaded while more txs wait for a block than admission.maxPendingTxs', async () => {
    await using set = await writeGenesis({ validators: 1, executors: 1, wallets: 40, slotMs: 200 });
    // No peers: nothing it takes goes into a block, so its mempool only grows.
    const config = variant(set, 1, 'exe-pending', { admission: { maxPendingTxs: 10 } });
    const node = await set.spawn(config, 'exe-pending', ['--peers', '']);
    const size = async () => (await node.get('/mempool')).body.size;
    // Txs a nonce ahead of their senders wait for the gap, not for a block: they do not count.
    const ahead = Array.from({ length: 15 }, (_, i) => set.tx(20 + i, 0, { nonce: 1 }));
    expect((await node.post('/txs', ahead)).status).toBe(202);
    await waitFor(async () => (await size()) === 15, 10_000, '15 txs a nonce ahead in the mempool');
    // 0 executable when it arrives: taken whole, though it brings the node past its limit.
    const first = Array.from({ length: 11 }, (_, i) => set.tx(i, 39, { amount: 1 }));
    const taken = await node.post('/txs', first);
    expect(taken.status).toBe(202);
    expect(taken.body.results.map((r: { id?: string }) => r.id)).toEqual(first.map(txId));
    await waitFor(async () => (await size()) === 26, 10_000, '11 more txs in the mempool');
    // The node recounts its executable txs at most every 50 ms (per request, not per tx).
    await new Promise((ok) => setTimeout(ok, 100));

    const late = set.tx(11, 39, { amount: 1 });
    const refused = await raw(node.api, 'POST', '/txs', JSON.stringify(late));
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body.error).toEqual({
      code: 'overloaded',
      message:
        '11 txs are waiting for a block (executable in the mempool or awaiting their signature check), more than the 10 allowed; retry later',
    });
    // Refused before any check: not looked at, so unknown; counted like every overloaded refusal.
    expect((await node.get(`/txs/${txId(late)}`)).body).toEqual({ status: 'unknown' });
    expect((await node.get('/mempool')).body.rejected.overloaded).toBe(1);
  });

  it('answers malformed, oversized, unknown and flooding requests with clear 4xx and keeps producing', async () => {
    await using set = await writeGenesis({ validators: 1, wallets: 3, slotMs: 200 });
    const config = variant(set, 0, 'val-limited', {
      api: { host: '127.0.0.1', port: 0, maxBodyBytes: 4096, rateLimit: { perSecond: 50, burst: 60 } },
    });
    const node = await set.spawn(config, 'val-limited', ['--peers', '']);
    const events: string[] = [];
    const feed = await fetch(`${node.api}/events`);
    expect(feed.headers.get('content-type')).toBe('text/event-stream');
    const reader = feed.body!.getReader();
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        events.push(Buffer.from(value!).toString());
      }
    })();

    const before = (await node.info()).height;
    expect((await raw(node.api, 'GET', '/nope')).body.error.code).toBe('not_found');
    expect((await raw(node.api, 'GET', '/nope')).status).toBe(404);
    const wrongMethod = await raw(node.api, 'DELETE', '/txs');
    expect([wrongMethod.status, wrongMethod.body.error.code, wrongMethod.headers.allow]).toEqual([
      405,
      'method_not_allowed',
      'POST',
    ]);
    expect((await raw(node.api, 'POST', '/txs', '{"chainId":')).body.error.code).toBe('malformed');
    const big = await raw(node.api, 'POST', '/txs', 'x'.repeat(5000), { 'content-type': 'application/json' });
    expect([big.status, big.body.error.code]).toEqual([413, 'too_large']);
    expect((await raw(node.api, 'GET', '/blocks?from=5&to=1')).body.error.code).toBe('bad_range');
    expect((await raw(node.api, 'GET', '/blocks?from=0&to=600')).status).toBe(400);
    expect((await raw(node.api, 'GET', '/blocks?from=abc')).status).toBe(400);
    expect((await raw(node.api, 'GET', `/blocks/${'ab'.repeat(32)}`)).status).toBe(404);
    expect((await raw(node.api, 'GET', '/accounts/zz')).body.error.code).toBe('bad_address');
    expect((await raw(node.api, 'GET', '/supply?height=-1')).status).toBe(400);
    expect((await raw(node.api, 'GET', '/state?height=999999')).status).toBe(404);

    // A burst beyond the bucket gets 429 with Retry-After.
    const burst = await Promise.all(Array.from({ length: 120 }, () => raw(node.api, 'GET', '/health')));
    const limited = burst.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]!.body.error.code).toBe('rate_limited');
    expect(Number(limited[0]!.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    // The node kept producing, and the feed streamed the blocks.
    await waitFor(
      async () => (await raw(node.api, 'GET', '/info')).body?.height >= before + 3,
      10_000,
      'blocks after abuse',
    );
    await waitFor(() => events.join('').includes('event: block'), 5000, 'an SSE block event');
    const frame = events
      .join('')
      .split('\n\n')
      .find((f) => f.startsWith('event: block'))!;
    const data = JSON.parse(frame.split('\ndata: ')[1]!);
    expect(data).toMatchObject({ height: expect.any(Number), hash: expect.any(String), txIds: [] });
    await reader.cancel();
    const state = (await node.get('/state')).body;
    expect(
      Object.values(state.accounts as Record<string, { balance: number }>).reduce((s, a) => s + a.balance, 0),
    ).toBe(set.genesis.totalSupply);
  });

  it('answers an oversized body after the client has sent it all, so a client still sending never loses the 413', async () => {
    await using set = await writeGenesis({ validators: 1, wallets: 1, slotMs: 200 });
    const config = variant(set, 0, 'val-small-body', {
      api: { host: '127.0.0.1', port: 0, maxBodyBytes: 4096 },
    });
    const node = await set.spawn(config, 'val-small-body', ['--peers', '']);
    const { port } = new URL(node.api);
    const answer = async (declared: boolean): Promise<string> => {
      const socket = connect(Number(port), '127.0.0.1');
      await once(socket, 'connect');
      let text = '';
      socket.on('data', (d) => (text += d));
      const closed = new Promise<string>((ok, fail) => {
        socket.once('error', fail);
        socket.once('close', () => ok(text));
      });
      // Far more than the socket buffers hold: the client is still sending when the node has
      // seen enough to refuse. A node that answered then and closed would reset the connection
      // under the client's writes (EPIPE or ECONNRESET here), and the answer could be lost.
      const body = 'x'.repeat(4 * 1024 * 1024);
      const head = declared ? `content-length: ${body.length}` : 'transfer-encoding: chunked';
      socket.write(`POST /txs HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n${head}\r\n\r\n`);
      socket.write(declared ? body : `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`);
      return closed;
    };
    for (const declared of [true, false]) {
      const response = await answer(declared);
      expect(response.split('\r\n')[0]).toBe('HTTP/1.1 413 Payload Too Large');
      expect(JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)).error.code).toBe('too_large');
    }
  });

  it('limits each client (429 rate_limited + Retry-After), connections and slow requests; no-rate-limit removes the per-client limit', async () => {
    await using set = await writeGenesis({ validators: 1, executors: 1, wallets: 0, slotMs: 200 });
    const limits = { api: { host: '127.0.0.1', port: 0, rateLimit: { perSecond: 5, burst: 10 } } };
    const few = { api: { host: '127.0.0.1', port: 0, maxConnections: 5, requestTimeoutMs: 1000 } };
    const [limited, unlimited, small] = await Promise.all([
      set.spawn(variant(set, 1, 'exe-limited', limits), 'exe-limited', ['--peers', '']),
      set.spawn(variant(set, 1, 'exe-unlimited', limits), 'exe-unlimited', [
        '--peers',
        '',
        '--bug',
        'no-rate-limit',
      ]),
      set.spawn(variant(set, 1, 'exe-small', few), 'exe-small', ['--peers', '']),
    ]);
    const smallPort = Number(new URL(small.api).port);
    const burst = (node: RunningNode) =>
      Promise.all(Array.from({ length: 30 }, () => raw(node.api, 'GET', '/health')));

    const burstFrom = performance.now();
    const answers = await burst(limited);
    const burstSeconds = (performance.now() - burstFrom) / 1000;
    const refused = answers.filter((answer) => answer.status === 429);
    // The bucket holds 10 and refills 5/s: a burst of 30 gets at most 10 plus 5 per second it
    // lasted (on a busy machine it lasts longer), and the rest is refused, each with a typed error.
    const served = answers.filter((answer) => answer.status === 200).length;
    expect(served).toBeGreaterThanOrEqual(10);
    expect(served).toBeLessThanOrEqual(10 + Math.floor(5 * burstSeconds));
    expect(refused.length).toBe(30 - served);
    expect(refused.length).toBeGreaterThan(0);
    for (const answer of refused) {
      expect(answer.body.error.code).toBe('rate_limited');
      expect(answer.body.error.message).toMatch(/^too many requests; retry in \d+ ms$/);
      expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    // /metrics is rate limited too: retried until the bucket has refilled, counting its own 429s.
    let alsoRefused = 0;
    const counted = await waitFor(
      async () => {
        try {
          return await limited.metric('refnode_http_requests_total', {
            route: 'rate_limited',
            status: '429',
          });
        } catch (error) {
          if (String(error).includes('answered 429')) alsoRefused++;
          throw error;
        }
      },
      5000,
      'the 429 count on /metrics',
    );
    expect(counted).toBe(refused.length + alsoRefused);
    // The bug serves the same burst (and more) without a single 429.
    const free = [...(await burst(unlimited)), ...(await burst(unlimited))];
    expect(free.map((answer) => answer.status)).toEqual(free.map(() => 200));
    expect((await unlimited.info()).bugs).toEqual(['no-rate-limit']);

    // A slow body is cut off after requestTimeoutMs (408 from Node's HTTP server).
    const slow = await new Promise<string>((resolve, reject) => {
      const socket = connect(smallPort, '127.0.0.1', () => {
        socket.write('POST /txs HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{');
      });
      let text = '';
      socket.on('data', (chunk) => (text += chunk));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(slow).toMatch(/^HTTP\/1\.1 408/);
    // More than maxConnections open sockets: the extra ones are closed without an answer.
    const sockets = await Promise.all(
      Array.from(
        { length: 8 },
        () =>
          new Promise<{ socket: Socket; closed: Promise<boolean> }>((resolve) => {
            const socket = connect(smallPort, '127.0.0.1', () =>
              resolve({ socket, closed: new Promise((done) => socket.on('close', () => done(true))) }),
            );
            socket.on('error', () => undefined);
          }),
      ),
    );
    const closed = await Promise.all(
      sockets.map(({ closed }) =>
        // Well within the 1 s headers timeout that would close the idle ones too.
        Promise.race([closed, new Promise((done) => setTimeout(() => done(false), 300))]),
      ),
    );
    expect(closed.filter(Boolean).length).toBe(3);
    for (const { socket } of sockets) socket.destroy();
  });
});
