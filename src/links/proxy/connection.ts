/**
 * One connection a node opened through a link: the dialler's socket (`client`) and the
 * proxy's own socket to the target node (`upstream`), with a pipe each way. The forward
 * pipe carries the link's flow (dialler → target), the back pipe the reverse flow.
 *
 * States: `held` (the forward flow is blackholed: nothing is read, the target is not even
 * dialled, so not one packet reaches it), `connecting`, `open`, `closed`.
 */
import { connect, type Socket } from 'node:net';
import type { Flow } from './flow.ts';
import { Pipe } from './pipe.ts';

export type ConnectionState = 'held' | 'connecting' | 'open' | 'closed';

/** What a connection needs from its link. */
export interface ConnectionLink {
  readonly target: { host: string; port: number };
  readonly forward: Flow;
  readonly back: Flow;
  /** Counts delivered bytes (not for probes). */
  count(direction: 'forward' | 'back', n: number): void;
  /** The connection closed: forget it. */
  closed(conn: Connection): void;
}

export class Connection {
  readonly client: Socket;
  readonly link: ConnectionLink;
  /** A probe of the control API, not a node's connection (kept out of the counters). */
  probe = false;
  /** The dialler's port as the proxy sees it (the node's local port). */
  readonly clientPort: number;
  state: ConnectionState = 'held';
  upstream: Socket | undefined;
  /** The proxy's local port towards the target (what the target node sees as remote). */
  upstreamPort: number | undefined;
  readonly since = Date.now();
  #pipes: { forward: Pipe; back: Pipe } | undefined;
  readonly #listeners = new Set<(state: ConnectionState, why?: string) => void>();

  constructor(client: Socket, link: ConnectionLink) {
    this.client = client;
    this.link = link;
    this.clientPort = client.remotePort ?? 0;
    client.on('error', () => this.#close(true));
    client.on('close', () => this.#close(false));
  }

  /** Calls `fn` on every state change (and `why` when the target could not be reached). */
  onState(fn: (state: ConnectionState, why?: string) => void): void {
    this.#listeners.add(fn);
  }

  #set(state: ConnectionState, why?: string): void {
    this.state = state;
    for (const fn of this.#listeners) fn(state, why);
  }

  /** Dials the target and starts both pipes (a held connection goes on from where it waited). */
  open(): void {
    if (this.state !== 'held') return;
    this.#set('connecting');
    const upstream = connect({
      host: this.link.target.host,
      port: this.link.target.port,
      allowHalfOpen: true,
    });
    upstream.setNoDelay(true);
    this.upstream = upstream;
    upstream.once('connect', () => {
      if (this.state !== 'connecting') return;
      this.upstreamPort = upstream.localPort;
      const count = (direction: 'forward' | 'back') => (n: number) => {
        if (!this.probe) this.link.count(direction, n);
      };
      const forward = new Pipe(this.client, upstream, this.link.forward, count('forward'));
      const back = new Pipe(upstream, this.client, this.link.back, count('back'));
      this.#pipes = { forward, back };
      forward.gate(this.link.forward.settings.blackhole);
      back.gate(this.link.back.settings.blackhole);
      forward.start();
      back.start();
      this.#set('open');
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      // The target is gone (stopped node): the dialler sees its connection reset.
      if (this.state === 'connecting') this.#set('connecting', error.code ?? error.message);
      this.#close(true);
    });
    upstream.on('close', () => this.#close(false));
  }

  /** Re-reads the flows' blackhole flags (a one-way cut lifted or set). */
  regate(): void {
    this.#pipes?.forward.gate(this.link.forward.settings.blackhole);
    this.#pipes?.back.gate(this.link.back.settings.blackhole);
  }

  /** Cuts the connection with a TCP reset on both sides, so both nodes see it die at once. */
  reset(): void {
    this.#close(true);
  }

  /** Closes both sockets; `reset` sends RST instead of FIN. Idempotent. */
  #close(reset: boolean): void {
    if (this.state === 'closed') return;
    this.#pipes?.forward.stop();
    this.#pipes?.back.stop();
    for (const socket of [this.client, this.upstream]) {
      if (socket === undefined || socket.destroyed) continue;
      if (reset) socket.resetAndDestroy();
      else socket.destroy();
    }
    this.#set('closed');
    this.link.closed(this);
  }
}
