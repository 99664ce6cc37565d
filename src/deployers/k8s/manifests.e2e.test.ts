/**
 * Every manifest the k8s deployer produces, in its default and its fully-optioned form, is
 * valid against the official Kubernetes schemas of two supported versions (the
 * `kubernetes-models` packages generated from the Kubernetes OpenAPI: v1.36 and v1.33), and
 * `kubectl apply --dry-run=client` parses and maps every one of them (against the test API
 * server's discovery documents, since no control plane runs here).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NetworkPolicy as NetworkPolicyV136 } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { ConfigMap as ConfigMapV136 } from 'kubernetes-models/v1/ConfigMap';
import { Namespace as NamespaceV136 } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim as PvcV136 } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Pod as PodV136 } from 'kubernetes-models/v1/Pod';
import { Service as ServiceV136 } from 'kubernetes-models/v1/Service';
import { NetworkPolicy as NetworkPolicyV133 } from 'kubernetes-models-v1-33/networking.k8s.io/v1/NetworkPolicy';
import { ConfigMap as ConfigMapV133 } from 'kubernetes-models-v1-33/v1/ConfigMap';
import { Namespace as NamespaceV133 } from 'kubernetes-models-v1-33/v1/Namespace';
import { PersistentVolumeClaim as PvcV133 } from 'kubernetes-models-v1-33/v1/PersistentVolumeClaim';
import { Pod as PodV133 } from 'kubernetes-models-v1-33/v1/Pod';
import { Service as ServiceV133 } from 'kubernetes-models-v1-33/v1/Service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeApiServer } from '../../../test/fixtures/k8s/fake-api-server.ts';
import { describeNeeding, kubectlRequirement } from '../../../test/requirements.ts';
import type { ContainerLaunch, LaunchSpec } from '../../adapter/types.ts';
import { LINK_PROXY_NAME, linkProxyLaunch } from '../../links/proxy-launch.ts';
import { chainFileMounts, MAX_CONFIG_FILE_BYTES } from './chain-files.ts';
import { isolationPolicyManifest } from './isolation-policy.ts';
import { resolveK8sOptions } from './k8s-options.ts';
import { linkProxyPodManifest, linkProxyServiceManifest } from './link-proxy-manifests.ts';
import type { ManifestContext } from './manifest-context.ts';
import { namespaceManifest } from './namespace-manifest.ts';
import { CLOCK_FILE, clockFileContent, podClockEnv } from './pod-clock.ts';
import { podManifest } from './pod-manifest.ts';
import { serviceManifest } from './service-manifest.ts';
import { volumeClaimManifest } from './volume-claim-manifest.ts';

type Validating = new (data: never) => { validate(): void };

/** Schema classes per Kubernetes version, by kind. */
const versions: Record<string, Record<string, Validating>> = {
  'v1.36 (kubernetes-models 5)': {
    Namespace: NamespaceV136,
    ConfigMap: ConfigMapV136,
    PersistentVolumeClaim: PvcV136,
    Service: ServiceV136,
    Pod: PodV136,
    NetworkPolicy: NetworkPolicyV136,
  } as never,
  'v1.33 (kubernetes-models 4.5)': {
    Namespace: NamespaceV133,
    ConfigMap: ConfigMapV133,
    PersistentVolumeClaim: PvcV133,
    Service: ServiceV133,
    Pod: PodV133,
    NetworkPolicy: NetworkPolicyV133,
  } as never,
};

/** A launch spec shaped as the refnode adapter makes it for a container. */
const launch: LaunchSpec & { container: ContainerLaunch } = {
  process: { command: 'node', args: [], env: {}, cwd: '/' },
  container: {
    image: { name: 'chainlab/refnode' },
    cmd: ['node', '/app/refnode/main.ts', 'run', '--config', '/chain/node-0.json', '--data-dir', '/data'],
    env: { LOG_LEVEL: 'info' },
    apiPort: 8080,
    p2pPort: 9000,
    dataDir: '/data',
    files: [],
  },
  readiness: { readyLine: () => undefined, healthPath: '/health' },
};

function context(options: unknown): ManifestContext {
  const resolved = resolveK8sOptions(options, {});
  if (resolved.options === undefined) throw new Error(JSON.stringify(resolved.issues));
  return {
    namespace: 'chainlab-4242-lx1abc-a1b2c3-cluster-1',
    runId: '4242-lx1abc-a1b2c3',
    clusterName: 'cluster-1',
    options: resolved.options,
  };
}

const variants: Record<string, ManifestContext> = {
  defaults: context({}),
  'every option': context({
    storageClass: 'fast-ssd',
    storageSize: '5Gi',
    imagePullSecrets: ['regcred'],
    imagePullPolicy: 'Always',
    runAs: null,
    namespaceLabels: { 'pod-security.kubernetes.io/enforce': 'restricted' },
    enforcesNetworkPolicy: true,
    signalImage: 'registry.example.com/busybox:1.37',
  }),
};

/** The link proxy's launch, as the link layer gives it for the deployer's allocation. */
const proxyLaunch = linkProxyLaunch(
  {
    name: LINK_PROXY_NAME,
    bindHost: '0.0.0.0',
    host: LINK_PROXY_NAME,
    apiPort: 8080,
    p2pPort: 9000,
    dataDir: '/data',
    chainDir: '/chain',
    logFile: '/tmp/chainlab-links.log',
  },
  913,
) as LaunchSpec & { container: ContainerLaunch };

/**
 * Every manifest of a two-node cluster with links and a skewable clock on one node, as the
 * deployer creates them.
 */
function allManifests(ctx: ManifestContext): { kind?: string; metadata?: { name?: string } }[] {
  const files = chainFileMounts(ctx, [
    { target: '/chain/genesis.json', content: Buffer.from('{"chainId":"x"}') },
    { target: '/chain/node-0.json', content: Buffer.from('{"index":0}') },
    { target: '/etc/node/key.bin', content: Buffer.from([0xff, 0x00, 0x9f]) },
  ]);
  const out: { kind?: string; metadata?: { name?: string } }[] = [
    namespaceManifest(ctx),
    ...files.configMaps,
  ];
  for (const node of ['val-0', 'exe-1']) {
    const skewed = node === 'exe-1';
    out.push(volumeClaimManifest(ctx, node));
    out.push(serviceManifest(ctx, node, { apiPort: 8080, p2pPort: 9000 }));
    out.push(
      podManifest(ctx, {
        node,
        launch: skewed
          ? {
              ...launch,
              container: { ...launch.container, env: { ...launch.container.env, ...podClockEnv() } },
            }
          : launch,
        image: 'registry.example.com/chainlab/refnode:3f2a',
        chainFiles: files,
        stopGraceMs: 5000,
        marker: `${ctx.namespace}/${node}/`,
        ...(skewed ? { controlFiles: { [CLOCK_FILE]: clockFileContent(-1500) } } : {}),
      }),
    );
    out.push(isolationPolicyManifest(ctx, node));
  }
  out.push(linkProxyServiceManifest(ctx));
  out.push(
    linkProxyPodManifest(ctx, {
      launch: proxyLaunch,
      image: 'registry.example.com/chainlab/links:9c1e',
      stopGraceMs: 5000,
    }),
  );
  return out;
}

describe('k8s manifests against the official schemas', () => {
  for (const [variant, ctx] of Object.entries(variants)) {
    for (const [version, models] of Object.entries(versions)) {
      it(`${variant}: every manifest is valid on Kubernetes ${version}`, () => {
        const manifests = allManifests(ctx);
        expect(new Set(manifests.map((m) => m.kind))).toEqual(
          new Set(['Namespace', 'ConfigMap', 'PersistentVolumeClaim', 'Service', 'Pod', 'NetworkPolicy']),
        );
        for (const manifest of manifests) {
          const Model = models[manifest.kind!]!;
          // JSON round trip: what goes over the wire, not the in-memory objects
          expect(
            () => new Model(JSON.parse(JSON.stringify(manifest)) as never).validate(),
            `${manifest.kind} ${manifest.metadata?.name}`,
          ).not.toThrow();
        }
      });
    }
  }

  it('the schemas bite: a port given as text and a pod without containers are refused', () => {
    const pod = allManifests(variants.defaults!).find((m) => m.kind === 'Pod') as unknown as Record<
      string,
      never
    >;
    const broken = structuredClone(pod) as unknown as {
      spec: { containers: { ports: { containerPort: unknown }[] }[] };
    };
    broken.spec.containers[0]!.ports[0]!.containerPort = 'api';
    for (const models of Object.values(versions)) {
      expect(() => new models.Pod!(broken as never).validate()).toThrow(/containerPort must be integer/);
      expect(() => new models.Pod!({ ...pod, spec: {} } as never).validate()).toThrow(
        /must have required property '?containers/,
      );
    }
  });

  it('a skewable node runs under libfaketime with its first offset written before it starts', () => {
    const pod = allManifests(variants.defaults!).find(
      (m) => m.kind === 'Pod' && m.metadata?.name === 'exe-1',
    ) as unknown as {
      spec: {
        initContainers: { command: string[]; volumeMounts: { mountPath: string }[] }[];
        containers: { env: { name: string; value: string }[] }[];
      };
    };
    const env = Object.fromEntries(pod.spec.containers[0]!.env.map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      LD_PRELOAD: '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1',
      FAKETIME_TIMESTAMP_FILE: '/chainlab/control/offset',
      FAKETIME_NO_CACHE: '1',
      DONT_FAKE_MONOTONIC: '1',
    });
    const [init] = pod.spec.initContainers;
    expect(init!.command.slice(-2)).toEqual(['offset', '-1.500s\n']);
    expect(init!.volumeMounts.map((m) => m.mountPath)).toEqual(['/chainlab/control']);
  });

  it('the link proxy: one container on its own image, its control port, a headless Service without ports', () => {
    const manifests = allManifests(variants.defaults!);
    const service = manifests.find((m) => m.kind === 'Service' && m.metadata?.name === LINK_PROXY_NAME) as {
      spec?: { clusterIP?: string; ports?: unknown };
    };
    expect(service.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(service.spec?.ports).toBeUndefined();
    const pod = manifests.find(
      (m) => m.kind === 'Pod' && m.metadata?.name === LINK_PROXY_NAME,
    ) as unknown as {
      spec: { containers: { image: string; command: string[]; ports: unknown[] }[]; volumes?: unknown };
    };
    expect(pod.spec.containers).toHaveLength(1);
    expect(pod.spec.containers[0]).toMatchObject({
      image: 'registry.example.com/chainlab/links:9c1e',
      ports: [{ name: 'api', containerPort: 8080, protocol: 'TCP' }],
    });
    expect(pod.spec.containers[0]!.command).toEqual(
      expect.arrayContaining(['--control-host', '0.0.0.0', '--listen-host', '--seed', '913']),
    );
    expect(pod.spec.volumes).toBeUndefined();
  });

  it('names are DNS labels and labels are label values, even for long and odd cluster names', () => {
    const ctx = context({});
    const long = { ...ctx, clusterName: 'A_Very_Long_Cluster_Name_That_Goes_On_And_On-42' };
    const ns = namespaceManifest({ ...long, namespace: 'x' });
    for (const value of Object.values(ns.metadata!.labels!))
      expect(value).toMatch(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/);
    const pod = podManifest(ctx, {
      node: 'Val_Extra.7',
      launch,
      image: 'i',
      chainFiles: { volumes: [], mounts: [] },
      stopGraceMs: 1,
      marker: 'm',
    });
    expect(pod.metadata!.name).toMatch(/^[a-z]([-a-z0-9]*[a-z0-9])?$/);
    expect(pod.spec!.terminationGracePeriodSeconds).toBe(1);
  });

  it('shares one ConfigMap per distinct file and refuses a file too big for one', () => {
    const ctx = context({});
    const genesis = Buffer.from('{"same":true}');
    const mounts = chainFileMounts(ctx, [
      { target: '/chain/genesis.json', content: genesis },
      { target: '/other/genesis.json', content: genesis },
    ]);
    expect(mounts.configMaps).toHaveLength(1);
    expect(mounts.mounts.map((m) => m.mountPath)).toEqual(['/chain', '/other']);
    expect(() =>
      chainFileMounts(ctx, [
        { target: '/chain/genesis.json', content: Buffer.alloc(MAX_CONFIG_FILE_BYTES + 1) },
      ]),
    ).toThrow(/\/chain\/genesis.json is \d+ bytes; a ConfigMap holds at most/);
  });
});

const kubectl = await kubectlRequirement();

describeNeeding(kubectl, 'kubectl apply --dry-run=client', () => {
  let server: FakeApiServer;
  let dir: string;

  beforeAll(async () => {
    server = await FakeApiServer.start({ requireAuth: false });
    dir = await mkdtemp(join(tmpdir(), 'chainlab-kubectl-'));
    await writeFile(join(dir, 'kubeconfig'), server.kubeconfig());
  });

  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  for (const [variant, ctx] of Object.entries(variants)) {
    it(`${variant}: parses every manifest and maps it to its resource`, async () => {
      const manifests = allManifests(ctx);
      const file = join(dir, `${variant.replace(/\W/g, '-')}.json`);
      await writeFile(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifests }));
      const { stdout } = await promisify(execFile)(
        'kubectl',
        [
          '--kubeconfig',
          join(dir, 'kubeconfig'),
          '--cache-dir',
          join(dir, 'cache'),
          'apply',
          '--dry-run=client',
          '--validate=false',
          '-f',
          file,
          '-o',
          'json',
        ],
        { timeout: 60_000 },
      );
      const applied = JSON.parse(stdout) as {
        items: { kind: string; metadata: { name: string; namespace?: string } }[];
      };
      expect(applied.items.map((i) => `${i.kind}/${i.metadata.name}`)).toEqual(
        manifests.map((m) => `${m.kind}/${m.metadata?.name}`),
      );
      for (const item of applied.items.filter((i) => i.kind !== 'Namespace')) {
        expect(item.metadata.namespace).toBe(ctx.namespace);
      }
      // kubectl looked each object up (GET → 404) before deciding to create it: it mapped them all
      const looked = server.requests.filter(
        (r) =>
          r.method === 'GET' &&
          /\/(pods|services|configmaps|persistentvolumeclaims|networkpolicies)\//.test(r.path),
      );
      expect(looked.length).toBeGreaterThanOrEqual(manifests.length - 1);
    });
  }
});
