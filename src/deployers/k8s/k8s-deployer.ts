/**
 * The `k8s` deployer: one labelled namespace per cluster (so per test file), and per node
 * a bare pod (node + signal sidecar), a Service with the node's stable name, a
 * PersistentVolumeClaim for its data and its chain files as ConfigMaps. Clusters with
 * `links: true` get the link proxy as one more pod behind a headless Service
 * (link-proxy-manifests.ts); skewable clocks are libfaketime reading an offset file in the
 * pod's control dir (pod-clock.ts). Node APIs are
 * reached by port-forwarding through the API server, or through Service DNS when the test
 * runs inside the cluster. Everything goes with the namespace, which is deleted on dispose
 * and on SIGINT/SIGTERM (cleanup registry), by the run guard when this process dies first,
 * and by the sweeper of the next run otherwise.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, systemClock } from '../../support/clock.ts';
import { CapabilityError, ChainlabError, ConfigError } from '../../support/errors.ts';
import { type ChainFile, type ChainFileMounts, chainFileMounts } from './chain-files.ts';
import { isolationPolicyManifest } from './isolation-policy.ts';
import { describeApiError, isApiStatus, K8sApi, loadKubeConfig } from './k8s-api.ts';
import { labelValue, namespaceName, nodeObjectName } from './k8s-names.ts';
import { type ApiAccess, DEFAULT_K8S_STOP_GRACE_MS, K8sNode, type K8sNodeOptions } from './k8s-node.ts';
import { type ResolvedK8sOptions, resolveK8sOptions } from './k8s-options.ts';
import { ensureK8sRunGuard, type GuardTarget, removeK8sRunSync } from './k8s-run-guard.ts';
import { sweepDeadK8sRuns } from './k8s-sweeper.ts';
import { linkProxyPodManifest, linkProxyServiceManifest } from './link-proxy-manifests.ts';
import type { ManifestContext } from './manifest-context.ts';
import { namespaceManifest } from './namespace-manifest.ts';
import { CLOCK_FILE, clockFileContent, podClockEnv } from './pod-clock.ts';
import { PodLogStream } from './pod-log-stream.ts';
import { podManifest } from './pod-manifest.ts';
import { PodWatch } from './pod-watch.ts';
import { PortForwarder } from './port-forwarder.ts';
import { preflight } from './preflight.ts';
import {
  type ContainerLaunch,
  type Deployer,
  type DeployerContext,
  type DeployerFactory,
  type DeployNodeSpec,
  type LaunchSpec,
  LINK_PROXY_NAME,
  labelKeys,
  type NodeAllocation,
  type NodeControl,
  type NodeRole,
  type StartOptions,
} from './seam.ts';
import { serviceManifest } from './service-manifest.ts';
import { volumeClaimManifest } from './volume-claim-manifest.ts';

/** Options of {@link k8sDeployer}. */
export interface K8sDeployerOptions {
  /** Delay between SIGTERM and SIGKILL when stopping a node. Default 5000 ms. */
  stopGraceMs?: number;
  /** The resolved `k8s` cluster option. Default: `CHAINLAB_K8S_*` and the defaults. */
  k8s?: ResolvedK8sOptions | undefined;
  /** API port inside every pod. Default 8080. */
  apiPort?: number;
  /** p2p port inside every pod. Default 9000. */
  p2pPort?: number;
  /** Data dir inside every pod (the node's claim is mounted here). Default `/data`. */
  dataDir?: string;
  /** Where the chain's files are mounted inside every pod. Default `/chain`. */
  chainDir?: string;
  /** How long a disconnect or connect may take to show in probes. Default 20 000 ms. */
  isolationProofMs?: number;
  clock?: Clock;
}

/**
 * What pods can do: every node control; `clock-skew` through libfaketime, which chainlab's
 * images carry (pod-clock.ts); `disconnect` only where the cluster's network plugin enforces
 * NetworkPolicy (`k8s.enforcesNetworkPolicy`), since nothing else can take a pod off the
 * network without privileges.
 */
export function k8sControls(
  options: Pick<ResolvedK8sOptions, 'enforcesNetworkPolicy'>,
): ReadonlySet<NodeControl> {
  const controls: NodeControl[] = ['stop', 'start', 'restart', 'kill', 'pause', 'resume', 'clock-skew'];
  if (options.enforcesNetworkPolicy) controls.push('disconnect');
  return new Set(controls);
}

let sweptOnce: Promise<void> | undefined;

function resolveOptions(given: ResolvedK8sOptions | undefined): ResolvedK8sOptions {
  if (given !== undefined) return given;
  const resolved = resolveK8sOptions({});
  if (resolved.options === undefined) throw new ConfigError('k8s options', resolved.issues);
  return resolved.options;
}

async function readChainFiles(files: readonly { source: string; target: string }[]): Promise<ChainFile[]> {
  return Promise.all(files.map(async (f) => ({ target: f.target, content: await readFile(f.source) })));
}

/** Creates an object unless it exists (409): ConfigMaps are shared, a restart reuses claims. */
async function createOnce(what: string, create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (isApiStatus(error, 409)) return;
    throw new ChainlabError(`k8s deployer: cannot create ${what}: ${describeApiError(error)}`, {
      cause: error,
    });
  }
}

/**
 * Creates the k8s deployer for one cluster. Throws `ConfigError` for a bad kubeconfig or
 * context and `ChainlabError` when the cluster cannot be reached or permissions are missing,
 * before anything is created.
 *
 * @example
 * const deployer = await k8sDeployer({ k8s: { ...options, context: 'kind-chainlab' } })(ctx);
 */
export function k8sDeployer(opts: K8sDeployerOptions = {}): DeployerFactory {
  const apiPort = opts.apiPort ?? 8080;
  const p2pPort = opts.p2pPort ?? 9000;
  const dataDir = opts.dataDir ?? '/data';
  const chainDir = opts.chainDir ?? '/chain';
  const stopGraceMs = opts.stopGraceMs ?? DEFAULT_K8S_STOP_GRACE_MS;
  const clock = opts.clock ?? systemClock;

  return async (ctx: DeployerContext): Promise<Deployer> => {
    const options = resolveOptions(opts.k8s);
    const kc = loadKubeConfig(options);
    const api = new K8sApi(kc);
    const namespace = namespaceName(options.namespacePrefix, ctx.runId, ctx.clusterName);
    const mctx: ManifestContext = { namespace, runId: ctx.runId, clusterName: ctx.clusterName, options };
    const version = await preflight(api, namespace, options);
    ctx.log(`k8s: ${api.where}, server ${version}`);
    if (options.sweep) {
      sweptOnce ??= sweepDeadK8sRuns(api, { log: ctx.log }).then(
        () => {},
        (error: unknown) => ctx.log(`k8s sweep failed: ${describeApiError(error)}`),
      );
      await sweptOnce;
    }

    // Before anything is created: if this process dies (SIGKILL after Ctrl-C), the guard
    // deletes what carries the run id.
    const guardTarget: GuardTarget = { kubeconfig: options.kubeconfig, context: kc.getCurrentContext() };
    ensureK8sRunGuard(ctx.runId, guardTarget);
    const nodes = new Map<string, K8sNode>();
    let linkProxy: K8sNode | undefined;
    let watch: PodWatch | undefined;
    let disposed: Promise<void> | undefined;

    const waitNamespaceGone = async (): Promise<void> => {
      const deadline = clock.monotonic() + options.deleteTimeoutMs;
      for (;;) {
        try {
          await api.core.readNamespace({ name: namespace });
        } catch (error) {
          if (isApiStatus(error, 404)) return;
          throw error;
        }
        if (clock.monotonic() > deadline) {
          ctx.log(
            `k8s: namespace ${namespace} still terminating after ${options.deleteTimeoutMs} ms; the cluster finishes it`,
          );
          return;
        }
        await clock.sleep(500);
      }
    };

    const dispose = (): Promise<void> => {
      disposed ??= (async () => {
        const pods = [...nodes.values(), ...(linkProxy === undefined ? [] : [linkProxy])];
        await Promise.allSettled(pods.map((n) => n.remove()));
        await watch?.stop().catch(() => {});
        try {
          await api.core.deleteNamespace({ name: namespace, propagationPolicy: 'Background' });
        } catch (error) {
          if (!isApiStatus(error, 404, 409)) throw error;
        }
        await waitNamespaceGone();
        registration[Symbol.dispose]();
        ctx.log(`k8s namespace ${namespace} of ${ctx.clusterName} removed`);
      })();
      return disposed;
    };

    const registration = ctx.registry.add({
      label: `k8s cluster ${ctx.clusterName} (namespace ${namespace})`,
      dispose,
      disposeSync: () => removeK8sRunSync(ctx.runId, guardTarget),
    });

    try {
      await api.core.createNamespace({ body: namespaceManifest(mctx), fieldValidation: 'Strict' });
      ctx.log(`k8s namespace ${namespace} created`);
      watch = await PodWatch.start(api, namespace, `${labelKeys.run}=${labelValue(ctx.runId)}`, clock);
    } catch (error) {
      await dispose().catch(() => {});
      throw new ChainlabError(
        `k8s deployer: cannot create namespace ${namespace}: ${describeApiError(error)}`,
        {
          cause: error,
        },
      );
    }
    const podWatch = watch;

    const access = async (node: string, launchApiPort: number): Promise<ApiAccess> => {
      if (options.apiAccess === 'service') {
        const url = options.serviceUrl
          .replaceAll('{service}', nodeObjectName(node))
          .replaceAll('{namespace}', namespace)
          .replaceAll('{port}', String(launchApiPort));
        return { mode: 'service', url };
      }
      const podName = nodeObjectName(node);
      return {
        mode: 'port-forward',
        forwarder: await PortForwarder.open(api, namespace, () => podName, launchApiPort),
      };
    };

    type ContainerLaunchSpec = LaunchSpec & { container: ContainerLaunch };

    /** What every pod of the cluster shares as a `K8sNode`: API, watch, logs, access. */
    const podOptions = async (
      spec: DeployNodeSpec,
      launch: ContainerLaunchSpec,
    ): Promise<Omit<K8sNodeOptions, 'pod'>> => ({
      name: spec.name,
      api,
      watch: podWatch,
      namespace,
      marker: `${namespace}/${nodeObjectName(spec.name)}/`,
      apiPort: launch.container.apiPort,
      healthPath: launch.readiness.healthPath,
      logFile: spec.allocation.logFile,
      logs: new PodLogStream(spec.allocation.logFile),
      access: await access(spec.name, launch.container.apiPort),
      stopGraceMs,
      clock,
      log: ctx.log,
    });

    const createChainFiles = async (launch: ContainerLaunch): Promise<ChainFileMounts> => {
      // Caches stay out: a code cache (2 MB) does not fit a ConfigMap, and nodes run without it.
      const files = chainFileMounts(mctx, await readChainFiles(launch.files.filter((f) => !f.cache)));
      await Promise.all(
        files.configMaps.map((cm) =>
          createOnce(`ConfigMap ${cm.metadata!.name}`, () =>
            api.core.createNamespacedConfigMap({ namespace, body: cm, fieldValidation: 'Strict' }),
          ),
        ),
      );
      return files;
    };

    /** A chain node: its files, claim and Service, then its pod. */
    const startNode = async (
      spec: DeployNodeSpec,
      launchSpec: ContainerLaunchSpec,
      startOpts: StartOptions,
    ): Promise<K8sNode> => {
      const launch = launchSpec.container;
      const files = await createChainFiles(launch);
      await createOnce(`the volume claim of ${spec.name}`, () =>
        api.core.createNamespacedPersistentVolumeClaim({
          namespace,
          body: volumeClaimManifest(mctx, spec.name),
          fieldValidation: 'Strict',
        }),
      );
      await createOnce(`the Service of ${spec.name}`, () =>
        api.core.createNamespacedService({
          namespace,
          body: serviceManifest(mctx, spec.name, { apiPort: launch.apiPort, p2pPort: launch.p2pPort }),
          fieldValidation: 'Strict',
        }),
      );
      // A skewable clock: libfaketime in the node's environment, its first offset written
      // into the control dir by the init container before the node starts.
      const clockEnv = spec.clock === undefined ? {} : podClockEnv();
      const controlFiles: Record<string, string> =
        spec.clock === undefined ? {} : { [CLOCK_FILE]: clockFileContent(spec.clock.offsetMs) };
      const container = { ...launch, env: { ...launch.env, ...clockEnv } };
      const image = options.image ?? launch.image.name;
      const common = await podOptions(spec, launchSpec);
      return K8sNode.start(
        {
          ...common,
          pod: (initial) =>
            podManifest(mctx, {
              node: spec.name,
              launch: { ...launchSpec, container },
              image,
              chainFiles: files,
              stopGraceMs,
              marker: common.marker,
              controlFiles: initial,
            }),
          controlFiles,
          skewableClock: spec.clock !== undefined,
          ...(options.enforcesNetworkPolicy
            ? {
                isolation: {
                  policy: isolationPolicyManifest(mctx, spec.name),
                  peers: () => [...nodes.values()],
                  ...(opts.isolationProofMs === undefined ? {} : { proofMs: opts.isolationProofMs }),
                },
              }
            : {}),
        },
        startOpts,
      );
    };

    /** The cluster's link proxy: a headless Service (its name is the pod's IP), then its pod. */
    const startLinkProxy = async (
      spec: DeployNodeSpec,
      launchSpec: ContainerLaunchSpec,
      startOpts: StartOptions,
    ): Promise<K8sNode> => {
      await createOnce('the Service of the link proxy', () =>
        api.core.createNamespacedService({
          namespace,
          body: linkProxyServiceManifest(mctx),
          fieldValidation: 'Strict',
        }),
      );
      const image = options.linksImage ?? launchSpec.container.image.name;
      return K8sNode.start(
        {
          ...(await podOptions(spec, launchSpec)),
          pod: () => linkProxyPodManifest(mctx, { launch: launchSpec, image, stopGraceMs }),
        },
        startOpts,
      );
    };

    return {
      name: 'k8s',
      kind: 'container',
      capabilities: k8sControls(options),
      // The link proxy runs as one more pod of the namespace (link-proxy-manifests.ts).
      hostsLinks: true,

      async allocate(list: readonly { name: string; role: NodeRole }[]): Promise<NodeAllocation[]> {
        await mkdir(join(ctx.clusterDir, 'logs'), { recursive: true });
        return list.map((n) => ({
          name: n.name,
          bindHost: '0.0.0.0',
          // the node's Service: resolvable by its short name inside the namespace
          host: nodeObjectName(n.name),
          apiPort,
          p2pPort,
          dataDir,
          chainDir,
          logFile: join(ctx.clusterDir, 'logs', `${n.name}.log`),
        }));
      },

      async start(spec: DeployNodeSpec, startOpts: StartOptions): Promise<K8sNode> {
        if (disposed) throw new ChainlabError(`k8s deployer of ${ctx.clusterName} is disposed`);
        const launchSpec = spec.launch;
        const launch = launchSpec?.container;
        if (launchSpec === undefined || launch === undefined) {
          // The cluster checks the adapter's `containers` facet up front; this is the last guard.
          throw new CapabilityError(
            'containers',
            'k8s',
            `no container launch for ${spec.name}: the adapter lacks the containers facet`,
          );
        }
        const containerSpec = { ...launchSpec, container: launch };
        const isProxy = spec.name === LINK_PROXY_NAME;
        const node = isProxy
          ? await startLinkProxy(spec, containerSpec, startOpts)
          : await startNode(spec, containerSpec, startOpts);
        if (isProxy) linkProxy = node;
        else nodes.set(spec.name, node);
        if (disposed) {
          await node.remove();
          throw new ChainlabError(
            `k8s deployer of ${ctx.clusterName} was disposed while ${spec.name} started`,
          );
        }
        return node;
      },

      dispose,
    };
  };
}
