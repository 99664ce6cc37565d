/**
 * Free TCP ports on a loopback host for nodes to listen on. A port handed out here is
 * released before the node binds it, so the OS must not hand it to anyone else meanwhile:
 * ports come from below the kernel's ephemeral range (Linux `ip_local_port_range`), which
 * the OS uses for every `listen(0)` (the link proxy's listeners) and every outgoing
 * connection on the machine, and each is checked free by listening on it. Where the range
 * cannot be read, the OS picks (port 0).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/** Ports below the ephemeral range that we pick from: [low, high]. */
const RANGE_WIDTH = 10_000;

/** The range ports are drawn from, or undefined to let the OS pick. Read once. */
const pickRange: { low: number; high: number } | undefined = (() => {
  try {
    const [start] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const high = Number(start) - 1;
    const low = Math.max(1024, high - RANGE_WIDTH);
    return Number.isInteger(high) && high - low >= 1000 ? { low, high } : undefined;
  } catch {
    return undefined;
  }
})();

function listenOn(host: string, port: number): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EADDRINUSE' || error.code === 'EACCES' ? resolve(undefined) : reject(error),
    );
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}

/** Holds a free port: one drawn from the pick range (a few tries), else one the OS picks. */
async function holdFreePort(host: string, taken: ReadonlySet<number>): Promise<Server> {
  if (pickRange !== undefined) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = pickRange.low + Math.floor(Math.random() * (pickRange.high - pickRange.low + 1));
      if (taken.has(port)) continue;
      const server = await listenOn(host, port);
      if (server) return server;
    }
  }
  const server = await listenOn(host, 0);
  if (!server) throw new Error(`no free port on ${host}`);
  return server;
}

const portOf = (server: Server): number => {
  const a = server.address();
  return typeof a === 'object' && a !== null ? a.port : 0;
};

const close = (server: Server): Promise<void> => new Promise((r) => server.close(() => r()));

/** One free port on `host`. Another process may take it before use; callers start soon after. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = await holdFreePort(host, new Set());
  const port = portOf(server);
  await close(server);
  return port;
}

/** `count` distinct free ports (held open together so none is handed out twice). */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: Server[] = [];
  const taken = new Set<number>();
  try {
    for (let i = 0; i < count; i++) {
      const server = await holdFreePort(host, taken);
      servers.push(server);
      taken.add(portOf(server));
    }
    return servers.map(portOf);
  } finally {
    await Promise.all(servers.map(close));
  }
}
