/** A node's data volume: a PersistentVolumeClaim that outlives the node's pods, so restarts keep data. */
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { k8sLabels } from './k8s-labels.ts';
import { nodeObjectName } from './k8s-names.ts';
import type { ManifestContext } from './manifest-context.ts';

/** Name of a node's claim. */
export function volumeClaimName(node: string): string {
  return `${nodeObjectName(node)}-data`;
}

/** The claim of one node: ReadWriteOnce, `storageSize`, the cluster's default class unless `storageClass`. */
export function volumeClaimManifest(ctx: ManifestContext, node: string): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: volumeClaimName(node),
      namespace: ctx.namespace,
      labels: k8sLabels(ctx.runId, 'volume', { cluster: ctx.clusterName, node }),
    },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: ctx.options.storageSize } },
      ...(ctx.options.storageClass === undefined ? {} : { storageClassName: ctx.options.storageClass }),
    },
  };
}
