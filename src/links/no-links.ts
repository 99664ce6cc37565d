/**
 * `cluster.links` of a cluster started without `links: true`: its nodes dial each other
 * directly, so no link can be shaped or cut, and every call says how to get links.
 */
import { CapabilityError } from '../support/errors.ts';
import type { StartedLinks } from './types.ts';

/** The link layer of a cluster without links: every call rejects with a `CapabilityError`. */
export function noLinks(deployer: string): StartedLinks {
  const refuse = (): CapabilityError =>
    new CapabilityError('links', deployer, undefined, {
      missing: 'feature',
      message:
        deployer === 'local' || deployer === 'docker' || deployer === 'k8s'
          ? 'link faults need a cluster started with the `links: true` option (its node-to-node connections then pass through chainlab’s link proxy)'
          : `link faults need the link proxy, which the ${deployer} deployer cannot run; use the local, docker or k8s deployer with \`links: true\``,
    });
  const reject = async (): Promise<never> => {
    throw refuse();
  };
  return {
    enabled: false,
    partition: reject,
    heal: reject,
    blockPeer: reject,
    unblockPeer: reject,
    latency: reject,
    clearLatency: reject,
    set: reject,
    reset: reject,
    status: reject,
    join: reject,
    leave: reject,
    endpointsFor: () => {
      throw refuse();
    },
  };
}
