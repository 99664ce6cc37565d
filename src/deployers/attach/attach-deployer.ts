/**
 * The `attach` deployer: nodes that already run, reached by their API URLs. It goes
 * through the same interface as the others: `allocate` reports where each node answers,
 * `start` checks that it serves and hands back an {@link AttachedNode}; it started nothing,
 * so it controls nothing (every control action is a `CapabilityError`) and disposes nothing.
 */
import type { NodeRole } from '../../adapter/types.ts';
import { ClusterStartError } from '../../support/errors.ts';
import type { Deployer, DeployerFactory, DeployNodeSpec, NodeAllocation, StartOptions } from '../deployer.ts';
import { AttachedNode, attachControls } from './attached-node.ts';

/** One node to attach to. */
export interface AttachTarget {
  name: string;
  url: string;
}

/**
 * Creates the attach deployer for nodes already running at `targets`.
 *
 * @example
 * const factory = attachDeployer([{ name: 'val-0', url: 'http://10.0.0.5:7000' }]);
 */
export function attachDeployer(targets: readonly AttachTarget[]): DeployerFactory {
  return async () => {
    const byName = new Map(targets.map((t) => [t.name, t]));
    const targetOf = (name: string): AttachTarget => {
      const t = byName.get(name);
      if (t === undefined)
        throw new ClusterStartError(`attach: no URL for ${name}`, {
          node: name,
          timedOut: false,
          durationMs: 0,
        });
      return t;
    };
    const deployer: Deployer = {
      name: 'attach',
      kind: 'attached',
      capabilities: attachControls,

      async allocate(nodes: readonly { name: string; role: NodeRole }[]): Promise<NodeAllocation[]> {
        return nodes.map((n) => {
          const url = new URL(targetOf(n.name).url);
          const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
          // Nothing of the node's dirs or p2p port is known (or needed) from here.
          return {
            name: n.name,
            bindHost: url.hostname,
            host: url.hostname,
            apiPort: port,
            p2pPort: 0,
            dataDir: '',
            chainDir: '',
            logFile: '',
          };
        });
      },

      async start(spec: DeployNodeSpec, _opts: StartOptions) {
        return new AttachedNode(spec.name, targetOf(spec.name).url);
      },

      async dispose() {},
    };
    return deployer;
  };
}
