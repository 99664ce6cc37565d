/** The namespace of one cluster: everything of the cluster lives in it and goes with it. */
import type { V1Namespace } from '@kubernetes/client-node';
import { k8sLabels } from './k8s-labels.ts';
import type { ManifestContext } from './manifest-context.ts';

/** The cluster's namespace, labelled with the run id and its owner (for the sweeper). */
export function namespaceManifest(ctx: ManifestContext): V1Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: ctx.namespace,
      labels: {
        ...ctx.options.namespaceLabels,
        ...k8sLabels(ctx.runId, 'namespace', { cluster: ctx.clusterName }),
      },
    },
  };
}
