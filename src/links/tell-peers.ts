/**
 * Telling the nodes of a cluster their current peers at run time, through the adapter's
 * `PreparedChain.updatePeers`: the one mechanism under the link layer's joins and leaves and
 * under dynamic membership without links. A serving node's change is confirmed (it loaded
 * its new peers); a stopped or paused node gets its peers written for when it runs again, so
 * it never comes back dialling a node that left while it was down.
 */
import type { LaunchEndpoints, PeerEndpoint, PreparedChain } from '../adapter/types.ts';
import { CapabilityError } from '../support/errors.ts';
import type { LinkedNode } from './cluster-links.ts';

/** What {@link tellPeers} needs. */
export interface TellPeersInit {
  /** The adapter's run-time peer update, when it has one. */
  updatePeers: PreparedChain['updatePeers'];
  adapterName: string;
}

/**
 * Gives every started node among `names` its current peer endpoints (`endpointsFor`), in
 * parallel; nodes not started yet (a joiner before its launch) are skipped, as their launch
 * carries their peers. Throws `CapabilityError` when the adapter or a node's deployer
 * cannot change a running node's peers.
 *
 * @example
 * await tellPeers(directory.names(), nodeOf, (n) => links.endpointsFor(n), { updatePeers, adapterName: 'refnode' });
 */
export async function tellPeers(
  names: readonly string[],
  nodeOf: (name: string) => LinkedNode | undefined,
  endpointsFor: (name: string) => { peers: PeerEndpoint[]; reachable: PeerEndpoint[] },
  init: TellPeersInit,
): Promise<void> {
  const started = names
    .map((name) => ({ name, node: nodeOf(name) }))
    .filter((x) => x.node?.runtime() !== undefined);
  if (started.length === 0) return;
  const update = init.updatePeers;
  if (update === undefined)
    throw new CapabilityError('peer updates', `${init.adapterName} adapter`, undefined, {
      missing: 'feature',
      message: `the ${init.adapterName} adapter cannot change a running node's peers (it has no updatePeers), so nodes cannot join or leave while others run`,
    });
  await Promise.all(
    started.map(async ({ name, node }) => {
      const rt = node!.runtime()!;
      const writeFile = rt.node.writeFile?.bind(rt.node);
      if (writeFile === undefined)
        throw new CapabilityError('file writes', rt.node.name, undefined, {
          missing: 'feature',
          message: `the deployer of ${name} cannot write files into a running node, so its peers cannot be changed`,
        });
      const endpoints: LaunchEndpoints = { ...node!.base, ...endpointsFor(name) };
      await update(node!.spec, endpoints, {
        writeFile,
        client: rt.client,
        signal: AbortSignal.timeout(30_000),
        confirm: rt.state === 'running',
      });
    }),
  );
}
