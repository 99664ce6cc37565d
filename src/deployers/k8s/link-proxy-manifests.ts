/**
 * The link proxy on Kubernetes (src/links/): one pod per cluster, as the docker deployer
 * runs one proxy container per cluster network. Every node dials its peers through it (link
 * A>B is one listening port of the proxy), and the test process drives it through its
 * control API, reached like a node's API (port-forwarding, or Service DNS).
 *
 * The proxy picks its link ports at run time, one per directed link, and links come and go
 * with membership, so its Service is **headless** (`clusterIP: None`, no ports): the
 * proxy's name resolves to the pod's own IP, where every listener is reachable, instead of
 * to a virtual IP that forwards only declared ports. Not-ready addresses are published so
 * the name resolves as soon as the pod has an IP.
 *
 * The pod has no claim (the proxy keeps nothing across restarts) and no signal sidecar
 * (nobody pauses or kills the proxy); its one container is named like a node's main
 * container, so the same status, log and readiness code reads it.
 */
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { k8sLabels, nodeSelector } from './k8s-labels.ts';
import { nodeObjectName } from './k8s-names.ts';
import type { ManifestContext } from './manifest-context.ts';
import { basePodSpec, containerNames, containerSecurity } from './pod-manifest.ts';
import { type ContainerLaunch, type LaunchSpec, LINK_PROXY_NAME } from './seam.ts';

/** What the proxy's pod is made of. */
export interface LinkProxyPodSpec {
  /** The proxy's launch (src/links/proxy-launch.ts); k8s runs its container part. */
  launch: LaunchSpec & { container: ContainerLaunch };
  /** Image reference to run (the `linksImage` option or the proxy's `ImageSpec.name`). */
  image: string;
  /** Grace between SIGTERM and SIGKILL when the pod is deleted. */
  stopGraceMs: number;
}

/** The link proxy's pod. */
export function linkProxyPodManifest(ctx: ManifestContext, spec: LinkProxyPodSpec): V1Pod {
  const c = spec.launch.container;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: nodeObjectName(LINK_PROXY_NAME),
      namespace: ctx.namespace,
      labels: k8sLabels(ctx.runId, 'links', { cluster: ctx.clusterName, node: LINK_PROXY_NAME }),
    },
    spec: {
      ...basePodSpec(ctx, spec.stopGraceMs),
      containers: [
        {
          name: containerNames.node,
          image: spec.image,
          imagePullPolicy: ctx.options.imagePullPolicy,
          command: c.cmd,
          env: Object.entries({ ...c.env, CHAINLAB_RUN: ctx.runId }).map(([name, value]) => ({
            name,
            value,
          })),
          // the control API only: link listeners get ports at run time, which a pod need not declare
          ports: [{ name: 'api', containerPort: c.apiPort, protocol: 'TCP' }],
          readinessProbe: {
            httpGet: { path: spec.launch.readiness.healthPath, port: 'api' },
            periodSeconds: 1,
            timeoutSeconds: 1,
            failureThreshold: 2,
          },
          securityContext: containerSecurity,
        },
      ],
    },
  };
}

/** The proxy's headless Service: its name resolves to the pod's IP, where every link listens. */
export function linkProxyServiceManifest(ctx: ManifestContext): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: nodeObjectName(LINK_PROXY_NAME),
      namespace: ctx.namespace,
      labels: k8sLabels(ctx.runId, 'service', { cluster: ctx.clusterName, node: LINK_PROXY_NAME }),
    },
    spec: {
      clusterIP: 'None',
      selector: nodeSelector(ctx.runId, LINK_PROXY_NAME),
      publishNotReadyAddresses: true,
    },
  };
}
