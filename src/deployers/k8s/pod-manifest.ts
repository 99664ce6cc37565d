/**
 * The pod of one node. Bare pods, not a StatefulSet: chainlab is the controller. With
 * `restartPolicy: Never` nothing restarts a killed or crashed node behind the test's back
 * (a StatefulSet would, hiding crashes and undoing kills); the node's data lives on its
 * claim and its address on its Service, so a new pod of the same name continues the node.
 *
 * Two containers share one PID namespace: `node` runs the adapter's image and command,
 * `signal` (busybox) delivers signals and writes control files (see sidecar-scripts.ts).
 */
import type {
  V1Container,
  V1EnvVar,
  V1Pod,
  V1PodSpec,
  V1SecurityContext,
  V1Volume,
} from '@kubernetes/client-node';
import type { ChainFileMounts } from './chain-files.ts';
import { k8sLabels } from './k8s-labels.ts';
import { nodeObjectName } from './k8s-names.ts';
import type { ManifestContext } from './manifest-context.ts';
import type { ContainerLaunch, LaunchSpec } from './seam.ts';
import { CONTROL_DIR, CONTROL_INIT_SCRIPT, SIDECAR_MAIN, TARGET_ENV } from './sidecar-scripts.ts';
import { volumeClaimName } from './volume-claim-manifest.ts';

/** Container names inside a node's pod. */
export const containerNames = { node: 'node', signal: 'signal', controlInit: 'control-init' } as const;

/** What one node's pod is made of. */
export interface NodePodSpec {
  node: string;
  /** The node's launch; k8s runs its container part. */
  launch: LaunchSpec & { container: ContainerLaunch };
  /** Image reference to run (the `image` option or the adapter's `ImageSpec.name`). */
  image: string;
  /** Chain files as ConfigMap volumes. */
  chainFiles: Pick<ChainFileMounts, 'volumes' | 'mounts'>;
  /** Grace between SIGTERM and SIGKILL when the pod is deleted. */
  stopGraceMs: number;
  /** Marker on the node's processes (`CHAINLAB_TARGET`), unique per node and run. */
  marker: string;
  /** Initial control files (e.g. a clock offset), written before the node starts. Default none. */
  controlFiles?: Readonly<Record<string, string>>;
}

const CONTROL_VOLUME = 'chainlab-control';
const DATA_VOLUME = 'data';

/** Least privilege, which also passes the `restricted` Pod Security level. */
export const containerSecurity: V1SecurityContext = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
};

function env(spec: NodePodSpec, runId: string): V1EnvVar[] {
  const vars: Record<string, string> = {
    ...spec.launch.container.env,
    CHAINLAB_RUN: runId,
    CHAINLAB_NODE: spec.node,
    [TARGET_ENV]: spec.marker,
  };
  return Object.entries(vars).map(([name, value]) => ({ name, value }));
}

function nodeContainer(ctx: ManifestContext, spec: NodePodSpec): V1Container {
  const c = spec.launch.container;
  return {
    name: containerNames.node,
    image: spec.image,
    imagePullPolicy: ctx.options.imagePullPolicy,
    // the full argv replaces the image's entrypoint, as on docker
    command: c.cmd,
    env: env(spec, ctx.runId),
    ports: [
      { name: 'api', containerPort: c.apiPort, protocol: 'TCP' },
      { name: 'p2p', containerPort: c.p2pPort, protocol: 'TCP' },
    ],
    readinessProbe: {
      httpGet: { path: spec.launch.readiness.healthPath, port: 'api' },
      periodSeconds: 1,
      timeoutSeconds: 1,
      failureThreshold: 2,
    },
    volumeMounts: [
      { name: DATA_VOLUME, mountPath: c.dataDir },
      ...spec.chainFiles.mounts,
      { name: CONTROL_VOLUME, mountPath: CONTROL_DIR, readOnly: true },
    ],
    securityContext: containerSecurity,
  };
}

function signalContainer(ctx: ManifestContext): V1Container {
  return {
    name: containerNames.signal,
    image: ctx.options.signalImage,
    imagePullPolicy: ctx.options.imagePullPolicy,
    command: ['sh', '-c', SIDECAR_MAIN],
    resources: { requests: { cpu: '5m', memory: '8Mi' }, limits: { memory: '32Mi' } },
    volumeMounts: [{ name: CONTROL_VOLUME, mountPath: CONTROL_DIR }],
    securityContext: containerSecurity,
  };
}

function controlInitContainer(ctx: ManifestContext, files: Readonly<Record<string, string>>): V1Container {
  return {
    name: containerNames.controlInit,
    image: ctx.options.signalImage,
    imagePullPolicy: ctx.options.imagePullPolicy,
    command: ['sh', '-c', CONTROL_INIT_SCRIPT, 'chainlab-control-init', ...Object.entries(files).flat()],
    volumeMounts: [{ name: CONTROL_VOLUME, mountPath: CONTROL_DIR }],
    securityContext: containerSecurity,
  };
}

function volumes(spec: NodePodSpec): V1Volume[] {
  return [
    { name: DATA_VOLUME, persistentVolumeClaim: { claimName: volumeClaimName(spec.node) } },
    ...spec.chainFiles.volumes,
    { name: CONTROL_VOLUME, emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
  ];
}

/**
 * What every chainlab pod shares (nodes and the link proxy): nothing restarts it behind the
 * test's back, no API token, no Service env vars, the `restricted` Pod Security level.
 */
export function basePodSpec(ctx: ManifestContext, stopGraceMs: number): Omit<V1PodSpec, 'containers'> {
  const runAs = ctx.options.runAs;
  return {
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: Math.ceil(stopGraceMs / 1000),
    // pods never call the Kubernetes API, and hundreds of Service env vars help no one
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: {
      seccompProfile: { type: 'RuntimeDefault' },
      ...(runAs === null
        ? {}
        : {
            runAsUser: runAs.user,
            runAsGroup: runAs.group,
            runAsNonRoot: runAs.user !== 0,
            fsGroup: runAs.group,
            fsGroupChangePolicy: 'OnRootMismatch',
          }),
    },
    ...(ctx.options.imagePullSecrets.length === 0
      ? {}
      : { imagePullSecrets: ctx.options.imagePullSecrets.map((name) => ({ name })) }),
  };
}

/** The pod running one node. */
export function podManifest(ctx: ManifestContext, spec: NodePodSpec): V1Pod {
  const controlFiles = spec.controlFiles ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: nodeObjectName(spec.node),
      namespace: ctx.namespace,
      labels: k8sLabels(ctx.runId, 'node', { cluster: ctx.clusterName, node: spec.node }),
    },
    spec: {
      ...basePodSpec(ctx, spec.stopGraceMs),
      shareProcessNamespace: true,
      ...(Object.keys(controlFiles).length === 0
        ? {}
        : { initContainers: [controlInitContainer(ctx, controlFiles)] }),
      containers: [nodeContainer(ctx, spec), signalContainer(ctx)],
      volumes: volumes(spec),
    },
  };
}
