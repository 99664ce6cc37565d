/**
 * A NetworkPolicy that takes one node off the network: it selects the node's pod and
 * allows no ingress and no egress. Only a network plugin that enforces NetworkPolicy makes
 * it bite, which is why every disconnect is proven by a probe before it counts.
 * Port-forwarding reaches the pod through the kubelet, not the pod network, so the node's
 * API stays reachable from the test process while its peers cannot reach it.
 */
import type { V1NetworkPolicy } from '@kubernetes/client-node';
import { k8sLabels, nodeSelector } from './k8s-labels.ts';
import { nodeObjectName } from './k8s-names.ts';
import type { ManifestContext } from './manifest-context.ts';

/** Name of a node's isolation policy. */
export function isolationPolicyName(node: string): string {
  return `isolate-${nodeObjectName(node)}`;
}

/** Deny-all ingress and egress for one node's pod. */
export function isolationPolicyManifest(ctx: ManifestContext, node: string): V1NetworkPolicy {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name: isolationPolicyName(node),
      namespace: ctx.namespace,
      labels: k8sLabels(ctx.runId, 'policy', { cluster: ctx.clusterName, node }),
    },
    spec: {
      podSelector: { matchLabels: nodeSelector(ctx.runId, node) },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [],
      egress: [],
    },
  };
}
