/**
 * Starting a cluster's link layer, before any node starts: the deployer runs the link proxy
 * like a node (a child process on 127.0.0.1, or a container on the cluster's network), the
 * peer directory gets every node's p2p address as the proxy reaches it, and the proxy
 * listens for every directed link. Nodes are then launched with the proxy's ports as their
 * peers (`ClusterLinks.endpointsFor`).
 */
import type { ChainClient, NodeSpec, PreparedChain } from '../adapter/types.ts';
import type { DeployedNode, Deployer, NodeAllocation, NodeState } from '../deployers/deployer.ts';
import type { Recording } from '../observe/recording.ts';
import { CapabilityError } from '../support/errors.ts';
import { ClusterLinks, type LinkedNode, linkTargetOf } from './cluster-links.ts';
import { PeerDirectory } from './peer-directory.ts';
import { LinkProxyClient } from './proxy-client.ts';
import { LINK_PROXY_NAME, linkProxyLaunch } from './proxy-launch.ts';

/** What starting the link layer needs. */
export interface StartLinksOptions {
  deployer: Deployer;
  /** Every node's allocation (where its p2p listener will be). */
  allocations: readonly NodeAllocation[];
  /** Whom each node dials at start. */
  dials: Readonly<Record<string, readonly string[]>>;
  /** Seeds the proxy's jitter and loss draws. */
  seed: number;
  timeoutMs: number;
  signal: AbortSignal;
  /** The cluster's nodes, once they run. */
  nodes: (name: string) => LinkedNode | undefined;
  updatePeers: PreparedChain['updatePeers'];
  adapterName: string;
  recording: () => Recording | undefined;
  log: (line: string) => void;
}

/** Refuses a deployer that cannot run the link proxy, before anything starts. */
export function requireLinkHost(deployer: Deployer): void {
  if (deployer.hostsLinks) return;
  throw new CapabilityError('links', deployer.name, undefined, {
    missing: 'feature',
    message:
      deployer.name === 'attach'
        ? 'the attach deployer cannot put links between nodes it did not start: `links: true` needs the local, docker or k8s deployer'
        : `the ${deployer.name} deployer cannot run the link proxy: \`links: true\` needs the local, docker or k8s deployer`,
  });
}

/**
 * A cluster node as the link layer sees it: its spec, the launch endpoints of its allocation
 * and, once it runs, its state and client (`running()` is undefined before).
 */
export function linkedNode(
  spec: NodeSpec,
  allocation: NodeAllocation,
  running: () => { cluster: { state: NodeState; client: ChainClient }; deployed: DeployedNode } | undefined,
): LinkedNode {
  const { bindHost, host, apiPort, p2pPort, dataDir, chainDir } = allocation;
  return {
    spec,
    base: { bindHost, host, apiPort, p2pPort, dataDir, chainDir },
    runtime: () => {
      const r = running();
      return r && { state: r.cluster.state, client: r.cluster.client, node: r.deployed };
    },
  };
}

/** Starts the proxy and its links; the proxy stops with the deployer. */
export async function startLinks(opts: StartLinksOptions): Promise<ClusterLinks> {
  requireLinkHost(opts.deployer);
  const [allocation] = await opts.deployer.allocate([{ name: LINK_PROXY_NAME, role: 'executor' }]);
  const began = performance.now();
  const proxyNode = await opts.deployer.start(
    {
      name: LINK_PROXY_NAME,
      role: 'executor',
      allocation: allocation!,
      launch: linkProxyLaunch(allocation!, opts.seed),
    },
    { timeoutMs: opts.timeoutMs, signal: opts.signal },
  );
  const proxy = new LinkProxyClient(proxyNode.apiUrl);
  const directory = new PeerDirectory(
    opts.allocations.map((a) => ({ name: a.name, target: linkTargetOf(a), dials: opts.dials[a.name] ?? [] })),
  );
  const ports = new Map<string, number>();
  const added = await proxy.addLinks(
    directory.links().map((l) => ({ ...l, target: directory.entry(l.to).target })),
  );
  for (const { id, port } of added) ports.set(id, port);
  opts.log(
    `link proxy ${proxyNode.apiUrl} ready with ${added.length} links in ${Math.round(performance.now() - began)} ms`,
  );
  return new ClusterLinks({
    proxy,
    proxyHost: allocation!.host,
    directory,
    ports,
    nodes: opts.nodes,
    updatePeers: opts.updatePeers,
    adapterName: opts.adapterName,
    recording: opts.recording,
    log: opts.log,
  });
}
