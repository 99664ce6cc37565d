/**
 * Test helpers that look at the network from outside a node: a TCP proxy that records the
 * connections it carries, and the TCP sockets a process holds, read from /proc.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A TCP proxy on 127.0.0.1 forwarding to `targetPort`, as a link layer would put on a link. */
export class TcpProxy implements AsyncDisposable {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  /** Connections accepted so far. */
  accepted = 0;
  /** Local ports of the proxy's own connections to the target (what the target sees as remote). */
  readonly upstreamPorts = new Set<number>();

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy: TcpProxy = new TcpProxy(
      createServer((client) => {
        proxy.accepted++;
        const upstream = createConnection(targetPort, '127.0.0.1');
        for (const socket of [client, upstream]) {
          proxy.#sockets.add(socket);
          socket.on('close', () => proxy.#sockets.delete(socket));
          socket.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        upstream.on('connect', () => proxy.upstreamPorts.add(upstream.localPort!));
        client.pipe(upstream);
        upstream.pipe(client);
      }),
    );
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  /** The multiaddr a node dials to go through this proxy. */
  get addr(): string {
    return `/ip4/127.0.0.1/tcp/${this.port}`;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

/** A TCP socket of a process: local and remote port and the kernel state (01 = established). */
export interface ProcessSocket {
  localPort: number;
  remotePort: number;
  state: string;
}

/**
 * The TCP sockets `pid` holds right now (IPv4 and IPv6), from /proc/<pid>/fd and /proc/net/tcp*.
 * Linux only; this is what the kernel says, whatever the process believes.
 */
export function processSockets(pid: number): ProcessSocket[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // the fd closed while we listed them
    }
  }
  const sockets: ProcessSocket[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || !inodes.has(fields[9]!)) continue;
      const port = (address: string) => Number.parseInt(address.split(':')[1]!, 16);
      sockets.push({ localPort: port(fields[1]!), remotePort: port(fields[2]!), state: fields[3]! });
    }
  }
  return sockets;
}
