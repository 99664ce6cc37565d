/**
 * Starting a cluster: run dir → chain files (adapter) → addresses (deployer) → every node
 * started in parallel → readiness → observer. If any step fails, whatever started is torn
 * down and the original error is rethrown.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  AfterStartResult,
  ApiSurface,
  ChainAdapter,
  ChainClient,
  ChainFacts,
  ChainMembership,
  Forger,
  GossipKit,
  LaunchEndpoints,
  LaunchSpec,
  NodeRole,
  NodeSpec,
  PeerEndpoint,
  PreparedChain,
  Wallet,
} from '../adapter/types.ts';
import type { DeployedNode, Deployer, NodeAllocation, NodeControl } from '../deployers/deployer.ts';
import { deployerFactory } from '../deployers/pick.ts';
import type { ClusterLinks, LinkedNode } from '../links/cluster-links.ts';
import { linkTargetOf } from '../links/cluster-links.ts';
import { noLinks } from '../links/no-links.ts';
import { linkedNode, requireLinkHost, startLinks } from '../links/start-links.ts';
import type { StartedLinks } from '../links/types.ts';
import type { StartedObserver } from '../observe/observer.ts';
import { startObserver } from '../observe/observer.ts';
import type { Recording } from '../observe/recording.ts';
import { type Clock, systemClock } from '../support/clock.ts';
import {
  CapabilityError,
  ChainlabError,
  ClusterStartError,
  MembershipError,
  noteKeptLogs,
} from '../support/errors.ts';
import { Rng, runSeed } from '../support/rng.ts';
import { runRegistry } from './cleanup/registry.ts';
import { acquireRun } from './cleanup/run.ts';
import { type ClockSetting, unskewed } from './clock-offset.ts';
import { journalClusterStart } from './cluster-journal.ts';
import { DirectPeers } from './membership/direct-peers.ts';
import {
  type AddNodeOptions,
  type MemberPeers,
  Membership,
  type RemoveNodeOptions,
} from './membership/membership.ts';
import { NodeClock } from './node-clock.ts';
import type { ResolvedClusterOptions } from './options.ts';
import { defaultReady } from './ready.ts';
import { ClusterNode } from './started-node.ts';
import type { NodeRef, StartedCluster, StartedNode } from './types.ts';
import { type FailedStart, removeOrHold } from './verdict-hold.ts';

/** Per-start options (not part of the definition). */
export interface StartClusterOptions {
  /** Aborts a start in progress (what started is torn down). */
  signal?: AbortSignal;
  clock?: Clock;
  /** Story log; default: stderr when `CHAINLAB_LOG` is set, else silent. */
  log?: (line: string) => void;
}

let clusterCounter = 0;

function defaultLog(): (line: string) => void {
  return process.env.CHAINLAB_LOG ? (line) => process.stderr.write(`[chainlab] ${line}\n`) : () => {};
}

/** Teardown steps collected while starting, run newest first on failure or dispose. */
class Teardown {
  readonly #steps: { label: string; fn: () => Promise<void> }[] = [];
  push(label: string, fn: () => Promise<void>): void {
    this.#steps.push({ label, fn });
  }
  async run(): Promise<unknown[]> {
    const errors: unknown[] = [];
    while (this.#steps.length > 0) {
      const step = this.#steps.pop()!;
      try {
        await step.fn();
      } catch (error) {
        errors.push(error);
      }
    }
    return errors;
  }
}

export async function startCluster(
  opts: ResolvedClusterOptions,
  startOpts: StartClusterOptions,
): Promise<StartedCluster> {
  const clock = startOpts.clock ?? systemClock;
  const log = startOpts.log ?? defaultLog();
  const adapter: ChainAdapter = opts.adapter;
  const seed = opts.seed ?? runSeed();
  const began = clock.monotonic();
  const deadline = began + opts.startTimeoutMs;
  const teardown = new Teardown();
  // Journalled from its first step, so a test that fails, even during the start, can name the seed.
  const journal = journalClusterStart({ name: opts.name, seed, seedPinned: opts.seed !== undefined });
  teardown.push('journal the stop', async () => journal.stopped());
  const abort = new AbortController();
  const signal = startOpts.signal ? AbortSignal.any([startOpts.signal, abort.signal]) : abort.signal;
  // The registry can tear a half-started cluster down on SIGINT too.
  const registration = runRegistry.add({
    label: `cluster start ${opts.name}`,
    dispose: async () => {
      abort.abort(new ChainlabError('cluster start interrupted'));
      await teardown.run();
    },
  });

  /** Set when the start fails, before the teardown below runs. */
  let startError: { error: unknown } | undefined;
  try {
    const run = await acquireRun();
    teardown.push('release run', () => run.release());
    const clusterName = `${opts.name}-${++clusterCounter}`;
    const clusterDir = join(run.dir, clusterName);
    await mkdir(clusterDir, { recursive: true });
    // A test's own cluster, and a start that failed in a test, hold their node logs until the
    // test's verdict: verdict-hold.ts.
    let ownCluster: RunningCluster | undefined;
    const failedStart = (error: unknown): FailedStart => ({
      failedStart: {
        name: clusterName,
        runId: run.id,
        seed,
        message: ChainlabError.is(error) ? error.shortMessage : ((error as Error)?.message ?? String(error)),
      },
    });
    teardown.push('remove cluster dir', async () => {
      const keptIn = await removeOrHold(
        ownCluster ?? (startError && failedStart(startError.error)),
        clusterDir,
      );
      if (keptIn !== undefined) noteKeptLogs(startError?.error, keptIn);
    });

    const chain = await openChain(adapter, opts, clusterDir, seed);
    log(`${clusterName}: ${adapter.name} chain prepared in ${Math.round(clock.monotonic() - began)} ms`);
    let { facts, wallets } = chain;
    const factory = await deployerFactory(opts.deployer, {
      stopGraceMs: opts.stopGraceMs,
      k8s: opts.k8s,
      ...(chain.attachTargets ? { attach: chain.attachTargets } : {}),
    });
    const dep: Deployer = await factory({
      runId: run.id,
      clusterDir,
      clusterName,
      registry: runRegistry,
      log,
    });
    teardown.push('dispose deployer', () => dep.dispose());
    const deployer = { name: dep.name, capabilities: dep.capabilities };
    const clocks = launchClocks(dep, opts, seed);
    if (opts.links) requireLinkHost(dep);
    let recording: Recording | undefined;
    const membershipOf = chainMembership(adapter, chain, opts);
    // Links: the proxy starts (with the deployer's machinery) before the nodes, which are
    // launched with its ports as their peers; it stops with the deployer. Membership without
    // links: nodes dial each other directly, from a directory that changes as nodes join.
    let links: ClusterLinks | undefined;
    let direct: DirectPeers | undefined;
    const running = new Map<string, { cluster: ClusterNode; deployed: DeployedNode }>();
    const nodeOf =
      (allocations: readonly NodeAllocation[]) =>
      (name: string): LinkedNode | undefined => {
        const spec = chain.nodes.find((n) => n.name === name);
        const allocation = allocations.find((a) => a.name === name);
        return spec && allocation && linkedNode(spec, allocation, () => running.get(name));
      };
    const route: PeerRoute | undefined = opts.links
      ? async (allocations) => {
          links = await startLinks({
            deployer: dep,
            allocations,
            dials: opts.topology.dials,
            seed,
            timeoutMs: Math.max(1000, deadline - clock.monotonic()),
            signal,
            nodes: nodeOf(allocations),
            updatePeers: chain.updatePeers,
            adapterName: adapter.name,
            recording: () => recording,
            log,
          });
          return (name) => links!.endpointsFor(name);
        }
      : membershipOf
        ? async (allocations) => {
            direct = new DirectPeers({
              entries: allocations.map((a) => ({
                name: a.name,
                target: linkTargetOf(a),
                dials: opts.topology.dials[a.name] ?? [],
              })),
              nodes: nodeOf(allocations),
              updatePeers: chain.updatePeers,
              adapterName: adapter.name,
            });
            return (name) => direct!.endpointsFor(name);
          }
        : undefined;
    const started = await startNodes(dep, chain, opts, clocks, { clock, deadline, signal, abort }, route);
    log(`${clusterName}: ${started.length} nodes started in ${Math.round(clock.monotonic() - began)} ms`);
    if (chain.attachTargets)
      log(`attached to ${chain.attachTargets.map((n) => `${n.name} at ${n.url}`).join(', ')}`);
    const makeClient = chain.client;

    // Keep genesis order (val-0.., exe-0..) whatever order nodes became ready in.
    const order = new Map(chain.nodes.map((n, i) => [n.name, i]));
    started.sort((a, b) => (order.get(a.node.name) ?? 0) - (order.get(b.node.name) ?? 0));

    const makeNode = (role: NodeRole, node: DeployedNode): ClusterNode =>
      new ClusterNode(role, node, {
        deployer: deployer.name,
        capabilities: deployer.capabilities,
        blockMs: facts.production.expectedIntervalMs,
        recording: () => recording,
        makeClient,
        startTimeoutMs: opts.startTimeoutMs,
        log,
        launchClock: clocks?.of(node.name),
        clockExpectation: { adapter: adapter.name, slots: facts.slots },
        clockRng: clocks?.of(node.name).rng ?? clockRng(seed, node.name),
        clock,
      });
    // Mutable: nodes join and leave with dynamic membership, and the observer follows this list.
    const nodes = started.map(({ role, node }) => makeNode(role, node));
    teardown.push('close clients', async () => void (await Promise.allSettled(nodes.map((n) => n.close()))));
    for (const [i, { node }] of started.entries())
      running.set(node.name, { cluster: nodes[i]!, deployed: node });

    const ready = opts.ready ?? defaultReady(nodes.length);
    await ready
      .wait({ nodes, clock, signal, deadline, began, finality: facts.finality })
      .catch(async (error: unknown) => {
        throw await withLogTail(error, nodes);
      });
    log(
      `${clusterName} ready (${ready.description}) in ${Math.round(clock.monotonic() - began)} ms, seed ${seed}`,
    );

    if (chain.afterStart) {
      // The adapter's own start step (fund wallets, mine to maturity) shares the start deadline.
      const remaining = Math.max(1, Math.ceil(deadline - clock.monotonic()));
      const stepSignal = AbortSignal.any([signal, AbortSignal.timeout(remaining)]);
      let result: AfterStartResult | undefined;
      try {
        result = await chain.afterStart({ nodes: () => nodes, seed, signal: stepSignal, log });
      } catch (error) {
        if (stepSignal.aborted && !signal.aborted) {
          throw new ClusterStartError(
            `${adapter.name} adapter's after-start step did not finish within the start deadline (${opts.startTimeoutMs} ms)`,
            { timedOut: true, durationMs: Math.round(clock.monotonic() - began), cause: error },
          );
        }
        throw error;
      }
      if (result?.dispose) teardown.push(`${adapter.name} after-start dispose`, result.dispose);
      if (result?.wallets) wallets = result.wallets;
      if (result?.facts) facts = { ...facts, ...result.facts };
      log(`${adapter.name} after-start step done in ${Math.round(clock.monotonic() - began)} ms`);
    }

    const observer = startObserver({
      nodes: () => nodes,
      facts,
      seed,
      clock,
      ...(opts.sampleEveryMs === undefined ? {} : { sampleEveryMs: opts.sampleEveryMs }),
      sampleClocks: opts.clockSkew !== undefined,
    });
    recording = observer.recording;
    teardown.push('stop observer', () => observer.stop());
    if (clocks !== undefined) {
      // Each skewed clock is recorded and proven before the test relies on it.
      await Promise.all(nodes.map((n) => n.beginClock()));
      const skewed = nodes.filter((n) => n.clockOffsetMs !== 0 || (n.clockSetting?.jitterMs ?? 0) > 0);
      log(
        `clocks: ${skewed.map((n) => `${n.name} ${n.clockOffsetMs! >= 0 ? '+' : ''}${n.clockOffsetMs} ms`).join(', ') || 'none skewed'} (confirmed)`,
      );
    }

    const memberPeers: MemberPeers | undefined = links ?? direct;
    const membership =
      membershipOf && memberPeers && chain.launch
        ? new Membership({
            chain: membershipOf,
            deployer: dep,
            peers: memberPeers,
            launch: chain.launch,
            nodes,
            makeNode,
            launchClock: (name) => clocks && { offsetMs: clocks.of(name).appliedMs },
            recording: () => observer.recording,
            bugs: adapter.facets.has('bugs') ? (adapter.bugs ?? 'any') : 'none',
            startTimeoutMs: opts.startTimeoutMs,
            log,
          })
        : undefined;
    const cluster = new RunningCluster({
      membership,
      runId: run.id,
      seed,
      facts,
      wallets,
      nodes,
      dir: chain.attachTargets ? undefined : clusterDir,
      deployer,
      forger: chain.forger,
      gossip: chain.gossip,
      apiSurface: chain.apiSurface,
      observer,
      links: links ?? noLinks(dep.name),
      teardown,
      log,
      name: clusterName,
    });
    ownCluster = cluster;
    registration[Symbol.dispose]();
    journal.bind(cluster);
    const clusterRegistration = runRegistry.add({
      label: `cluster ${clusterName}`,
      dispose: () => cluster.dispose(),
    });
    teardown.push('unregister', async () => clusterRegistration[Symbol.dispose]());
    return cluster;
  } catch (error) {
    startError = { error };
    abort.abort(error);
    registration[Symbol.dispose]();
    await teardown.run();
    throw error;
  }
}

/**
 * A readiness timeout names the nodes not ready and what they last answered; this adds the
 * last lines of the first one's log, as a node that exits during the start gives, so the
 * failure shows what the node was doing (the whole logs are kept: by a failed test when one
 * is open, else at once; verdict-hold.ts).
 */
async function withLogTail(error: unknown, nodes: readonly StartedNode[]): Promise<unknown> {
  if (!ClusterStartError.is(error) || !error.timedOut || error.logTail !== undefined) return error;
  const node = nodes.find((n) => n.name === error.node);
  const logTail = await node?.logTail().catch(() => undefined);
  if (!logTail) return error;
  return new ClusterStartError(error.shortMessage, {
    node: error.node,
    timedOut: true,
    durationMs: error.durationMs,
    logTail,
    cause: error.cause,
  });
}

/** The chain side of a start: prepared by the adapter, or attached to. */
interface OpenedChain {
  facts: ChainFacts;
  wallets: readonly Wallet[];
  nodes: readonly NodeSpec[];
  client(url: string): ChainClient;
  launch: ((node: NodeSpec, endpoints: LaunchEndpoints) => LaunchSpec) | undefined;
  afterStart: NonNullable<import('../adapter/types.ts').PreparedChain['afterStart']> | undefined;
  /** The adapter's run-time peer update (links: nodes joining or leaving). */
  updatePeers: PreparedChain['updatePeers'];
  forger: Forger | undefined;
  gossip: GossipKit | undefined;
  apiSurface: ApiSurface | undefined;
  /** Set for the attach deployer: the running nodes' URLs. */
  attachTargets: { name: string; url: string }[] | undefined;
  /** The chain's dynamic membership, when it offers one. */
  membership: ChainMembership | undefined;
}

/** The chain's dynamic membership when the cluster asks for it (undefined without `membership`). */
function chainMembership(
  adapter: ChainAdapter,
  chain: OpenedChain,
  opts: ResolvedClusterOptions,
): ChainMembership | undefined {
  if (opts.membership === undefined) return undefined;
  if (chain.membership === undefined)
    throw new MembershipError(
      'cluster',
      'add',
      `the ${adapter.name} adapter offers no dynamic membership (its prepared chain has no \`membership\`)`,
    );
  return chain.membership;
}

async function openChain(
  adapter: ChainAdapter,
  opts: ResolvedClusterOptions,
  clusterDir: string,
  seed: number,
): Promise<OpenedChain> {
  if (opts.deployer === 'attach') {
    const attached = await adapter.attach({
      urls: opts.attach!.urls,
      ...(opts.attach!.chainDir === undefined ? {} : { chainDir: opts.attach!.chainDir }),
    });
    return {
      facts: attached.facts,
      wallets: attached.wallets,
      nodes: attached.nodes,
      client: (url) => attached.client(url),
      launch: undefined,
      afterStart: undefined,
      updatePeers: undefined,
      forger: attached.forger,
      gossip: attached.gossip,
      apiSurface: attached.apiSurface,
      attachTargets: attached.nodes.map((n) => ({ name: n.name, url: n.url })),
      membership: undefined,
    };
  }
  const chainDir = join(clusterDir, 'chain');
  await mkdir(chainDir, { recursive: true });
  const prepared = await adapter.prepare(opts.topology, chainDir, seed);
  return {
    facts: prepared.facts,
    wallets: prepared.wallets,
    nodes: opts.topology.nodes,
    client: (url) => prepared.client(url),
    launch: (node, ep) => prepared.launch(node, ep),
    afterStart: prepared.afterStart?.bind(prepared),
    updatePeers: prepared.updatePeers?.bind(prepared),
    forger: prepared.forger,
    gossip: prepared.gossip,
    apiSurface: prepared.apiSurface,
    attachTargets: undefined,
    membership: prepared.membership,
  };
}

/** A node's jitter stream: forked from the seed by node name, so nodes draw independently. */
function clockRng(seed: number, node: string): Rng {
  return new Rng(seed).fork('clock-skew').fork(node);
}

/**
 * With the `clockSkew` option: every node's launch setting and first offset (its jitter's
 * first draw), after checking the deployer can skew clocks at all. Undefined without it. A
 * node that joins later (dynamic membership) gets the setting the option names for it, or
 * an unskewed clock it can skew at run time.
 */
function launchClocks(dep: Deployer, opts: ResolvedClusterOptions, seed: number): LaunchClocks | undefined {
  if (opts.clockSkew === undefined) return undefined;
  if (!dep.capabilities.has('clock-skew'))
    throw new CapabilityError(
      'clock-skew',
      dep.name,
      dep.missingReason?.('clock-skew') ??
        'clock skew runs nodes under libfaketime on the local, docker or k8s deployer',
    );
  const settings = opts.clockSkew;
  const out = new Map<string, LaunchClock>();
  return {
    of(name) {
      let launch = out.get(name);
      if (launch === undefined) {
        const setting = settings.get(name) ?? unskewed;
        // One stream per node for the first draw and every later one.
        const rng = clockRng(seed, name);
        launch = { setting, appliedMs: NodeClock.firstOffset(setting, rng), rng };
        out.set(name, launch);
      }
      return launch;
    },
  };
}

/** A node's clock at launch: its setting, first offset and jitter stream. */
interface LaunchClock {
  setting: ClockSetting;
  appliedMs: number;
  rng: Rng;
}

/** Every node's launch clock, drawn once per node when first asked for. */
interface LaunchClocks {
  of(name: string): LaunchClock;
}

/**
 * Where each node dials its peers when something sits between them (the link layer), given
 * every node's allocation; without it nodes dial each other's p2p listeners.
 */
type PeerRoute = (
  allocations: NodeAllocation[],
) => Promise<(name: string) => { peers: PeerEndpoint[]; reachable: PeerEndpoint[] }>;

/** Starts (or attaches to) every node in parallel; one failure stops waiting for the rest. */
async function startNodes(
  dep: Deployer,
  chain: OpenedChain,
  opts: ResolvedClusterOptions,
  clocks: LaunchClocks | undefined,
  t: { clock: Clock; deadline: number; signal: AbortSignal; abort: AbortController },
  route: PeerRoute | undefined,
): Promise<{ role: 'validator' | 'executor'; node: DeployedNode }[]> {
  const started: { role: 'validator' | 'executor'; node: DeployedNode }[] = [];
  const allocations = await dep.allocate(chain.nodes);
  const byName = new Map(allocations.map((a) => [a.name, a]));
  const routed = route === undefined ? undefined : await route(allocations);
  t.signal.throwIfAborted();
  const results = await Promise.allSettled(
    chain.nodes.map(async (spec) => {
      const allocation = byName.get(spec.name)!;
      // Nodes that already run (attach) need no launch, so no peer addresses either.
      const launch =
        chain.launch === undefined
          ? undefined
          : chain.launch(spec, {
              bindHost: allocation.bindHost,
              host: allocation.host,
              apiPort: allocation.apiPort,
              p2pPort: allocation.p2pPort,
              dataDir: allocation.dataDir,
              chainDir: allocation.chainDir,
              ...(routed?.(spec.name) ?? {
                peers: (opts.topology.dials[spec.name] ?? []).map((peer) => {
                  const a = byName.get(peer)!;
                  return { name: peer, host: a.host, p2pPort: a.p2pPort };
                }),
              }),
            });
      const remaining = Math.max(1000, t.deadline - t.clock.monotonic());
      try {
        const clockAt = clocks?.of(spec.name);
        const node = await dep.start(
          {
            name: spec.name,
            role: spec.role,
            allocation,
            launch,
            ...(clockAt === undefined ? {} : { clock: { offsetMs: clockAt.appliedMs } }),
          },
          { timeoutMs: remaining, signal: t.signal },
        );
        started.push({ role: spec.role, node });
      } catch (error) {
        // One node failing dooms the start: stop waiting for the others.
        t.abort.abort(error);
        throw error;
      }
    }),
  );
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length > 0) {
    // The first real failure, not the aborts it caused in the other nodes.
    const original = failures.find(
      (f) => ClusterStartError.is(f.reason) || !t.signal.aborted || f.reason !== t.signal.reason,
    );
    throw (original ?? failures[0]!).reason;
  }
  return started;
}

interface RunningClusterInit {
  membership: Membership | undefined;
  forger: Forger | undefined;
  gossip: GossipKit | undefined;
  apiSurface: ApiSurface | undefined;
  runId: string;
  seed: number;
  facts: ChainFacts;
  wallets: readonly Wallet[];
  nodes: ClusterNode[];
  dir: string | undefined;
  deployer: { name: string; capabilities: ReadonlySet<NodeControl> };
  observer: StartedObserver;
  links: StartedLinks;
  teardown: Teardown;
  log: (line: string) => void;
  name: string;
}

class RunningCluster implements StartedCluster {
  readonly runId: string;
  readonly seed: number;
  readonly rng: Rng;
  readonly facts: ChainFacts;
  readonly wallets: readonly Wallet[];
  readonly nodes: readonly ClusterNode[];
  readonly dir: string | undefined;
  readonly deployer: { readonly name: string; readonly capabilities: ReadonlySet<NodeControl> };
  readonly observer: StartedObserver;
  readonly links: StartedLinks;
  readonly forger: Forger | undefined;
  readonly gossip: GossipKit | undefined;
  readonly apiSurface: ApiSurface | undefined;
  readonly name: string;
  readonly #teardown: Teardown;
  readonly #deferred: AsyncDisposable[] = [];
  readonly #log: (line: string) => void;
  readonly #membership: Membership | undefined;
  #disposed: Promise<void> | undefined;

  constructor(init: RunningClusterInit) {
    this.runId = init.runId;
    this.seed = init.seed;
    this.rng = new Rng(init.seed);
    this.facts = init.facts;
    this.wallets = init.wallets;
    this.nodes = init.nodes;
    this.#membership = init.membership;
    this.dir = init.dir;
    this.deployer = init.deployer;
    this.observer = init.observer;
    this.links = init.links;
    this.forger = init.forger;
    this.gossip = init.gossip;
    this.apiSurface = init.apiSurface;
    this.name = init.name;
    this.#teardown = init.teardown;
    this.#log = init.log;
  }

  get recording(): Recording {
    return this.observer.recording;
  }

  // Getters: with dynamic membership the node list changes.
  get validators(): readonly ClusterNode[] {
    return this.nodes.filter((n) => n.role === 'validator');
  }

  get executors(): readonly ClusterNode[] {
    return this.nodes.filter((n) => n.role === 'executor');
  }

  addNode(options: AddNodeOptions): Promise<StartedNode> {
    if (!this.#membership) return Promise.reject(noMembership(options?.role ?? 'node', 'add'));
    return this.#membership.addNode(options);
  }

  removeNode(ref: NodeRef, options?: RemoveNodeOptions): Promise<void> {
    const name = typeof ref === 'string' ? ref : ref.name;
    if (!this.#membership) return Promise.reject(noMembership(name, 'remove'));
    return this.#membership.removeNode(name, options);
  }

  node(ref: NodeRef): ClusterNode {
    const name = typeof ref === 'string' ? ref : ref.name;
    const found = this.nodes.find((n) => n.name === name);
    if (!found) {
      throw new ChainlabError(
        `no node named ${JSON.stringify(name)}; this cluster has ${this.nodes.map((n) => n.name).join(', ')}`,
      );
    }
    return found;
  }

  client(ref: NodeRef): ChainClient {
    return this.node(ref).client;
  }

  requireCapabilities(...controls: NodeControl[]): void {
    const node = this.nodes[0];
    for (const c of controls) node?.require(c);
  }

  stop(ref: NodeRef): Promise<void> {
    return this.node(ref).stop();
  }
  start(ref: NodeRef): Promise<void> {
    return this.node(ref).start();
  }
  restart(ref: NodeRef): Promise<void> {
    return this.node(ref).restart();
  }
  kill(ref: NodeRef): Promise<void> {
    return this.node(ref).kill();
  }
  pause(ref: NodeRef): Promise<void> {
    return this.node(ref).pause();
  }
  resume(ref: NodeRef): Promise<void> {
    return this.node(ref).resume();
  }
  disconnect(ref: NodeRef): Promise<void> {
    return this.node(ref).disconnect();
  }
  connect(ref: NodeRef): Promise<void> {
    return this.node(ref).connect();
  }

  defer(resource: AsyncDisposable): void {
    this.#deferred.push(resource);
  }

  dispose(): Promise<void> {
    this.#disposed ??= (async () => {
      this.#log(`disposing ${this.name}`);
      const errors: unknown[] = [];
      for (const r of this.#deferred.splice(0).reverse()) {
        try {
          await r[Symbol.asyncDispose]();
        } catch (error) {
          errors.push(error);
        }
      }
      // A jitter draw that could not be confirmed ran in the background: it fails the run here.
      for (const n of this.nodes) if (n.clockFailure !== undefined) errors.push(n.clockFailure);
      errors.push(...(await this.#teardown.run()));
      if (errors.length === 1) throw errors[0];
      if (errors.length > 1)
        throw new AggregateError(errors, `disposing ${this.name}: ${errors.length} steps failed`);
    })();
    return this.#disposed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  toString(): string {
    return `${this.name}(${this.nodes.map((n) => n.name).join(', ')}; seed ${this.seed})`;
  }
}

function noMembership(node: string, action: 'add' | 'remove'): MembershipError {
  return new MembershipError(
    node,
    action,
    'this cluster has no dynamic membership: start it with the `membership` option (e.g. `membership: { standby: 1 }`) on the local or docker deployer',
  );
}

export type { StartedNode };
