/**
 * A node's Service: a stable name and address (`val-1`, resolvable in the namespace) that
 * peers dial whatever pod currently runs the node. Not-ready addresses are published, so a
 * paused node (failing its readiness probe) is still dialled and hangs, as a paused process
 * or container would, instead of vanishing from the network.
 */
import type { V1Service } from '@kubernetes/client-node';
import { k8sLabels, nodeSelector } from './k8s-labels.ts';
import { nodeObjectName } from './k8s-names.ts';
import type { ManifestContext } from './manifest-context.ts';

/** The Service of one node, exposing its API and p2p ports. */
export function serviceManifest(
  ctx: ManifestContext,
  node: string,
  ports: { apiPort: number; p2pPort: number },
): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: nodeObjectName(node),
      namespace: ctx.namespace,
      labels: k8sLabels(ctx.runId, 'service', { cluster: ctx.clusterName, node }),
    },
    spec: {
      type: 'ClusterIP',
      selector: nodeSelector(ctx.runId, node),
      publishNotReadyAddresses: true,
      ports: [
        { name: 'api', port: ports.apiPort, targetPort: 'api', protocol: 'TCP' },
        { name: 'p2p', port: ports.p2pPort, targetPort: 'p2p', protocol: 'TCP' },
      ],
    },
  };
}
