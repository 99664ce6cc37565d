import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRejection, type Rejection } from '../chain/tx-check.ts';
import { CHANNEL_NAME } from '../da/blob.ts';
import type { DaErrorCode } from '../da/errors.ts';
import type { RefNode } from '../node.ts';
import { RateLimiter } from './rate-limiter.ts';

// `node:http` taken as the CommonJS module: an ESM import of it reads every export, and its
// lazy `WebSocket` getters load Node's bundled undici, about 20 ms of a ~300 ms boot that a node
// never uses (bench/README.md, "refnode boot").
const { createServer } = process.getBuiltinModule('node:http');

/** Largest `POST /txs` array and `/blocks` range. */
export const maxTxsPerRequest = 1000;
export const maxBlocksPerRequest = 500;

class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

type Handler = (req: IncomingMessage, url: URL, params: string[]) => Promise<unknown> | unknown;
interface Route {
  pattern: RegExp;
  name: string;
  methods: Record<string, Handler>;
}

/** HTTP status of each tx refusal code. */
function statusOf(rejection: Rejection): number {
  switch (rejection.code) {
    case 'too_large':
      return 413;
    case 'duplicate':
      return 409;
    case 'mempool_full':
    case 'overloaded':
      return 503;
    default:
      return 400;
  }
}

/** HTTP status of each DA refusal code. */
function daStatusOf(code: DaErrorCode | 'wrong_role'): number {
  switch (code) {
    case 'too_large':
      return 413;
    case 'bad_order':
      return 409;
    case 'wrong_role':
      return 403;
    case 'not_found':
      return 404;
    case 'unavailable':
      return 503;
    case 'inconsistent':
      return 502;
    default:
      return 400;
  }
}

/** A started API server; `stop()` is idempotent. */
export interface ApiServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** Serves the refnode HTTP API for `node` (see refnode/README.md for every route). */
export async function startApi(node: RefNode): Promise<ApiServer> {
  const { api } = node.config;
  // The no-rate-limit bug serves every request: no per-client token bucket, no 429.
  const limiter = node.config.bugs.includes('no-rate-limit') ? undefined : new RateLimiter(api.rateLimit);
  const sseClients = new Set<ServerResponse>();
  const heightParam = (url: URL, fallback: number): number => {
    const raw = url.searchParams.get('height');
    if (raw === null) return fallback;
    const height = Number(raw);
    if (raw === '' || !Number.isSafeInteger(height) || height < 0) {
      throw new HttpError(400, 'bad_height', `height must be an integer ≥ 0, got ${JSON.stringify(raw)}`);
    }
    return height;
  };
  const stateAt = (url: URL) => {
    const height = heightParam(url, node.chain.finalizedHeight);
    if (height > node.chain.height)
      throw new HttpError(404, 'not_found', `height ${height} is above the tip ${node.chain.height}`);
    const state = node.chain.stateAt(height);
    if (state === undefined)
      throw new HttpError(
        404,
        'not_retained',
        `state at height ${height} is no longer kept (final height ${node.chain.finalizedHeight})`,
      );
    return { height, hash: node.chain.canonicalHash(height)!, state };
  };
  const info = () => {
    const finalized = node.chain.finalizedHeight;
    return {
      nodeId: node.config.nodeId,
      role: node.config.role,
      chainId: node.genesis.chainId,
      peerId: node.network?.peerId ?? node.config.peerId,
      slot: node.chain.currentSlot(),
      height: node.chain.height,
      tip: node.chain.best.hash,
      stateRoot: node.chain.best.block.stateRoot,
      finalizedHeight: finalized,
      finalizedTip: node.chain.canonicalHash(finalized),
      finalizedStateRoot: node.chain.getBlock(node.chain.canonicalHash(finalized)!)?.stateRoot,
      peers: node.peers().length,
      peerIds: node.peers(),
      p2p: node.network?.addresses ?? [],
      publicKey: node.publicKey,
      da: node.da.info(),
      clock: { now: Date.now(), maxDriftMs: node.genesis.maxDriftMs, ...node.futureBlocks.counts() },
      stake: node.stakeView(),
      finalBlocksReverted: node.finalBlocksReverted,
      bugs: node.config.bugs,
    };
  };
  const p2pPeers = () => {
    const network = node.network;
    if (network === undefined) throw new HttpError(503, 'unavailable', 'p2p is not running');
    return {
      peerId: network.peerId,
      ...network.gossipView(),
      queues: { txOutbox: node.txOutboxSize, heldBlocks: node.futureBlocks.counts().holding },
      peers: network.peerViews().map((view) => ({
        ...view,
        name: view.name ?? node.genesisName(view.peerId) ?? null,
      })),
    };
  };

  const routes: Route[] = [
    { pattern: /^\/health$/, name: 'health', methods: { GET: () => ({ ok: true }) } },
    { pattern: /^\/info$/, name: 'info', methods: { GET: info } },
    { pattern: /^\/p2p\/peers$/, name: 'p2p_peers', methods: { GET: p2pPeers } },
    {
      pattern: /^\/p2p\/book$/,
      name: 'p2p_book',
      methods: {
        GET: () => {
          if (node.network === undefined) throw new HttpError(503, 'unavailable', 'p2p is not running');
          return node.network.book();
        },
      },
    },
    {
      pattern: /^\/blocks$/,
      name: 'blocks',
      methods: {
        GET: (_req, url) => {
          const parse = (name: string, raw: string | null) => {
            const value = Number(raw);
            if (raw === null || raw === '' || !Number.isSafeInteger(value) || value < 0) {
              throw new HttpError(
                400,
                'bad_range',
                `${name} must be an integer ≥ 0, got ${JSON.stringify(raw)}`,
              );
            }
            return value;
          };
          const from = parse('from', url.searchParams.get('from'));
          const to = url.searchParams.has('to')
            ? parse('to', url.searchParams.get('to'))
            : from + maxBlocksPerRequest - 1;
          if (to < from || to - from + 1 > maxBlocksPerRequest) {
            throw new HttpError(
              400,
              'bad_range',
              `need from ≤ to and at most ${maxBlocksPerRequest} blocks, got from=${from} to=${to}`,
            );
          }
          return { blocks: node.blocks(from, to) };
        },
      },
    },
    {
      pattern: /^\/blocks\/([^/]+)$/,
      name: 'block',
      methods: {
        GET: (_req, _url, [hash]) => {
          const block = /^[0-9a-f]{64}$/.test(hash!) ? node.chain.getBlock(hash!) : undefined;
          if (block === undefined)
            throw new HttpError(404, 'not_found', `no block with hash ${JSON.stringify(hash)}`);
          return block;
        },
      },
    },
    {
      pattern: /^\/txs$/,
      name: 'txs',
      methods: {
        POST: async (req) => {
          const body = await readJson(req, api.maxBodyBytes);
          if (Array.isArray(body) && body.length > maxTxsPerRequest) {
            throw new HttpError(
              413,
              'too_large',
              `at most ${maxTxsPerRequest} txs per request, got ${body.length}`,
            );
          }
          // Before any work: a node whose verify backlog is too long refuses the whole request.
          const overload = node.refuseIfOverloaded(Array.isArray(body) ? body.length : 1);
          if (overload !== undefined) {
            throw new HttpError(503, overload.rejection.code, overload.rejection.message, {
              'retry-after': String(Math.max(1, Math.ceil(overload.retryAfterMs / 1000))),
            });
          }
          if (Array.isArray(body)) {
            const results = (await node.submitTxs(body)).map((result) =>
              isRejection(result) ? { error: result } : result,
            );
            return [202, { results }];
          }
          const result = await node.submitTx(body);
          if (isRejection(result)) throw new HttpError(statusOf(result), result.code, result.message);
          return [202, result];
        },
      },
    },
    {
      pattern: /^\/txs\/([^/]+)$/,
      name: 'tx',
      methods: { GET: (_req, _url, [id]) => node.txStatus(id!) },
    },
    {
      pattern: /^\/mempool$/,
      name: 'mempool',
      methods: {
        GET: (_req, url) => ({
          size: node.mempool.size,
          bytes: node.mempool.bytes,
          capacity: node.mempool.limits.maxCount,
          capacityBytes: node.mempool.limits.maxBytes,
          evicted: node.mempool.evictedTotal,
          rejected: node.rejectedCounts,
          lowestFee: node.mempool.lowestFee ?? null,
          ...(url.searchParams.get('ids') === '1' ? { ids: node.mempool.ids() } : {}),
        }),
      },
    },
    {
      pattern: /^\/accounts\/([^/]+)$/,
      name: 'account',
      methods: {
        GET: (_req, _url, [address]) => {
          if (!/^[0-9a-f]{64}$/.test(address!)) {
            throw new HttpError(
              400,
              'bad_address',
              `address must be 64 lowercase hex chars, got ${JSON.stringify(address)}`,
            );
          }
          const account = node.chain.tipState.get(address!);
          return { balance: account.balance, nonce: account.nonce };
        },
      },
    },
    {
      pattern: /^\/supply$/,
      name: 'supply',
      methods: {
        GET: (_req, url) => {
          const { height, hash, state } = stateAt(url);
          return { height, hash, supply: state.supply() };
        },
      },
    },
    {
      pattern: /^\/state$/,
      name: 'state',
      methods: {
        GET: (_req, url) => {
          const { height, hash, state } = stateAt(url);
          return { height, hash, stateRoot: state.root(), accounts: state.toJSON() };
        },
      },
    },
    {
      pattern: /^\/metrics$/,
      name: 'metrics',
      methods: {
        GET: async () => ({
          raw: await node.metrics.registry.metrics(),
          type: node.metrics.registry.contentType,
        }),
      },
    },
    {
      pattern: /^\/da\/blobs$/,
      name: 'da_publish',
      methods: {
        POST: async (req) => {
          const body = await readJson(req, api.maxBodyBytes);
          const result = node.da.submit(body);
          if ('code' in result) throw new HttpError(daStatusOf(result.code), result.code, result.message);
          return [result.duplicate ? 200 : 202, result];
        },
      },
    },
    {
      pattern: /^\/da\/blobs\/([^/]+)$/,
      name: 'da_blob',
      methods: {
        GET: async (_req, url, [id]) => {
          if (!/^[0-9a-f]{64}$/.test(id!))
            throw new HttpError(
              400,
              'bad_id',
              `blob id must be 64 lowercase hex chars, got ${JSON.stringify(id).slice(0, 80)}`,
            );
          const status = node.da.status(id!);
          if (status === undefined)
            throw new HttpError(404, 'not_found', `no blob ${id} known to ${node.config.nodeId}`);
          const wantData = url.searchParams.get('data');
          if (wantData !== null && wantData !== '0' && wantData !== '1')
            throw new HttpError(
              400,
              'bad_query',
              `data must be 0 or 1, got ${JSON.stringify(wantData).slice(0, 40)}`,
            );
          if (wantData !== '1') return status;
          try {
            return { ...status, data: (await node.da.data(id!)).toString('base64') };
          } catch (error) {
            const code = (error as { code?: DaErrorCode }).code ?? 'unavailable';
            throw new HttpError(daStatusOf(code), code, (error as Error).message);
          }
        },
      },
    },
    {
      pattern: /^\/da\/channels\/([^/]+)$/,
      name: 'da_channel',
      methods: {
        GET: (_req, _url, [name]) => {
          if (!CHANNEL_NAME.test(name!))
            throw new HttpError(
              400,
              'bad_channel',
              `channel must be 1–64 chars of A-Z a-z 0-9 . _ - starting with a letter or digit, got ${JSON.stringify(name).slice(0, 80)}`,
            );
          const included = node.chain.tipChannels.get(name!);
          return {
            channel: name,
            owner: included?.owner ?? null,
            next: included?.next ?? 0,
            ...(node.config.role === 'executor' ? { nextAccepted: node.da.channel(name!)?.next ?? 0 } : {}),
          };
        },
      },
    },
  ];

  const onBlock = (summary: unknown) => broadcast('block', summary);
  const onFinalized = (finalized: unknown) => broadcast('finalized', finalized);
  node.events.on('block', onBlock);
  node.events.on('finalized', onFinalized);
  function broadcast(event: string, data: unknown): void {
    if (sseClients.size === 0) return;
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const client of sseClients) {
      // A reader that stopped reading is dropped rather than buffered without bound.
      if (client.writableLength > 16 * 1024 * 1024) client.destroy();
      else client.write(frame);
    }
  }

  // connectionsCheckingInterval: how often Node enforces requestTimeout (30 s by default, far too
  // coarse for a 1 s timeout on slow bodies).
  const server: Server = createServer({ connectionsCheckingInterval: 1000 }, (req, res) => {
    let routeName = 'unknown';
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      node.metrics.httpRequests.inc({ route: routeName, status: String(status) });
      if (res.headersSent) return;
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        ...headers,
      });
      res.end(text);
    };
    const fail = (error: unknown) => {
      if (error instanceof HttpError) {
        send(error.status, { error: { code: error.code, message: error.message } }, error.headers);
      } else {
        node.logger.error({ err: error, url: req.url }, 'API handler failed');
        send(500, { error: { code: 'internal', message: (error as Error)?.message ?? 'internal error' } });
      }
    };
    try {
      const retryMs = limiter?.take(req.socket.remoteAddress ?? 'unknown') ?? 0;
      if (retryMs > 0) {
        routeName = 'rate_limited';
        throw new HttpError(429, 'rate_limited', `too many requests; retry in ${retryMs} ms`, {
          'retry-after': String(Math.max(1, Math.ceil(retryMs / 1000))),
        });
      }
      let url: URL;
      try {
        url = new URL(req.url ?? '/', 'http://refnode');
      } catch {
        throw new HttpError(400, 'malformed', `bad request target ${JSON.stringify(req.url)}`);
      }
      if (url.pathname === '/events') {
        routeName = 'events';
        if (req.method !== 'GET')
          throw new HttpError(405, 'method_not_allowed', `${req.method} /events is not allowed; use GET`, {
            allow: 'GET',
          });
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        });
        res.write(': refnode block feed\n\n');
        sseClients.add(res);
        node.metrics.httpRequests.inc({ route: routeName, status: '200' });
        res.on('close', () => sseClients.delete(res));
        return;
      }
      const route = routes.find((candidate) => candidate.pattern.test(url.pathname));
      if (route === undefined)
        throw new HttpError(404, 'not_found', `no route ${req.method} ${url.pathname}`);
      routeName = route.name;
      const handler = route.methods[req.method ?? 'GET'];
      if (handler === undefined) {
        const allowed = Object.keys(route.methods).join(', ');
        throw new HttpError(
          405,
          'method_not_allowed',
          `${req.method} ${url.pathname} is not allowed; use ${allowed}`,
          { allow: allowed },
        );
      }
      const params = route.pattern
        .exec(url.pathname)!
        .slice(1)
        .map((p) => (p === undefined ? '' : decodeURIComponent(p)));
      Promise.resolve(handler(req, url, params)).then((result) => {
        if (routeName === 'metrics') {
          const { raw, type } = result as { raw: string; type: string };
          node.metrics.httpRequests.inc({ route: routeName, status: '200' });
          res.writeHead(200, { 'content-type': type });
          res.end(raw);
        } else if (Array.isArray(result) && typeof result[0] === 'number' && result.length === 2)
          send(result[0], result[1]);
        else send(200, result);
      }, fail);
    } catch (error) {
      fail(error);
    }
  });
  server.keepAliveTimeout = 10_000;
  // Concurrency and slow clients: at most maxConnections open sockets (more are closed at once),
  // and a request whose headers and body take longer than requestTimeoutMs gets 408.
  server.maxConnections = api.maxConnections;
  server.requestTimeout = api.requestTimeoutMs;
  server.headersTimeout = Math.min(api.requestTimeoutMs, 60_000);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(api.port, api.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = api.host === '0.0.0.0' || api.host === '::' ? '127.0.0.1' : api.host;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    stop: () => {
      stopping ??= new Promise<void>((resolve) => {
        node.events.off('block', onBlock);
        node.events.off('finalized', onFinalized);
        for (const client of sseClients) client.end();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}

/**
 * Reads a JSON body up to `limit` bytes: 413 `too_large` beyond it, 400 `malformed` when not JSON.
 * An oversized body is read to its end and dropped (never buffered) before the 413 goes out: a
 * node that answered and closed while the client was still sending would reset the connection,
 * and the client would lose the answer (RFC 9112 §9.6). A client too slow to finish is cut off
 * by the request timeout.
 */
function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      req.once('error', (error) =>
        reject(new HttpError(400, 'malformed', `reading the body failed: ${error.message}`)),
      );
      req.once('end', () =>
        reject(
          new HttpError(413, 'too_large', `body of ${declared} bytes exceeds the limit of ${limit} bytes`, {
            connection: 'close',
          }),
        ),
      );
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => {
      if (failed) {
        reject(
          new HttpError(413, 'too_large', `body exceeds the limit of ${limit} bytes`, {
            connection: 'close',
          }),
        );
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(JSON.parse(text));
      } catch (error) {
        reject(new HttpError(400, 'malformed', `body is not valid JSON: ${(error as Error).message}`));
      }
    });
    req.on('error', (error) => {
      reject(new HttpError(400, 'malformed', `reading the body failed: ${error.message}`));
    });
  });
}
