/**
 * The k8s deployer with the real @kubernetes/client-node talking HTTP and WebSocket to the
 * TEST API SERVER (test/fixtures/k8s/fake-api-server.ts, answering as the recorded pairs from
 * the API reference say) and its TEST KUBELET (node containers as local processes, exec in
 * a real busybox or POSIX shell). Nothing of the client is mocked. What this proves: the
 * calls the deployer makes and how it reads the answers; what it cannot prove: a real
 * kubelet, scheduler, CNI or storage (see docs/KUBERNETES.md).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeApiServer } from '../../../test/fixtures/k8s/fake-api-server.ts';
import { FakeKubelet } from '../../../test/fixtures/k8s/fake-kubelet.ts';
import { libfaketimeRequirement, requireIn } from '../../../test/requirements.ts';
import type { LaunchSpec, NodeRole } from '../../adapter/types.ts';
import { CleanupRegistry } from '../../cluster/cleanup/registry.ts';
import { newRunId } from '../../cluster/cleanup/run.ts';
import { openLink } from '../../links/link-settings.ts';
import { LinkProxyClient } from '../../links/proxy-client.ts';
import { LINK_PROXY_NAME } from '../../links/proxy-launch.ts';
import { startLinks } from '../../links/start-links.ts';
import { systemClock } from '../../support/clock.ts';
import { ChainlabError, ClusterStartError, ConfigError, NodeControlError } from '../../support/errors.ts';
import type { Deployer, DeployerContext, ExitInfo } from '../deployer.ts';
import { deployerFactory } from '../pick.ts';
import { k8sDeployer } from './k8s-deployer.ts';
import type { K8sNode } from './k8s-node.ts';
import { type ResolvedK8sOptions, resolveK8sOptions } from './k8s-options.ts';

const IMAGE = 'chainlab-test/fake-node:1';
const SIGNAL_IMAGE = 'busybox:1.37';
const CRASHING_IMAGE = 'chainlab-test/crashing-node:1';
/** The link proxy's image: the test kubelet runs its command with `/app` at this repository. */
const LINKS_IMAGE = 'chainlab-test/links:1';
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

async function eventually(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = systemClock.monotonic() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (systemClock.monotonic() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await systemClock.sleep(100);
  }
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
  return (await res.json()) as T;
}

/**
 * Sends one HTTP request on a fresh TCP connection: `answered` when bytes come back within
 * `ms`, `closed` when the connection ends without any, `silent` when it stays open and mute.
 */
function exchange(host: string, port: number, ms: number): Promise<'answered' | 'closed' | 'silent'> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => socket.write('GET /info HTTP/1.1\r\nHost: x\r\n\r\n'));
    const done = (result: 'answered' | 'closed' | 'silent') => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done('silent'), ms);
    socket.once('data', () => done('answered'));
    socket.once('close', () => done('closed'));
    socket.once('error', () => done('closed'));
  });
}

function processState(pid: number): Promise<string> {
  return readFile(`/proc/${pid}/stat`, 'utf8').then((s) =>
    s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3),
  );
}

function options(kubeconfig: string, extra: Record<string, unknown> = {}): ResolvedK8sOptions {
  const r = resolveK8sOptions(
    { kubeconfig, image: IMAGE, signalImage: SIGNAL_IMAGE, sweep: false, ...extra },
    {},
  );
  if (r.options === undefined) throw new Error(JSON.stringify(r.issues));
  return r.options;
}

describe('k8s deployer against the test API server', () => {
  const runId = newRunId();
  const registry = new CleanupRegistry({ installHooks: false });
  let server: FakeApiServer;
  let kubelet: FakeKubelet;
  let dir = '';
  let kubeconfig = '';
  let deployer: Deployer;
  let ctx: DeployerContext;
  const nodes = new Map<string, K8sNode>();
  const logLines: string[] = [];

  const launchOf = (name: string): LaunchSpec => ({
    process: { command: 'node', args: [], env: {}, cwd: '/' },
    container: {
      image: { name: 'chainlab/refnode' },
      cmd: ['node', '/app/refnode/main.ts', 'run', '--config', `/chain/${name}.json`],
      env: { CHAIN_NODE: name },
      apiPort: 8080,
      p2pPort: 9000,
      dataDir: '/data',
      files: [
        { source: join(dir, 'genesis.json'), target: '/chain/genesis.json' },
        { source: join(dir, `${name}.json`), target: `/chain/${name}.json` },
      ],
    },
    readiness: { readyLine: () => undefined, healthPath: '/health' },
  });

  const startNode = async (name: string, role: NodeRole = 'validator') => {
    const [allocation] = await deployer.allocate([{ name, role }]);
    return (await deployer.start(
      { name, role, allocation: allocation!, launch: launchOf(name) },
      { timeoutMs: 20_000 },
    )) as K8sNode;
  };

  beforeAll(async () => {
    server = await FakeApiServer.start();
    kubelet = new FakeKubelet(server, {
      images: [IMAGE],
      crashing: [CRASHING_IMAGE],
      signalImage: SIGNAL_IMAGE,
      programs: { [LINKS_IMAGE]: repoRoot },
    });
    dir = await mkdtemp(join(tmpdir(), 'chainlab-k8s-deployer-'));
    kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, server.kubeconfig());
    await writeFile(join(dir, 'genesis.json'), '{"chainId":"k8s-test","validators":2}');
    for (const n of ['val-0', 'val-1', 'val-2']) await writeFile(join(dir, `${n}.json`), `{"name":"${n}"}`);
    await mkdir(join(dir, 'cluster'));
    ctx = {
      runId,
      clusterDir: join(dir, 'cluster'),
      clusterName: 'cluster-1',
      registry,
      log: (l) => logLines.push(l),
    };
    deployer = await k8sDeployer({
      k8s: options(kubeconfig, { enforcesNetworkPolicy: true }),
      stopGraceMs: 2000,
      isolationProofMs: 1500,
    })(ctx);
    for (const name of ['val-0', 'val-1']) nodes.set(name, await startNode(name));
  });

  afterAll(async () => {
    await deployer?.dispose();
    await kubelet?.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lays a cluster out as one labelled namespace, and per node a claim, a Service and a pod', () => {
    const [ns] = server.list('namespaces');
    expect(ns?.metadata.name).toBe(`chainlab-${runId}-cluster-1`);
    expect(ns?.metadata.labels).toMatchObject({ 'chainlab.run': runId, 'chainlab.pid': String(process.pid) });
    const namespace = ns!.metadata.name;
    expect(
      server
        .list('pods', namespace)
        .map((p) => p.metadata.name)
        .sort(),
    ).toEqual(['val-0', 'val-1']);
    expect(
      server
        .list('services', namespace)
        .map((p) => p.metadata.name)
        .sort(),
    ).toEqual(['val-0', 'val-1']);
    expect(
      server
        .list('persistentvolumeclaims', namespace)
        .map((p) => p.metadata.name)
        .sort(),
    ).toEqual(['val-0-data', 'val-1-data']);
    // genesis is shared: one ConfigMap for it, one per node config
    expect(server.list('configmaps', namespace)).toHaveLength(3);
    // every create asks the server to refuse unknown fields
    const creates = server.requests.filter(
      (r) => r.method === 'POST' && !r.path.includes('selfsubjectaccessreviews'),
    );
    expect(creates.length).toBeGreaterThanOrEqual(9);
    for (const r of creates) expect(r.query.get('fieldValidation'), r.path).toBe('Strict');
    // permissions were checked before anything was created
    const firstCreate = server.requests.findIndex(
      (r) => r.method === 'POST' && r.path === '/api/v1/namespaces',
    );
    const reviews = server.requests.filter(
      (r, i) => r.path.includes('selfsubjectaccessreviews') && i < firstCreate,
    );
    expect(reviews.length).toBeGreaterThanOrEqual(12);
  });

  it('serves each node API through port-forwarding, with its chain files mounted and its log followed', async () => {
    const val0 = nodes.get('val-0')!;
    expect(val0.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await getJson<{ node: string }>(`${val0.apiUrl}/info`)).node).toBe('val-0');
    const genesis = await fetch(`${val0.apiUrl}/file?path=/chain/genesis.json`).then((r) => r.text());
    expect(genesis).toBe('{"chainId":"k8s-test","validators":2}');
    const own = await fetch(`${val0.apiUrl}/file?path=/chain/val-0.json`).then((r) => r.text());
    expect(own).toBe('{"name":"val-0"}');
    await eventually('the ready line reaches the log file', 5000, async () =>
      (await val0.logTail()).includes('"event":"ready"'),
    );
  });

  it('pauses a node (SIGSTOP through the signal sidecar) and resumes it', async () => {
    const val1 = nodes.get('val-1')!;
    const pid = kubelet.nodePid(server.list('namespaces')[0]!.metadata.name, 'val-1')!;
    await val1.pause();
    expect(val1.state).toBe('paused');
    expect(await processState(pid)).toBe('T');
    const answered = await fetch(`${val1.apiUrl}/health`, { signal: AbortSignal.timeout(700) }).then(
      () => true,
      () => false,
    );
    expect(answered).toBe(false);
    await val1.resume();
    expect(await processState(pid)).not.toBe('T');
    await eventually(
      'val-1 answers again',
      5000,
      async () => (await fetch(`${val1.apiUrl}/health`)).status === 200,
    );
  });

  it('kills a node with SIGKILL, and a new pod on the same claim continues it at the same URL', async () => {
    const val1 = nodes.get('val-1')!;
    const url = val1.apiUrl;
    const before = await getJson<{ starts: number }>(`${url}/info`);
    const exit = await val1.kill();
    expect(exit).toEqual({ exitCode: 137, signal: 'SIGKILL' });
    expect(val1.state).toBe('stopped');
    await val1.start({ timeoutMs: 20_000 });
    expect(val1.apiUrl).toBe(url);
    expect((await getJson<{ starts: number }>(`${url}/info`)).starts).toBe(before.starts + 1);
  });

  it('stops a node gracefully (the pod deleted with its grace period) and starts it again', async () => {
    const val1 = nodes.get('val-1')!;
    const before = await getJson<{ starts: number }>(`${val1.apiUrl}/info`);
    const exit = await val1.stop();
    // the node handled SIGTERM and exited 0 within the grace period
    expect(exit).toEqual({ exitCode: 0, signal: null });
    expect(
      server.list('pods', server.list('namespaces')[0]!.metadata.name).map((p) => p.metadata.name),
    ).toEqual(['val-0']);
    await val1.start({ timeoutMs: 20_000 });
    expect((await getJson<{ starts: number }>(`${val1.apiUrl}/info`)).starts).toBe(before.starts + 1);
    await eventually('the SIGTERM line reaches the log file', 5000, async () =>
      (await val1.logTail(50)).includes('val-1 stopping on SIGTERM'),
    );
  });

  it('reports a crash it did not cause, and starts the node again', async () => {
    const val0 = nodes.get('val-0')!;
    const exits: ExitInfo[] = [];
    using _ = val0.onUnexpectedExit((info) => exits.push(info));
    const pid = kubelet.nodePid(server.list('namespaces')[0]!.metadata.name, 'val-0')!;
    // killed behind the deployer's back, as an OOM kill would
    process.kill(pid, 'SIGKILL');
    await eventually('the crash is reported', 5000, async () => exits.length === 1);
    expect(exits[0]).toEqual({ exitCode: 137, signal: 'SIGKILL' });
    expect(val0.state).toBe('exited');
    await val0.start({ timeoutMs: 20_000 });
    expect(val0.state).toBe('running');
    expect(exits).toHaveLength(1);
  });

  it('writes control files (e.g. a clock offset) the node can read, and a new pod starts with them', async () => {
    const val0 = nodes.get('val-0')!;
    await val0.writeControlFile('faketime', '+1.5s');
    const read = () => fetch(`${val0.apiUrl}/file?path=/chainlab/control/faketime`).then((r) => r.text());
    expect(await read()).toBe('+1.5s');
    await val0.stop({ graceMs: 1000 });
    await val0.start({ timeoutMs: 20_000 });
    // written by the init container before the node started
    expect(await read()).toBe('+1.5s');
  });

  it('skews a node’s wall clock with libfaketime: from its first instant, at once on a change, and in a new pod', async ({
    skip,
  }) => {
    requireIn(libfaketimeRequirement(), skip);
    const skewed = await k8sDeployer({ k8s: options(kubeconfig), stopGraceMs: 2000 })({
      ...ctx,
      clusterName: 'cluster-6',
    });
    // The node's clock against ours, read from outside as the cluster's clock confirmation
    // reads it: within half the request's round trip (+ 25 ms) of `expectedMs`.
    const expectOffset = async (node: K8sNode, expectedMs: number): Promise<void> => {
      const before = Date.now();
      const { now } = await getJson<{ now: number }>(`${node.apiUrl}/time`);
      const after = Date.now();
      const offset = now - (before + after) / 2;
      expect(
        Math.abs(offset - expectedMs),
        `offset ${offset} ms, expected ${expectedMs} ms`,
      ).toBeLessThanOrEqual((after - before) / 2 + 25);
    };
    try {
      const [allocation] = await skewed.allocate([{ name: 'val-2', role: 'validator' }]);
      const node = (await skewed.start(
        {
          name: 'val-2',
          role: 'validator',
          allocation: allocation!,
          launch: launchOf('val-2'),
          clock: { offsetMs: 5000 },
        },
        { timeoutMs: 20_000 },
      )) as K8sNode;
      const namespace = `chainlab-${runId}-cluster-6`;
      const pod = server.get('pods', namespace, 'val-2') as unknown as {
        spec: {
          containers: { name: string; env: { name: string; value: string }[] }[];
          initContainers: unknown[];
        };
      };
      const env = Object.fromEntries(pod.spec.containers[0]!.env.map((e) => [e.name, e.value]));
      expect(env).toMatchObject({
        LD_PRELOAD: '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1',
        FAKETIME_TIMESTAMP_FILE: '/chainlab/control/offset',
        FAKETIME_NO_CACHE: '1',
        DONT_FAKE_MONOTONIC: '1',
        CHAIN_NODE: 'val-2',
      });
      // the first offset was in place before the node's first clock read: the init container wrote it
      expect(pod.spec.initContainers).toHaveLength(1);
      await expectOffset(node, 5000);
      // a change applies once setClockOffset resolves: the sidecar renamed the new file into place
      await node.setClockOffset!(-3000);
      await expectOffset(node, -3000);
      expect(await fetch(`${node.apiUrl}/file?path=/chainlab/control/offset`).then((r) => r.text())).toBe(
        '-3.000s\n',
      );
      // a new pod of the node starts with the offset it last had
      await node.stop({ graceMs: 1000 });
      await node.setClockOffset!(2000);
      await node.start({ timeoutMs: 20_000 });
      await expectOffset(node, 2000);
      // a node started without a clock is not skewable, and runs without libfaketime
      expect(nodes.get('val-0')!.setClockOffset).toBeUndefined();
      const plain = server.get('pods', `chainlab-${runId}-cluster-1`, 'val-0') as unknown as {
        spec: { containers: { env: { name: string }[] }[] };
      };
      expect(plain.spec.containers[0]!.env.map((e) => e.name)).not.toContain('LD_PRELOAD');
    } finally {
      await skewed.dispose();
    }
    expect(server.get('namespaces', undefined, `chainlab-${runId}-cluster-6`)).toBeUndefined();
  });

  it('runs the link proxy as one more pod behind a headless Service, driven through port-forwarding', async () => {
    const linked = await k8sDeployer({
      k8s: options(kubeconfig, { linksImage: LINKS_IMAGE }),
      stopGraceMs: 2000,
    })({
      ...ctx,
      clusterName: 'cluster-7',
    });
    const namespace = `chainlab-${runId}-cluster-7`;
    try {
      const allocations = await linked.allocate([
        { name: 'val-0', role: 'validator' },
        { name: 'val-1', role: 'validator' },
      ]);
      const target = (await linked.start(
        { name: 'val-0', role: 'validator', allocation: allocations[0]!, launch: launchOf('val-0') },
        { timeoutMs: 20_000 },
      )) as K8sNode;
      // On a real cluster the proxy dials a node by its Service name; this test server runs no
      // cluster DNS, so the directory gets val-0's pod IP (its p2p stand-in: the API port).
      const links = await startLinks({
        deployer: linked,
        allocations: [{ ...allocations[0]!, host: target.podIp!, p2pPort: 8080 }, allocations[1]!],
        dials: { 'val-1': ['val-0'], 'val-0': [] },
        seed: 913,
        timeoutMs: 20_000,
        signal: AbortSignal.timeout(30_000),
        nodes: () => undefined,
        updatePeers: undefined,
        adapterName: 'test',
        recording: () => undefined,
        log: (l) => logLines.push(l),
      });
      // the proxy's pod: its own image, one container, no claim; its Service headless
      const pod = server.get('pods', namespace, LINK_PROXY_NAME) as unknown as {
        spec: { containers: { name: string; image: string }[]; volumes?: unknown[] };
      };
      expect(pod.spec.containers.map((c) => [c.name, c.image])).toEqual([['node', LINKS_IMAGE]]);
      expect(pod.spec.volumes).toBeUndefined();
      expect(server.list('persistentvolumeclaims', namespace).map((c) => c.metadata.name)).toEqual([
        'val-0-data',
      ]);
      const service = server.get('services', namespace, LINK_PROXY_NAME) as unknown as {
        spec: { clusterIP: string; ports?: unknown[] };
      };
      expect(service.spec.clusterIP).toBe('None');
      expect(service.spec.ports).toBeUndefined();
      // nodes dial their peers at the proxy's Service name, one port per directed link
      const [peer] = links.endpointsFor('val-1').peers;
      expect(peer).toMatchObject({ name: 'val-0', host: LINK_PROXY_NAME });
      // what a dial of that name reaches (a headless Service answers with the pod's IP)
      const proxyIp = server.get('pods', namespace, LINK_PROXY_NAME)!.status as { podIP: string };
      const through = `http://${proxyIp.podIP}:${peer!.p2pPort}/info`;
      expect((await getJson<{ node: string }>(through)).node).toBe('val-0');
      // the control API answers through port-forwarding, as node APIs do
      const status = await links.status();
      const link = status.find((l) => l.from === 'val-1' && l.to === 'val-0')!;
      expect(link.accepted).toBe(1);
      const ready = logLines.map((l) => /^link proxy (\S+) ready with 2 links/.exec(l)?.[1]).find(Boolean);
      expect(ready).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const proxy = new LinkProxyClient(ready!);
      await proxy.setFlows([{ from: 'val-1', to: 'val-0', settings: { ...openLink, blackhole: true } }]);
      expect(await proxy.probe([link.id], 500)).toEqual([{ id: link.id, passed: false, reason: 'held' }]);
      // a node's connection through the cut link stays open and gets nothing back
      expect(await exchange(proxyIp.podIP, peer!.p2pPort, 700)).toBe('silent');
      await proxy.setFlows([{ from: 'val-1', to: 'val-0', settings: openLink }]);
      expect(await proxy.probe([link.id], 2000)).toEqual([{ id: link.id, passed: true }]);
      expect(await exchange(proxyIp.podIP, peer!.p2pPort, 2000)).toBe('answered');
    } finally {
      await linked.dispose();
    }
    expect(server.get('namespaces', undefined, namespace)).toBeUndefined();
  });

  it('refuses a disconnect it cannot prove: this server enforces no NetworkPolicy', async () => {
    const val0 = nodes.get('val-0')!;
    const error = await val0.disconnect().catch((e: unknown) => e);
    expect(NodeControlError.is(error), String(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /NetworkPolicy applied but val-1 still reaches val-0 after 1500 ms: this cluster's network plugin does not enforce NetworkPolicy/,
    );
    // the policy that did not hold was removed again
    expect(server.list('networkpolicies')).toHaveLength(0);
    expect(val0.connected).toBe(true);
  });

  it('fails a node whose image cannot be pulled with the cluster’s reason, leaving no pod', async () => {
    const bad = await k8sDeployer({ k8s: options(kubeconfig, { image: 'registry.example.com/missing:1' }) })({
      ...ctx,
      clusterName: 'cluster-2',
    });
    try {
      const [allocation] = await bad.allocate([{ name: 'val-0', role: 'validator' }]);
      const error = await bad
        .start(
          { name: 'val-0', role: 'validator', allocation: allocation!, launch: launchOf('val-0') },
          { timeoutMs: 20_000 },
        )
        .catch((e: unknown) => e);
      expect(ClusterStartError.is(error)).toBe(true);
      expect((error as ClusterStartError).timedOut).toBe(false);
      expect((error as Error).message).toMatch(/ErrImagePull.*registry\.example\.com\/missing:1/);
      await eventually(
        'the failed pod is gone',
        5000,
        async () => server.list('pods', `chainlab-${runId}-cluster-2`).length === 0,
      );
    } finally {
      await bad.dispose();
    }
    expect(server.get('namespaces', undefined, `chainlab-${runId}-cluster-2`)).toBeUndefined();
  });

  it('fails a node that exits before it is ready with its exit code and log tail, leaving no pod', async () => {
    const bad = await k8sDeployer({ k8s: options(kubeconfig, { image: CRASHING_IMAGE }) })({
      ...ctx,
      clusterName: 'cluster-5',
    });
    try {
      const [allocation] = await bad.allocate([{ name: 'val-0', role: 'validator' }]);
      const error = await bad
        .start(
          { name: 'val-0', role: 'validator', allocation: allocation!, launch: launchOf('val-0') },
          { timeoutMs: 20_000 },
        )
        .catch((e: unknown) => e);
      expect(ClusterStartError.is(error)).toBe(true);
      const startError = error as ClusterStartError;
      expect(startError.shortMessage).toBe('node val-0 exited before it was ready');
      expect({ timedOut: startError.timedOut, exitCode: startError.exitCode, node: startError.node }).toEqual(
        {
          timedOut: false,
          exitCode: 3,
          node: 'val-0',
        },
      );
      expect(startError.logTail).toContain('val-0: fatal: cannot read its config');
      await eventually(
        'the failed pod is gone',
        5000,
        async () => server.list('pods', `chainlab-${runId}-cluster-5`).length === 0,
      );
    } finally {
      await bad.dispose();
    }
  });

  it('refuses to start, naming every missing permission, before creating anything', async () => {
    server.denied.add('create pods/exec');
    server.denied.add('create pods/portforward');
    try {
      const error = await k8sDeployer({ k8s: options(kubeconfig) })({
        ...ctx,
        clusterName: 'cluster-3',
      }).catch((e: unknown) => e);
      expect(ChainlabError.is(error)).toBe(true);
      expect((error as Error).message).toContain('create pods/exec in chainlab-');
      expect((error as Error).message).toContain('create pods/portforward in chainlab-');
      expect(server.get('namespaces', undefined, `chainlab-${runId}-cluster-3`)).toBeUndefined();
    } finally {
      server.denied.clear();
    }
  });

  it('names the known contexts when the context option is wrong', async () => {
    const error = await k8sDeployer({ k8s: options(kubeconfig, { context: 'prod' }) })(ctx).catch(
      (e: unknown) => e,
    );
    expect(ConfigError.is(error)).toBe(true);
    expect((error as ConfigError).issues).toEqual([
      { path: 'k8s.context', value: 'prod', allowed: 'one of fake' },
    ]);
  });

  it('is the deployer named k8s: loaded lazily by name, with its options', async () => {
    const factory = await deployerFactory('k8s', { stopGraceMs: 1000, k8s: options(kubeconfig) });
    const other = await factory({ ...ctx, clusterName: 'cluster-4' });
    try {
      expect(other.name).toBe('k8s');
      expect([...other.capabilities].sort()).toEqual([
        'clock-skew',
        'kill',
        'pause',
        'restart',
        'resume',
        'start',
        'stop',
      ]);
      expect(other.hostsLinks).toBe(true);
      expect(server.get('namespaces', undefined, `chainlab-${runId}-cluster-4`)).toBeDefined();
    } finally {
      await other.dispose();
    }
    expect(server.get('namespaces', undefined, `chainlab-${runId}-cluster-4`)).toBeUndefined();
  });

  it('disposes idempotently: the namespace and every node process are gone', async () => {
    const pids = ['val-0', 'val-1'].map((n) => kubelet.nodePid(`chainlab-${runId}-cluster-1`, n)!);
    await Promise.all([deployer.dispose(), deployer.dispose()]);
    await deployer.dispose();
    expect(server.list('namespaces')).toHaveLength(0);
    expect(server.list('pods')).toHaveLength(0);
    for (const pid of pids) {
      expect(() => process.kill(pid, 0)).toThrow();
    }
  });
});
