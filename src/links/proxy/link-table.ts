/**
 * Every link of one cluster and every flow between its nodes. A link is one directed dial
 * path (`val-0>val-1`: val-0 dials val-1 at the link's port); a flow is one direction of
 * traffic between two nodes. A connection on link A>B carries flow A>B forward and flow B>A
 * back, so shaping a flow shapes it on every connection between the two nodes, whoever
 * dialled.
 *
 * Blackholing a flow resets every established connection that carries it (both nodes see
 * the connection die at once, as their peer views and stake checks must) and holds new ones
 * whose forward flow it is: the proxy reads nothing from them and does not dial the target.
 * Lifting it lets held connections go on.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Connection, type ConnectionLink } from './connection.ts';
import { Flow, type FlowSettings, OPEN_FLOW } from './flow.ts';

/** Most connections one link holds while blackholed; more are reset at once. */
const MAX_HELD = 32;

/** What the control API asks for when it adds a link. */
export interface LinkSpec {
  from: string;
  to: string;
  /** Where the target node listens, as this proxy reaches it. */
  target: { host: string; port: number };
}

/** A link as `GET /links` shows it. */
export interface LinkStatus {
  id: string;
  from: string;
  to: string;
  port: number;
  target: { host: string; port: number };
  /** Connections accepted so far (probes not counted). */
  accepted: number;
  /** Connections reset by a blackhole or `POST /reset`. */
  resets: number;
  /** Bytes delivered dialler → target and back. */
  bytes: { forward: number; back: number };
  connections: { state: string; clientPort: number; upstreamPort: number | null; since: number }[];
}

/** One probe's outcome: did a connection through the link reach the target? */
export interface ProbeResult {
  id: string;
  passed: boolean;
  /** Why not: `held` (blackholed), or the error dialling the target. */
  reason?: string;
}

export const linkId = (from: string, to: string): string => `${from}>${to}`;

class Link implements ConnectionLink {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  target: { host: string; port: number };
  readonly server: Server;
  readonly forward: Flow;
  readonly back: Flow;
  readonly conns = new Set<Connection>();
  accepted = 0;
  resets = 0;
  readonly bytes = { forward: 0, back: 0 };
  port = 0;

  constructor(spec: LinkSpec, server: Server, forward: Flow, back: Flow) {
    this.id = linkId(spec.from, spec.to);
    this.from = spec.from;
    this.to = spec.to;
    this.target = spec.target;
    this.server = server;
    this.forward = forward;
    this.back = back;
  }

  count(direction: 'forward' | 'back', n: number): void {
    this.bytes[direction] += n;
  }

  closed(conn: Connection): void {
    this.conns.delete(conn);
  }
}

export class LinkTable {
  readonly #links = new Map<string, Link>();
  readonly #flows = new Map<string, Flow>();
  readonly #seed: number;
  readonly #listenHost: string;
  readonly #log: (line: string) => void;
  /** Probes whose socket connected before the proxy accepted it, by the probe's local port. */
  readonly #pendingProbes = new Map<number, (c: Connection) => void>();

  constructor(opts: { seed: number; listenHost: string; log: (line: string) => void }) {
    this.#seed = opts.seed;
    this.#listenHost = opts.listenHost;
    this.#log = opts.log;
  }

  #flow(from: string, to: string): Flow {
    const key = linkId(from, to);
    let flow = this.#flows.get(key);
    if (!flow) {
      flow = new Flow(from, to, this.#seed);
      this.#flows.set(key, flow);
    }
    return flow;
  }

  /** Listens for each link not yet known (a known one keeps its port; its target may move). */
  async add(specs: readonly LinkSpec[]): Promise<{ id: string; port: number }[]> {
    const out: { id: string; port: number }[] = [];
    for (const spec of specs) {
      const id = linkId(spec.from, spec.to);
      let link = this.#links.get(id);
      if (link) {
        link.target = spec.target;
      } else {
        const server = createServer({ pauseOnConnect: true, allowHalfOpen: true });
        link = new Link(spec, server, this.#flow(spec.from, spec.to), this.#flow(spec.to, spec.from));
        const l = link;
        server.on('connection', (socket) => this.#accept(l, socket));
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host: this.#listenHost, port: 0 }, () => resolve());
        });
        link.port = (server.address() as { port: number }).port;
        this.#links.set(id, link);
        this.#log(`link ${id} listening on port ${link.port} for ${spec.target.host}:${spec.target.port}`);
      }
      out.push({ id, port: link.port });
    }
    return out;
  }

  /** Closes links: no more connections, existing ones reset. Unknown ids are ignored. */
  async remove(ids: readonly string[]): Promise<number> {
    let removed = 0;
    for (const id of ids) {
      const link = this.#links.get(id);
      if (!link) continue;
      this.#links.delete(id);
      for (const conn of [...link.conns]) conn.reset();
      await new Promise<void>((resolve) => link.server.close(() => resolve()));
      removed++;
      this.#log(`link ${id} removed`);
    }
    return removed;
  }

  #accept(link: Link, socket: Socket): void {
    socket.setNoDelay(true);
    const conn = new Connection(socket, link);
    link.conns.add(conn);
    const probe = this.#pendingProbes.get(conn.clientPort);
    if (probe) {
      this.#pendingProbes.delete(conn.clientPort);
      conn.probe = true;
    } else {
      link.accepted++;
    }
    if (!link.forward.settings.blackhole) conn.open();
    else if ([...link.conns].filter((c) => c.state === 'held').length > MAX_HELD) conn.reset();
    probe?.(conn);
  }

  /**
   * Sets flows' settings (each replaces the flow's whole settings). A flow that becomes
   * blackholed has every established connection carrying it reset; one that opens lets its
   * held connections go on. Returns the number of connections reset.
   */
  setFlows(changes: readonly { from: string; to: string; settings: FlowSettings }[]): number {
    let reset = 0;
    const touched = new Set<Link>();
    for (const { from, to, settings } of changes) {
      const flow = this.#flow(from, to);
      const was = flow.settings;
      flow.settings = { ...OPEN_FLOW, ...settings };
      for (const link of this.#carrying(from, to)) {
        touched.add(link);
        if (!was.blackhole && flow.settings.blackhole) {
          for (const conn of [...link.conns]) {
            if (conn.state === 'held') continue;
            conn.reset();
            if (!conn.probe) link.resets++;
            reset++;
          }
        }
      }
      this.#log(`flow ${flow.key}: ${JSON.stringify(flow.settings)}`);
    }
    for (const link of touched) {
      for (const conn of link.conns) {
        if (conn.state === 'held' && !link.forward.settings.blackhole) conn.open();
        else conn.regate();
      }
    }
    return reset;
  }

  /** The links whose connections carry flow from → to (both dial directions). */
  #carrying(from: string, to: string): Link[] {
    return [this.#links.get(linkId(from, to)), this.#links.get(linkId(to, from))].filter(
      (l): l is Link => l !== undefined,
    );
  }

  /** Resets every established connection of these links once (they may connect again). */
  reset(ids: readonly string[]): number {
    let n = 0;
    for (const id of ids) {
      const link = this.#links.get(id);
      if (!link) continue;
      for (const conn of [...link.conns]) {
        if (conn.state === 'held') continue;
        conn.reset();
        if (!conn.probe) link.resets++;
        n++;
      }
    }
    if (n > 0) this.#log(`reset ${n} connections of ${ids.join(', ')}`);
    return n;
  }

  /**
   * Opens a connection through each link, as a node would dial it, and reports whether it
   * reached the target within `timeoutMs`: a blackholed link holds it (not passed).
   */
  probe(ids: readonly string[], timeoutMs: number): Promise<ProbeResult[]> {
    return Promise.all(ids.map((id) => this.#probeOne(id, timeoutMs)));
  }

  #probeOne(id: string, timeoutMs: number): Promise<ProbeResult> {
    const link = this.#links.get(id);
    if (!link) return Promise.resolve({ id, passed: false, reason: 'no such link' });
    return new Promise((resolve) => {
      const host = this.#listenHost === '0.0.0.0' ? '127.0.0.1' : this.#listenHost;
      const socket = connect({ host, port: link.port });
      let settled = false;
      let probeConn: Connection | undefined;
      const finish = (r: ProbeResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (socket.localPort !== undefined) this.#pendingProbes.delete(socket.localPort);
        socket.destroy();
        probeConn?.reset();
        resolve(r);
      };
      const timer = setTimeout(() => finish({ id, passed: false, reason: 'held' }), timeoutMs);
      socket.on('error', (e: NodeJS.ErrnoException) =>
        finish({ id, passed: false, reason: e.code ?? e.message }),
      );
      const watch = (c: Connection): void => {
        probeConn = c;
        if (c.state === 'open') finish({ id, passed: true });
        c.onState((state, why) => {
          if (state === 'open') finish({ id, passed: true });
          else if (why !== undefined) finish({ id, passed: false, reason: why });
          else if (state === 'closed') finish({ id, passed: false, reason: 'closed' });
        });
      };
      socket.once('connect', () => {
        // The proxy may have accepted this socket already (then it counted it as a node's:
        // take that back), or will accept it later and look it up by port.
        const port = socket.localPort!;
        const accepted = [...link.conns].find((c) => c.clientPort === port && !c.probe);
        if (accepted) {
          accepted.probe = true;
          link.accepted--;
          watch(accepted);
        } else {
          this.#pendingProbes.set(port, watch);
        }
      });
    });
  }

  /** Links, their counters and connections, and every flow's settings. */
  status(): {
    links: LinkStatus[];
    flows: { from: string; to: string; settings: FlowSettings; bytes: number }[];
  } {
    return {
      links: [...this.#links.values()].map((l) => ({
        id: l.id,
        from: l.from,
        to: l.to,
        port: l.port,
        target: l.target,
        accepted: l.accepted,
        resets: l.resets,
        bytes: { ...l.bytes },
        connections: [...l.conns]
          .filter((c) => !c.probe)
          .map((c) => ({
            state: c.state,
            clientPort: c.clientPort,
            upstreamPort: c.upstreamPort ?? null,
            since: c.since,
          })),
      })),
      flows: [...this.#flows.values()].map((f) => ({
        from: f.from,
        to: f.to,
        settings: { ...f.settings },
        bytes: f.bytes,
      })),
    };
  }

  /** Closes every link and connection. */
  async close(): Promise<void> {
    await this.remove([...this.#links.keys()]);
  }
}
