/**
 * The link layer of one started cluster: the link proxy the deployer runs, the peer
 * directory mapped onto its links, and every link fault in force. Faults are applied as
 * a whole new desired state per flow (src/links/link-state.ts), recorded as fault windows
 * naming the links they touched, and confirmed (src/links/confirm-links.ts) before the call
 * returns.
 */
import type {
  ChainClient,
  LaunchEndpoints,
  NodeSpec,
  PeerEndpoint,
  PreparedChain,
} from '../adapter/types.ts';
import type { DeployedNode, NodeAllocation, NodeState } from '../deployers/deployer.ts';
import type { FaultWindow, LinkChange, Recording } from '../observe/recording.ts';
import { ChainlabError, type ConfigIssue } from '../support/errors.ts';
import { throwIfIssues } from '../support/validate.ts';
import { type ConfirmContext, confirmCut, confirmOpen, confirmSettings } from './confirm-links.ts';
import {
  arrow,
  type FullLinkSettings,
  type LatencyOptions,
  type LinkSelection,
  type LinkSettings,
  parseLatencyOptions,
  parseLinkSettings,
  selectedLinks,
  tierLink,
} from './link-settings.ts';
import { flowEnds, flowKey, LinkState } from './link-state.ts';
import type { DirectoryEntry, PeerDirectory } from './peer-directory.ts';
import type { LinkProxyClient, ProxyLinkStatus } from './proxy-client.ts';
import { tellPeers } from './tell-peers.ts';
import type { JoiningNode, LinkFault, StartedLinks } from './types.ts';

/** A node of the cluster as the link layer needs it at run time. */
export interface LinkedNode {
  spec: NodeSpec;
  /** The node's launch endpoints without peers (addresses and dirs it was started with). */
  base: Omit<LaunchEndpoints, 'peers' | 'reachable'>;
  /** Current state, client and file writer; undefined once it left. */
  runtime(): { state: NodeState; client: ChainClient; node: DeployedNode } | undefined;
}

/** What `ClusterLinks` is built from. */
export interface ClusterLinksInit {
  proxy: LinkProxyClient;
  /** The proxy as deployed (its allocation host is where nodes dial it). */
  proxyHost: string;
  directory: PeerDirectory;
  /** Link id (`from>to`) → the proxy's port for it. */
  ports: Map<string, number>;
  /** The cluster's nodes by name (nodes that join later are added by `join`). */
  nodes: (name: string) => LinkedNode | undefined;
  /** The adapter's run-time peer update, when it has one. */
  updatePeers: PreparedChain['updatePeers'];
  adapterName: string;
  recording: () => Recording | undefined;
  log: (line: string) => void;
}

/** Where the proxy reaches a node's p2p listener: its allocation's host and p2p port. */
export function linkTargetOf(allocation: NodeAllocation): { host: string; port: number } {
  return { host: allocation.host, port: allocation.p2pPort };
}

let faultCounter = 0;

/** What lifts a fault together with others: `heal()` lifts cuts, `clearLatency()` latencies. */
type Family = 'cut' | 'latency' | 'shape';

class Fault implements LinkFault {
  readonly id = `fault-${++faultCounter}`;
  readonly description: string;
  readonly links: readonly string[];
  readonly window: FaultWindow | undefined;
  readonly family: Family;
  /** `unblockPeer(a, b)` finds its `blockPeer` by this (`a|b`, sorted). */
  readonly key: string | undefined;
  readonly #end: (() => void) | undefined;
  readonly #lift: (f: Fault) => Promise<void>;
  #lifted: Promise<void> | undefined;

  constructor(
    init: { description: string; flows: readonly string[]; family: Family; key?: string },
    window: { window: FaultWindow; end(): void } | undefined,
    lift: (f: Fault) => Promise<void>,
  ) {
    this.description = init.description;
    this.links = init.flows.map((k) => {
      const { from, to } = flowEnds(k);
      return arrow(from, to);
    });
    this.family = init.family;
    this.key = init.key;
    this.window = window?.window;
    this.#end = window?.end;
    this.#lift = lift;
  }

  get active(): boolean {
    return this.#lifted === undefined;
  }

  lift(): Promise<void> {
    this.#lifted ??= this.#lift(this).finally(() => this.#end?.());
    return this.#lifted;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.lift();
  }
}

export class ClusterLinks implements StartedLinks {
  readonly enabled = true;
  readonly #init: ClusterLinksInit;
  readonly #state = new LinkState();
  /** Settings the proxy has, per flow key. */
  readonly #pushed = new Map<string, FullLinkSettings>();
  /** Faults in force, in the order applied. */
  readonly #faults = new Map<string, Fault>();
  readonly #extra = new Map<string, LinkedNode>();
  /** Serialises changes: two faults must not interleave their push and confirmation. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(init: ClusterLinksInit) {
    this.#init = init;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => {});
    return next;
  }

  #names(): string[] {
    return this.#init.directory.names();
  }

  #node(name: string): LinkedNode | undefined {
    return this.#extra.get(name) ?? this.#init.nodes(name);
  }

  #confirmContext(): ConfirmContext {
    return {
      proxy: this.#init.proxy,
      links: new Set(this.#init.ports.keys()),
      node: (name) => {
        const rt = this.#node(name)?.runtime();
        return { name, client: rt && (rt.state === 'running' ? rt.client : undefined) };
      },
    };
  }

  endpointsFor(name: string): { peers: PeerEndpoint[]; reachable: PeerEndpoint[] } {
    const { dials, reachable } = this.#init.directory.peersOf(name);
    const endpoint = (peer: string): PeerEndpoint => {
      const port = this.#init.ports.get(flowKey(name, peer));
      if (port === undefined) throw new ChainlabError(`no link ${arrow(name, peer)} in this cluster`);
      return { name: peer, host: this.#init.proxyHost, p2pPort: port };
    };
    return { peers: dials.map(endpoint), reachable: reachable.map(endpoint) };
  }

  /** Pushes the desired settings of `keys` to the proxy; returns what changed. */
  async #push(keys: readonly string[]): Promise<Map<string, FullLinkSettings>> {
    const changed = new Map<string, FullLinkSettings>();
    for (const key of new Set(keys)) {
      const want = this.#state.effective(key);
      const had = this.#pushed.get(key);
      if (had && JSON.stringify(had) === JSON.stringify(want)) continue;
      changed.set(key, want);
    }
    await this.#init.proxy.setFlows([...changed].map(([key, settings]) => ({ ...flowEnds(key), settings })));
    for (const [key, settings] of changed) this.#pushed.set(key, settings);
    return changed;
  }

  #open(kind: string, description: string, changes: LinkChange[]) {
    const nodes = [...new Set(changes.flatMap((c) => [c.from, c.to]))].sort();
    return this.#init.recording()?.openFault(kind, nodes, description, { links: changes });
  }

  #inForce(pick: (f: Fault) => boolean): Fault[] {
    return [...this.#faults.values()].filter(pick);
  }

  /** Applies a cut (flows → blackhole) as fault `kind`, confirmed; lifted with a confirmed reopening. */
  #cut(kind: string, description: string, flows: string[], key?: string): Promise<LinkFault> {
    return this.#serial(async () => {
      const changes = flows.map((k) => ({ ...flowEnds(k), blackhole: true }));
      const window = this.#open(kind, description, changes);
      const fault = new Fault({ description, flows, family: 'cut', ...(key ? { key } : {}) }, window, (f) =>
        this.#liftCut(f),
      );
      this.#faults.set(fault.id, fault);
      this.#init.log(`${description}: cutting ${fault.links.length} link directions`);
      try {
        await this.#push(this.#state.cut(fault.id, flows));
        await confirmCut(this.#confirmContext(), description, flows);
      } catch (error) {
        // A cut that cannot be confirmed must not stay half in force.
        await this.#push(this.#state.lift(fault.id)).catch(() => {});
        this.#faults.delete(fault.id);
        window?.end();
        throw error;
      }
      this.#init.log(`${description}: confirmed (no probe passes, peers gone from the nodes' views)`);
      return fault;
    });
  }

  #liftCut(fault: Fault): Promise<void> {
    return this.#serial(async () => {
      const flows = this.#state.lift(fault.id);
      this.#faults.delete(fault.id);
      await this.#push(flows);
      // Flows another fault still cuts stay cut; confirm the rest pass again.
      const reopened = flows.filter((k) => !this.#state.effective(k).blackhole);
      await confirmOpen(this.#confirmContext(), `lift ${fault.description}`, reopened);
      this.#init.log(`lifted ${fault.description}`);
    });
  }

  async partition(groups: readonly (readonly string[])[]): Promise<LinkFault> {
    const names = this.#names();
    const sides = partitionSides(groups, names);
    const flows: string[] = [];
    for (const [i, a] of sides.entries())
      for (const [j, b] of sides.entries())
        if (i !== j) for (const x of a) for (const y of b) flows.push(flowKey(x, y));
    const description = `partition(${sides.map((s) => s.join(',')).join(' | ')})`;
    return this.#cut('partition', description, flows);
  }

  async heal(): Promise<void> {
    for (const f of this.#inForce((f) => f.family === 'cut')) await f.lift();
  }

  async blockPeer(a: string, b: string): Promise<LinkFault> {
    selectedLinks({ between: [a, b] }, this.#names());
    return this.#cut('block-peer', `blockPeer(${a}, ${b})`, [flowKey(a, b), flowKey(b, a)], pairKey(a, b));
  }

  async unblockPeer(a: string, b: string): Promise<void> {
    selectedLinks({ between: [a, b] }, this.#names());
    for (const f of this.#inForce((f) => f.key === pairKey(a, b))) await f.lift();
  }

  /** Applies a shaping layer (settings per flow), recorded and confirmed. */
  #shape(
    kind: string,
    description: string,
    layer: Map<string, LinkSettings>,
    family: Family,
  ): Promise<LinkFault> {
    return this.#serial(async () => {
      const flows = [...layer.keys()];
      const changes = flows.map((key) => ({ ...flowEnds(key), ...layer.get(key)! }));
      const cuts = flows.filter((k) => layer.get(k)!.blackhole === true);
      const window = this.#open(kind, description, changes);
      const fault = new Fault({ description, flows, family }, window, (f) => this.#liftShape(f));
      this.#faults.set(fault.id, fault);
      try {
        const shaped = new Map([...layer].map(([k, s]) => [k, withoutBlackhole(s)]));
        this.#state.shape(fault.id, shaped);
        if (cuts.length > 0) this.#state.cut(fault.id, cuts);
        const changed = await this.#push(flows);
        await confirmSettings(this.#confirmContext(), description, changed);
        await confirmCut(this.#confirmContext(), description, cuts);
      } catch (error) {
        await this.#push(this.#state.lift(fault.id)).catch(() => {});
        this.#faults.delete(fault.id);
        window?.end();
        throw error;
      }
      this.#init.log(`${description}: in force on ${flows.length} link directions`);
      return fault;
    });
  }

  #liftShape(fault: Fault): Promise<void> {
    return this.#serial(async () => {
      const flows = this.#state.lift(fault.id);
      this.#faults.delete(fault.id);
      const changed = await this.#push(flows);
      await confirmSettings(this.#confirmContext(), `lift ${fault.description}`, changed);
      const reopened = flows.filter((k) => !this.#state.effective(k).blackhole);
      await confirmOpen(this.#confirmContext(), `lift ${fault.description}`, reopened);
      this.#init.log(`lifted ${fault.description}`);
    });
  }

  async latency(opts: LatencyOptions): Promise<LinkFault> {
    const tiers = parseLatencyOptions(opts, this.#names());
    await this.clearLatency();
    const layer = new Map<string, LinkSettings>();
    for (const { from, to } of this.#init.directory.links()) {
      const link = tierLink(tiers, from, to);
      if (link.latencyMs > 0 || link.jitterMs > 0) layer.set(flowKey(from, to), link);
    }
    const description = `latency(${tiers
      .map((t) => `${t.name} ${t.nodes.join(',')} ${t.latencyMs}ms${t.jitterMs ? `±${t.jitterMs}` : ''}`)
      .join(' | ')})`;
    return this.#shape('latency', description, layer, 'latency');
  }

  async clearLatency(): Promise<void> {
    for (const f of this.#inForce((f) => f.family === 'latency')) await f.lift();
  }

  async set(selection: LinkSelection, settings: LinkSettings): Promise<LinkFault> {
    const pairs = selectedLinks(selection, this.#names());
    const parsed = parseLinkSettings(settings);
    const layer = new Map(pairs.map(([from, to]) => [flowKey(from, to), parsed]));
    const target =
      'between' in selection
        ? `${selection.between[0]}↔${selection.between[1]}`
        : arrow(selection.from, selection.to);
    const fields = Object.entries(parsed)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    // A blackhole set here is a cut like any other: heal() lifts it too.
    return this.#shape(
      'link',
      `link(${target}: ${fields || 'defaults'})`,
      layer,
      parsed.blackhole ? 'cut' : 'shape',
    );
  }

  async reset(a: string, b: string): Promise<number> {
    selectedLinks({ between: [a, b] }, this.#names());
    return this.#serial(async () => {
      const ids = [flowKey(a, b), flowKey(b, a)];
      const window = this.#open('link-reset', `reset(${a}, ${b})`, [
        { from: a, to: b },
        { from: b, to: a },
      ]);
      try {
        const n = await this.#init.proxy.reset(ids);
        this.#init.log(`reset(${a}, ${b}): ${n} connections reset`);
        return n;
      } finally {
        window?.end();
      }
    });
  }

  async status(): Promise<ProxyLinkStatus[]> {
    return (await this.#init.proxy.status()).links;
  }

  async join(node: JoiningNode & { linked?: LinkedNode }): Promise<void> {
    return this.#serial(async () => {
      const directory = this.#init.directory;
      directory.add(stripLinked(node));
      if (node.linked) this.#extra.set(node.name, node.linked);
      try {
        const added = await this.#init.proxy.addLinks(
          directory.linksOf(node.name).map((l) => ({ ...l, target: directory.entry(l.to).target })),
        );
        for (const { id, port } of added) this.#init.ports.set(id, port);
        // The proxy starts new flows open; push what the faults in force want of them.
        await this.#push(directory.linksOf(node.name).map((l) => flowKey(l.from, l.to)));
      } catch (error) {
        directory.remove(node.name);
        this.#extra.delete(node.name);
        throw error;
      }
      this.#init.log(`${node.name} joined the link layer (${directory.linksOf(node.name).length} links)`);
      await this.#tellRunning(directory.names());
    });
  }

  async leave(name: string): Promise<void> {
    return this.#serial(async () => {
      const directory = this.#init.directory;
      const ids = directory.linksOf(name).map((l) => flowKey(l.from, l.to));
      directory.remove(name);
      this.#state.forgetNode(name);
      await this.#init.proxy.removeLinks(ids);
      for (const id of ids) {
        this.#init.ports.delete(id);
        this.#pushed.delete(id);
      }
      this.#extra.delete(name);
      this.#init.log(`${name} left the link layer (${ids.length} links closed)`);
      await this.#tellRunning(directory.names());
    });
  }

  /** Gives every started node its current peer endpoints, through the adapter. */
  #tellRunning(names: readonly string[]): Promise<void> {
    return tellPeers(
      names,
      (n) => this.#node(n),
      (n) => this.endpointsFor(n),
      this.#init,
    );
  }
}

function pairKey(a: string, b: string): string {
  return [a, b].sort().join('|');
}

function stripLinked(node: JoiningNode & { linked?: LinkedNode }): DirectoryEntry {
  return { name: node.name, target: node.target, dials: node.dials };
}

function withoutBlackhole(s: LinkSettings): LinkSettings {
  const { blackhole: _b, ...rest } = s;
  return rest;
}

/** The groups of a partition: each as given, plus one of every node named nowhere. */
export function partitionSides(groups: readonly (readonly string[])[], names: readonly string[]): string[][] {
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  groups.forEach((g, i) => {
    if (g.length === 0) issues.push({ path: `groups[${i}]`, value: g, allowed: 'a non-empty list of nodes' });
    g.forEach((n, j) => {
      if (!names.includes(n))
        issues.push({ path: `groups[${i}][${j}]`, value: n, allowed: `a node: ${names.join(', ')}` });
      else if (seen.has(n))
        issues.push({
          path: `groups[${i}][${j}]`,
          value: n,
          allowed: `a node in one group only (it is in groups[${seen.get(n)}] too)`,
        });
      seen.set(n, i);
    });
  });
  const sides = groups.map((g) => [...g]);
  const rest = names.filter((n) => !seen.has(n));
  if (rest.length > 0) sides.push(rest);
  if (sides.length < 2)
    issues.push({
      path: 'groups',
      value: groups,
      allowed: 'at least two sides (nodes named nowhere form one)',
    });
  throwIfIssues('partition groups', issues);
  return sides;
}
