/**
 * The link proxy's control API (HTTP/JSON). The cluster is its only client; every body is
 * checked and a bad one gets 400 `{ error: { code, message } }` naming what was wrong.
 *
 * | request | body | answer |
 * |---|---|---|
 * | `GET /health` | | `{ ok: true }` |
 * | `GET /links` | | `{ links: LinkStatus[], flows: [{ from, to, settings, bytes }] }` |
 * | `PUT /links` | `{ links: [{ from, to, target: { host, port } }] }` | `{ links: [{ id, port }] }` (listens for new ones) |
 * | `DELETE /links` | `{ ids: ["a>b", …] }` | `{ removed }` (listeners closed, connections reset) |
 * | `PUT /flows` | `{ flows: [{ from, to, settings }] }` | `{ reset }` (connections a new blackhole cut) |
 * | `POST /reset` | `{ ids }` | `{ reset }` |
 * | `POST /probe` | `{ ids, timeoutMs }` | `{ results: [{ id, passed, reason? }] }` |
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type FlowSettings, flowSettingsProblems, OPEN_FLOW } from './flow.ts';
import type { LinkSpec, LinkTable } from './link-table.ts';

/** Largest request body the control API reads. */
const MAX_BODY_BYTES = 4 << 20;

class BadRequest extends Error {}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BadRequest(`body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) throw new BadRequest('body must be a JSON object');
    return parsed as Record<string, unknown>;
  } catch (error) {
    if (error instanceof BadRequest) throw error;
    throw new BadRequest(`body is not JSON: ${(error as Error).message}`);
  }
}

const isName = (x: unknown): x is string => typeof x === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(x);

function list(b: Record<string, unknown>, key: string): unknown[] {
  const v = b[key];
  if (!Array.isArray(v)) throw new BadRequest(`${key} must be an array`);
  return v;
}

function ids(b: Record<string, unknown>): string[] {
  return list(b, 'ids').map((id, i) => {
    if (typeof id !== 'string' || !/^[^>]+>[^>]+$/.test(id))
      throw new BadRequest(`ids[${i}] must be "from>to", got ${JSON.stringify(id)}`);
    return id;
  });
}

function linkSpecs(b: Record<string, unknown>): LinkSpec[] {
  return list(b, 'links').map((x, i) => {
    const l = x as Partial<LinkSpec>;
    const port = l?.target?.port;
    if (!isName(l?.from) || !isName(l?.to) || l.from === l.to)
      throw new BadRequest(`links[${i}] needs two different node names from and to`);
    if (typeof l.target?.host !== 'string' || !Number.isInteger(port) || port! < 1 || port! > 65535)
      throw new BadRequest(`links[${i}].target must be { host, port 1..65535 }`);
    return { from: l.from, to: l.to, target: { host: l.target.host, port: port! } };
  });
}

function flowChanges(b: Record<string, unknown>): { from: string; to: string; settings: FlowSettings }[] {
  return list(b, 'flows').map((x, i) => {
    const f = x as { from?: unknown; to?: unknown; settings?: unknown };
    if (!isName(f?.from) || !isName(f?.to) || f.from === f.to)
      throw new BadRequest(`flows[${i}] needs two different node names from and to`);
    const settings = { ...OPEN_FLOW, ...(f.settings as object) };
    const problems = flowSettingsProblems(settings);
    if (problems.length > 0) throw new BadRequest(`flows[${i}].settings: ${problems.join('; ')}`);
    return { from: f.from, to: f.to, settings };
  });
}

/** Routes one request; returns the answer's JSON. */
async function route(table: LinkTable, req: IncomingMessage): Promise<unknown> {
  const path = (req.url ?? '/').split('?')[0];
  const key = `${req.method} ${path}`;
  switch (key) {
    case 'GET /health':
      return { ok: true };
    case 'GET /links':
      return table.status();
    case 'PUT /links':
      return { links: await table.add(linkSpecs(await body(req))) };
    case 'DELETE /links':
      return { removed: await table.remove(ids(await body(req))) };
    case 'PUT /flows':
      return { reset: table.setFlows(flowChanges(await body(req))) };
    case 'POST /reset':
      return { reset: table.reset(ids(await body(req))) };
    case 'POST /probe': {
      const b = await body(req);
      const timeoutMs = b.timeoutMs ?? 500;
      if (typeof timeoutMs !== 'number' || timeoutMs < 1 || timeoutMs > 60_000)
        throw new BadRequest('timeoutMs must be a number 1..60000');
      return { results: await table.probe(ids(b), timeoutMs) };
    }
    default:
      throw Object.assign(new Error(`no route ${key}`), { status: 404 });
  }
}

function reply(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Starts the control API on `host:port` (0 = any free port); resolves once it listens. */
export async function startControlServer(table: LinkTable, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    route(table, req).then(
      (answer) => reply(res, 200, answer),
      (error: Error & { status?: number }) => {
        const status = error instanceof BadRequest ? 400 : (error.status ?? 500);
        const code = status === 400 ? 'bad_request' : status === 404 ? 'not_found' : 'internal';
        reply(res, status, { error: { code, message: error.message } });
      },
    );
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => resolve());
  });
  return server;
}
