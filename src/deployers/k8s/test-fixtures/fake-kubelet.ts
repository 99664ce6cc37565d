/**
 * A TEST KUBELET for the test API server: runs each pod's node container as a local
 * process (fake-node.mjs, for images listed in `images`), gives every pod its own loopback
 * IP (127.0.1.n), lays out its volumes as host dirs (one per claim, kept across pods; chain
 * files from the ConfigMaps; the control dir), probes readiness on the pod's health
 * endpoint, and delivers exec (a real POSIX shell: busybox when installed, as in the
 * sidecar image), port-forward (a TCP connection to the pod IP) and logs.
 * Pod deletion is graceful like the kubelet's: SIGTERM, SIGKILL after the grace period.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WebSocket } from 'ws';
import { CONTROL_DIR } from '../sidecar-scripts.ts';
import type { FakeApiServer, KubeObject, PodRuntime } from './fake-api-server.ts';

const fakeNode = fileURLToPath(new URL('./fake-node.mjs', import.meta.url));
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

interface Container {
  name: string;
  image: string;
  command?: string[];
  env?: { name: string; value: string }[];
  ports?: { name?: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string }[];
}

interface Volume {
  name: string;
  persistentVolumeClaim?: { claimName: string };
  projected?: { sources: { configMap: { name: string; items: { key: string; path: string }[] } }[] };
  emptyDir?: unknown;
}

interface PodState {
  pod: KubeObject;
  ip: string;
  dir: string;
  mounts: Record<string, string>;
  node: ChildProcess | undefined;
  exited: Promise<void>;
  logs: Buffer[];
  followers: Set<ServerResponse>;
  readiness: NodeJS.Timeout | undefined;
  ready: boolean;
}

/** Which shell execs run in: busybox applets when busybox is installed, else the host's sh. */
export function execShell(root: string): { sh: string; path: string; kind: string } {
  try {
    const busybox = execFileSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).trim();
    if (busybox === '') throw new Error('no busybox');
    const dir = mkdtempSync(join(root, 'busybox-'));
    execFileSync(busybox, ['--install', '-s', dir]);
    return { sh: join(dir, 'sh'), path: dir, kind: 'busybox' };
  } catch {
    return { sh: '/bin/sh', path: process.env.PATH ?? '/usr/bin:/bin', kind: 'host sh' };
  }
}

export class FakeKubelet implements PodRuntime {
  readonly #server: FakeApiServer;
  readonly #images: ReadonlySet<string>;
  readonly #crashing: ReadonlySet<string>;
  readonly #signalImage: string;
  readonly #pods = new Map<string, PodState>();
  readonly #claims = new Map<string, string>();
  readonly #root = mkdtempSync(join(tmpdir(), 'chainlab-fake-kubelet-'));
  readonly shell = execShell(this.#root);
  #nextIp = 10;

  /**
   * `images`: node images this kubelet "has"; any other image fails to pull. A node from one
   * of `crashing` exits with code 3 and an error line right after it starts.
   */
  constructor(server: FakeApiServer, opts: { images: string[]; crashing?: string[]; signalImage: string }) {
    this.#server = server;
    this.#crashing = new Set(opts.crashing ?? []);
    this.#images = new Set([...opts.images, ...this.#crashing]);
    this.#signalImage = opts.signalImage;
    server.attach(this);
  }

  /** Pids of the running node processes (tests look at them directly). */
  nodePid(namespace: string, pod: string): number | undefined {
    for (const s of this.#pods.values()) {
      if (s.pod.metadata.namespace === namespace && s.pod.metadata.name === pod) return s.node?.pid;
    }
    return undefined;
  }

  #update(state: PodState, mutate: (pod: KubeObject) => void): void {
    mutate(state.pod);
    const { namespace, name, uid } = state.pod.metadata;
    this.#server.updatePod(namespace!, name, uid!, mutate);
  }

  #layout(state: PodState): void {
    const spec = state.pod.spec as { volumes?: Volume[]; containers: Container[] };
    const hostDirs = new Map<string, string>();
    for (const v of spec.volumes ?? []) {
      if (v.persistentVolumeClaim !== undefined) {
        const key = `${state.pod.metadata.namespace}/${v.persistentVolumeClaim.claimName}`;
        if (!this.#claims.has(key)) this.#claims.set(key, mkdtempSync(join(this.#root, 'claim-')));
        hostDirs.set(v.name, this.#claims.get(key)!);
      } else if (v.projected !== undefined) {
        const dir = mkdtempSync(join(state.dir, 'projected-'));
        for (const source of v.projected.sources) {
          const cm = this.#server.get('configmaps', state.pod.metadata.namespace, source.configMap.name);
          for (const item of source.configMap.items) {
            const data = (cm?.data as Record<string, string> | undefined)?.[item.key];
            const binary = (cm?.binaryData as Record<string, string> | undefined)?.[item.key];
            const file = join(dir, item.path);
            mkdirSync(dirname(file), { recursive: true });
            writeFileSync(file, binary !== undefined ? Buffer.from(binary, 'base64') : (data ?? ''));
          }
        }
        hostDirs.set(v.name, dir);
      } else {
        hostDirs.set(v.name, mkdtempSync(join(state.dir, `${v.name}-`)));
      }
    }
    const node = spec.containers.find((c) => c.name === 'node')!;
    for (const m of node.volumeMounts ?? []) state.mounts[m.mountPath] = hostDirs.get(m.name)!;
    state.mounts[CONTROL_DIR] = hostDirs.get('chainlab-control') ?? mkdtempSync(join(state.dir, 'control-'));
  }

  /** argv with container paths of the control dir turned into its host dir. */
  #hostArgv(state: PodState, argv: string[]): string[] {
    return argv.map((a) => a.replaceAll(CONTROL_DIR, state.mounts[CONTROL_DIR]!));
  }

  #run(state: PodState, argv: string[]): ChildProcess {
    const [cmd, ...args] = this.#hostArgv(state, argv);
    return spawn(cmd === 'sh' ? this.shell.sh : cmd!, args, {
      env: { PATH: this.shell.path },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  podCreated(pod: KubeObject): void {
    const ip = `127.0.1.${this.#nextIp++}`;
    const state: PodState = {
      pod,
      ip,
      dir: mkdtempSync(join(this.#root, 'pod-')),
      mounts: {},
      node: undefined,
      exited: Promise.resolve(),
      logs: [],
      followers: new Set(),
      readiness: undefined,
      ready: false,
    };
    this.#pods.set(pod.metadata.uid!, state);
    setTimeout(() => void this.#startPod(state), 20);
  }

  async #startPod(state: PodState): Promise<void> {
    const spec = state.pod.spec as { containers: Container[]; initContainers?: Container[] };
    const missing = spec.containers.find((c) => c.image !== this.#signalImage && !this.#images.has(c.image));
    if (missing !== undefined) {
      this.#update(state, (p) => {
        p.status = {
          phase: 'Pending',
          containerStatuses: spec.containers.map((c) => ({
            name: c.name,
            image: c.image,
            ready: false,
            restartCount: 0,
            state: {
              waiting:
                c === missing
                  ? {
                      reason: 'ErrImagePull',
                      message: `failed to pull and unpack image "${c.image}": not found`,
                    }
                  : { reason: 'PodInitializing' },
            },
          })),
        };
      });
      return;
    }
    this.#layout(state);
    for (const init of spec.initContainers ?? []) {
      const child = this.#run(state, init.command ?? []);
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      if (code !== 0) throw new Error(`init container ${init.name} failed with ${code}`);
    }
    const node = spec.containers.find((c) => c.name === 'node')!;
    const apiPort = node.ports?.find((p) => p.name === 'api')?.containerPort ?? 8080;
    const env = Object.fromEntries((node.env ?? []).map((e) => [e.name, e.value]));
    const dataDir = Object.keys(state.mounts).find((m) => state.mounts[m]!.includes('claim-')) ?? '/data';
    const child = spawn(process.execPath, [fakeNode], {
      env: {
        ...env,
        FAKE_LISTEN: `${state.ip}:${apiPort}`,
        FAKE_MOUNTS: JSON.stringify(state.mounts),
        FAKE_DATA_DIR: dataDir,
        ...(this.#crashing.has(node.image) ? { FAKE_CRASH: '1' } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    state.node = child;
    const onLog = (chunk: Buffer) => {
      state.logs.push(chunk);
      for (const f of state.followers) f.write(chunk);
    };
    child.stdout!.on('data', onLog);
    child.stderr!.on('data', onLog);
    state.exited = new Promise<void>((resolve) => {
      child.on('exit', (code, signal) => {
        const signals: Record<string, number> = { SIGKILL: 9, SIGTERM: 15 };
        const exitCode = code ?? 128 + (signals[signal ?? ''] ?? 0);
        clearInterval(state.readiness);
        for (const f of state.followers) f.end();
        state.followers.clear();
        this.#update(state, (p) => {
          const status = p.status as {
            containerStatuses: Record<string, unknown>[];
            conditions: Record<string, unknown>[];
          };
          status.containerStatuses[0] = {
            ...status.containerStatuses[0],
            ready: false,
            state: {
              terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', finishedAt: now() },
            },
          };
          status.conditions = status.conditions.map((c) =>
            c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False' } : c,
          );
        });
        resolve();
      });
    });
    const startedAt = now();
    this.#update(state, (p) => {
      p.status = {
        phase: 'Running',
        podIP: state.ip,
        podIPs: [{ ip: state.ip }],
        hostIP: '127.0.0.1',
        startTime: startedAt,
        qosClass: 'Burstable',
        conditions: [
          { type: 'PodScheduled', status: 'True' },
          { type: 'Initialized', status: 'True' },
          { type: 'ContainersReady', status: 'False' },
          { type: 'Ready', status: 'False' },
        ],
        containerStatuses: [
          {
            name: 'node',
            image: node.image,
            ready: false,
            restartCount: 0,
            started: true,
            state: { running: { startedAt } },
          },
          {
            name: 'signal',
            image: this.#signalImage,
            ready: true,
            restartCount: 0,
            started: true,
            state: { running: { startedAt } },
          },
        ],
      };
    });
    state.readiness = setInterval(() => void this.#probe(state, apiPort), 250);
  }

  async #probe(state: PodState, port: number): Promise<void> {
    const ready = await fetch(`http://${state.ip}:${port}/health`, { signal: AbortSignal.timeout(1000) })
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ready === state.ready || state.node?.exitCode !== null || state.node.signalCode !== null) return;
    state.ready = ready;
    this.#update(state, (p) => {
      const status = p.status as {
        conditions: Record<string, unknown>[];
        containerStatuses: Record<string, unknown>[];
      };
      status.conditions = status.conditions.map((c) =>
        c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: ready ? 'True' : 'False' } : c,
      );
      status.containerStatuses[0] = { ...status.containerStatuses[0], ready };
    });
  }

  podDeleting(pod: KubeObject, graceSeconds: number): void {
    const state = this.#pods.get(pod.metadata.uid!);
    const { namespace, name, uid } = pod.metadata;
    const finish = () => {
      if (state !== undefined) {
        clearInterval(state.readiness);
        this.#pods.delete(uid!);
        rmSync(state.dir, { recursive: true, force: true });
      }
      this.#server.removePod(namespace!, name, uid!);
    };
    const child = state?.node;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
      setTimeout(finish, 10);
      return;
    }
    // a stopped process cannot act on SIGTERM; the kubelet's SIGKILL still ends it
    child.kill(graceSeconds === 0 ? 'SIGKILL' : 'SIGTERM');
    const hard = setTimeout(() => child.kill('SIGKILL'), graceSeconds * 1000);
    void state!.exited.then(() => {
      clearTimeout(hard);
      finish();
    });
  }

  exec(pod: KubeObject, container: string, command: string[], ws: WebSocket): void {
    const state = this.#pods.get(pod.metadata.uid!);
    const frame = (channel: number, data: Buffer | string) =>
      ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
    if (state === undefined || container !== 'signal' || command[0] !== 'sh') {
      // what a FROM scratch node image answers: there is no shell in it
      frame(
        3,
        JSON.stringify({
          metadata: {},
          status: 'Failure',
          message: `Internal error occurred: error executing command in container: failed to exec in container: OCI runtime exec failed: exec failed: unable to start container process: exec: "${command[0]}": executable file not found in $PATH: unknown`,
          reason: 'InternalError',
          code: 500,
        }),
      );
      ws.close();
      return;
    }
    const child = this.#run(state, command);
    child.stdout!.on('data', (c: Buffer) => frame(1, c));
    child.stderr!.on('data', (c: Buffer) => frame(2, c));
    child.on('exit', (code) => {
      const status =
        code === 0
          ? { metadata: {}, status: 'Success' }
          : {
              metadata: {},
              status: 'Failure',
              message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
              reason: 'NonZeroExitCode',
              details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
            };
      frame(3, JSON.stringify(status));
      ws.close();
    });
  }

  portForward(pod: KubeObject, port: number, ws: WebSocket): void {
    const state = this.#pods.get(pod.metadata.uid!);
    const header = Buffer.from([port & 0xff, port >> 8]);
    ws.send(Buffer.concat([Buffer.from([0]), header]));
    ws.send(Buffer.concat([Buffer.from([1]), header]));
    if (state === undefined) {
      ws.send(Buffer.concat([Buffer.from([1]), Buffer.from('pod is not running')]));
      ws.close();
      return;
    }
    const socket = connect({ host: state.ip, port });
    socket.on('data', (c: Buffer) => ws.send(Buffer.concat([Buffer.from([0]), c])));
    socket.on('error', (error) => {
      ws.send(
        Buffer.concat([Buffer.from([1]), Buffer.from(`error forwarding port ${port}: ${error.message}`)]),
      );
      ws.close();
    });
    socket.on('close', () => ws.close());
    ws.on('message', (data: Buffer) => {
      if (data[0] === 0 && data.length > 1) socket.write(data.subarray(1));
    });
    ws.on('close', () => socket.end());
  }

  log(pod: KubeObject, _container: string, follow: boolean, res: ServerResponse): void {
    const state = this.#pods.get(pod.metadata.uid!);
    for (const chunk of state?.logs ?? []) res.write(chunk);
    const running =
      state?.node !== undefined && state.node.exitCode === null && state.node.signalCode === null;
    if (follow && running) {
      state.followers.add(res);
      res.on('close', () => state.followers.delete(res));
    } else res.end();
  }

  /** Kills every node process and removes the kubelet's dirs. */
  async close(): Promise<void> {
    for (const state of this.#pods.values()) {
      clearInterval(state.readiness);
      if (state.node?.exitCode === null && state.node.signalCode === null) {
        state.node.kill('SIGCONT');
        state.node.kill('SIGKILL');
      }
      await state.exited;
    }
    this.#pods.clear();
    rmSync(this.#root, { recursive: true, force: true });
  }
}
