/**
 * Free TCP ports on a loopback host for nodes to listen on. A port handed out here is
 * released before the node binds it, so the OS must not hand it to anyone else meanwhile:
 * ports come from below the kernel's ephemeral range (Linux `ip_local_port_range`), which
 * the OS uses for every `listen(0)` (the link proxy's listeners) and every outgoing
 * connection on the machine, and each is checked free by listening on it. Where the range
 * cannot be read, the OS picks (port 0). Ports for nodes also come reserved machine-wide
 * (`reservePorts`), so a cluster of another process does not pick them while a node boots.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { isReserved, release, tryReserve } from './port-reservations.ts';

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

const portOf = (server: Server): number => {
  const a = server.address();
  return typeof a === 'object' && a !== null ? a.port : 0;
};

const close = (server: Server): Promise<void> => new Promise((r) => server.close(() => r()));

/**
 * Holds a free port: one drawn from the pick range (a few tries), else one the OS picks.
 * Never one another process has reserved; with `reserve`, reserved for this one.
 */
async function holdFreePort(host: string, taken: ReadonlySet<number>, reserve = false): Promise<Server> {
  const claim = async (server: Server | undefined): Promise<Server | undefined> => {
    if (server === undefined) return undefined;
    const port = portOf(server);
    if (reserve ? tryReserve(port) : !isReserved(port)) return server;
    await close(server);
    return undefined;
  };
  if (pickRange !== undefined) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = pickRange.low + Math.floor(Math.random() * (pickRange.high - pickRange.low + 1));
      if (taken.has(port)) continue;
      const server = await claim(await listenOn(host, port));
      if (server) return server;
    }
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    const server = await claim(await listenOn(host, 0));
    if (server) return server;
  }
  throw new Error(`no free port on ${host}`);
}

/** One free port on `host`. Another process may take it before use; callers start soon after. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = await holdFreePort(host, new Set());
  const port = portOf(server);
  await close(server);
  return port;
}

/** `count` distinct free ports (held open together so none is handed out twice). */
export function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  return pickPorts(count, host, false);
}

async function pickPorts(count: number, host: string, reserve: boolean): Promise<number[]> {
  const servers: Server[] = [];
  const taken = new Set<number>();
  try {
    for (let i = 0; i < count; i++) {
      const server = await holdFreePort(host, taken, reserve);
      servers.push(server);
      taken.add(portOf(server));
    }
    return servers.map(portOf);
  } catch (error) {
    if (reserve) release(taken);
    throw error;
  } finally {
    await Promise.all(servers.map(close));
  }
}

/** Ports reserved for this process until {@link PortReservation.release}. */
export interface PortReservation {
  readonly ports: readonly number[];
  /** Drops the reservations (idempotent): call once nothing will bind these ports again. */
  release(): void;
}

/**
 * `count` distinct free ports, each also reserved machine-wide (port-reservations.ts) so no
 * other chainlab process picks one while its node is booting or restarting. For ports a
 * node binds, unbinds and binds again over a cluster's life.
 */
export async function reservePorts(count: number, host = '127.0.0.1'): Promise<PortReservation> {
  const ports = await pickPorts(count, host, true);
  // Idempotent as it is: release drops only files that still name this process.
  return { ports, release: () => release(ports) };
}

/**
 * `count` consecutive free ports from the pick range, each reserved machine-wide as
 * {@link reservePorts} does: for a tool that takes a base port and counts up (refnode's
 * `genesis --base-port`). Throws where the pick range cannot be read.
 */
export async function reservePortBlock(count: number, host = '127.0.0.1'): Promise<PortReservation> {
  if (pickRange === undefined || pickRange.high - pickRange.low + 1 < count)
    throw new Error(`no port range to pick ${count} consecutive ports from on ${host}`);
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = pickRange.low + Math.floor(Math.random() * (pickRange.high - pickRange.low + 2 - count));
    const servers: Server[] = [];
    const reserved: number[] = [];
    for (let port = base; port < base + count; port++) {
      const server = await listenOn(host, port);
      if (server !== undefined) servers.push(server);
      if (server === undefined || !tryReserve(port)) break;
      reserved.push(port);
    }
    await Promise.all(servers.map(close));
    if (reserved.length === count) return { ports: reserved, release: () => release(reserved) };
    release(reserved);
  }
  throw new Error(`no ${count} consecutive free ports on ${host}`);
}
