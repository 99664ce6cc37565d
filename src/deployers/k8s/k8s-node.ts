/**
 * One node run as a pod, controlled through the Kubernetes API:
 * - start: create the pod, wait for its Ready condition (the readiness probe is the node's
 *   health endpoint), then for the health endpoint through the test's own access path;
 * - stop: delete the pod with the grace period (the kubelet's SIGTERM, then SIGKILL);
 * - kill / pause / resume: SIGKILL / SIGSTOP / SIGCONT delivered by the signal sidecar
 *   through `pods/exec` (the pod shares one PID namespace);
 * - start after stop or kill: a new pod of the same name on the same claim and Service;
 * - disconnect / connect: a deny-all NetworkPolicy, proven by probes between sidecars.
 * A node container that ends without being asked is reported through `onUnexpectedExit`.
 */
import type { V1NetworkPolicy, V1Pod } from '@kubernetes/client-node';
import { type Clock, systemClock } from '../../support/clock.ts';
import { ClusterStartError, NodeControlError } from '../../support/errors.ts';
import { describeApiError, isApiStatus, type K8sApi } from './k8s-api.ts';
import { CLOCK_FILE, clockFileContent } from './pod-clock.ts';
import type { PodLogStream } from './pod-log-stream.ts';
import { containerNames } from './pod-manifest.ts';
import { fatalStartReason, isPodReady, nodeExit, pendingReason } from './pod-status.ts';
import type { PodWatch } from './pod-watch.ts';
import type { PortForwarder } from './port-forwarder.ts';
import { type DeployedNode, type ExitInfo, type NodeState, type StartOptions, tailFile } from './seam.ts';
import { CONTROL_DIR, PROBE_SCRIPT, signalCommand, WRITE_SCRIPT } from './sidecar-scripts.ts';

/** Default delay between SIGTERM and SIGKILL when a node's pod is deleted. */
export const DEFAULT_K8S_STOP_GRACE_MS = 5000;
/** How long a disconnect or connect may take to show in probes before it fails. Default 20 s. */
export const DEFAULT_ISOLATION_PROOF_MS = 20_000;

const LOG_TAIL_LINES = 25;
/** Time for a killed container to be reported terminated. */
const EXIT_REPORT_MS = 30_000;
/** Time beyond the grace period for a deleted pod to be gone. */
const DELETE_SLACK_MS = 60_000;

/** Where the test process reaches the node's API. */
export type ApiAccess = { mode: 'port-forward'; forwarder: PortForwarder } | { mode: 'service'; url: string };

/** Everything a node pod needs besides its manifest. */
export interface K8sNodeOptions {
  name: string;
  api: K8sApi;
  watch: PodWatch;
  namespace: string;
  /** Builds the pod with the control files it should start with (a new pod keeps them). */
  pod: (controlFiles: Readonly<Record<string, string>>) => V1Pod;
  /** Control files the first pod starts with (a skewable clock's first offset). Default none. */
  controlFiles?: Readonly<Record<string, string>>;
  /**
   * The node runs under libfaketime reading its offset from the control dir (pod-clock.ts):
   * then it has `setClockOffset`. Default false.
   */
  skewableClock?: boolean;
  /** Marker on the node's processes, for the signal sidecar. */
  marker: string;
  apiPort: number;
  healthPath: string;
  logFile: string;
  logs: PodLogStream;
  access: ApiAccess;
  stopGraceMs?: number;
  /** Network isolation (clusters that enforce NetworkPolicy only). */
  isolation?: {
    policy: V1NetworkPolicy;
    /** Other nodes of the cluster, to probe from and to. */
    peers: () => readonly K8sNode[];
    proofMs?: number;
  };
  clock?: Clock;
  log?: (line: string) => void;
}

/** A node pod; create with {@link K8sNode.start}. */
export class K8sNode implements DeployedNode {
  readonly name: string;
  readonly logFile: string;
  readonly podName: string;
  /** Sets the node's wall-clock offset (nodes started with `skewableClock` only). */
  readonly setClockOffset: ((offsetMs: number) => Promise<void>) | undefined;
  readonly #opts: K8sNodeOptions;
  readonly #clock: Clock;
  readonly #controlFiles = new Map<string, string>();
  #uid: string | undefined;
  #state: NodeState = 'stopped';
  #connected = true;
  #expectingExit = true;
  #lastExit: ExitInfo | undefined;
  #unexpected = new Set<(info: ExitInfo) => void>();
  #watching: Disposable | undefined;
  #removed: Promise<void> | undefined;

  private constructor(opts: K8sNodeOptions) {
    this.name = opts.name;
    this.logFile = opts.logFile;
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.podName = opts.pod({}).metadata!.name!;
    for (const [name, content] of Object.entries(opts.controlFiles ?? {}))
      this.#controlFiles.set(name, content);
    this.setClockOffset = opts.skewableClock
      ? (offsetMs) => this.writeControlFile(CLOCK_FILE, clockFileContent(offsetMs))
      : undefined;
  }

  /** Creates the node's pod and resolves once it serves; on failure its pod is deleted. */
  static async start(opts: K8sNodeOptions, startOpts: StartOptions): Promise<K8sNode> {
    const node = new K8sNode(opts);
    node.#watching = opts.watch.onChange((pod, deleted) => node.#onPodChange(pod, deleted));
    try {
      await node.#createPod(startOpts);
    } catch (error) {
      // nothing of a failed start stays: its pod goes now, not with the namespace
      await opts.api.core
        .deleteNamespacedPod({ name: node.podName, namespace: opts.namespace, gracePeriodSeconds: 0 })
        .catch(() => {});
      await node.remove();
      throw error;
    }
    return node;
  }

  get apiUrl(): string {
    const access = this.#opts.access;
    return access.mode === 'port-forward' ? access.forwarder.url : access.url;
  }

  get state(): NodeState {
    return this.#state;
  }

  /** Pods run on other machines: no local pid. */
  get pid(): number | undefined {
    return undefined;
  }

  /** False while a NetworkPolicy isolates the node. */
  get connected(): boolean {
    return this.#connected;
  }

  /** The pod's IP as last seen (peers' probes dial it). */
  get podIp(): string | undefined {
    return this.#pod()?.status?.podIP;
  }

  onUnexpectedExit(listener: (info: ExitInfo) => void): Disposable {
    this.#unexpected.add(listener);
    return { [Symbol.dispose]: () => void this.#unexpected.delete(listener) };
  }

  logTail(lines = LOG_TAIL_LINES): Promise<string> {
    return tailFile(this.logFile, lines);
  }

  #pod(): V1Pod | undefined {
    const pod = this.#opts.watch.get(this.podName);
    return pod?.metadata?.uid === this.#uid ? pod : undefined;
  }

  #onPodChange(pod: V1Pod, deleted: boolean): void {
    if (pod.metadata?.name !== this.podName || pod.metadata?.uid !== this.#uid) return;
    if (this.#expectingExit || (this.#state !== 'running' && this.#state !== 'paused')) return;
    const exit = nodeExit(pod) ?? (deleted ? { exitCode: null, signal: null } : undefined);
    if (exit === undefined) return;
    this.#opts.log?.(`${this.name}: pod ${deleted ? 'deleted' : 'node container ended'} without being asked`);
    this.#lastExit = exit;
    this.#state = 'exited';
    for (const listener of this.#unexpected) listener(exit);
  }

  #require(action: string, ...states: NodeState[]): void {
    if (this.#removed !== undefined) throw new NodeControlError(this.name, action, 'the node was removed');
    if (!states.includes(this.#state)) {
      throw new NodeControlError(
        this.name,
        action,
        `node is ${this.#state}, expected ${states.join(' or ')}`,
      );
    }
  }

  async #startError(short: string, startedAt: number, timedOut: boolean, cause?: unknown, exit?: ExitInfo) {
    // the log of a container that never served is the best evidence: fetch it before failing
    await this.#opts.logs.follow(this.#opts.api, this.#opts.namespace, this.podName, containerNames.node);
    await this.#clock.sleep(200);
    return new ClusterStartError(short, {
      node: this.name,
      timedOut,
      exitCode: exit?.exitCode,
      signal: exit?.signal,
      durationMs: Math.round(this.#clock.monotonic() - startedAt),
      logFile: this.logFile,
      logTail: await this.logTail(),
      cause,
    });
  }

  async #createPod(startOpts: StartOptions): Promise<void> {
    const startedAt = this.#clock.monotonic();
    const { api, namespace } = this.#opts;
    this.#opts.log?.(`starting ${this.name} (pod ${namespace}/${this.podName})`);
    let created: V1Pod;
    try {
      created = await api.core.createNamespacedPod({
        namespace,
        body: this.#opts.pod(Object.fromEntries(this.#controlFiles)),
        fieldValidation: 'Strict',
      });
    } catch (error) {
      throw await this.#startError(
        `node ${this.name}: the pod could not be created: ${describeApiError(error)}`,
        startedAt,
        false,
        error,
      );
    }
    this.#uid = created.metadata?.uid;
    this.#state = 'running';
    this.#expectingExit = false;
    const timeoutMs = startOpts.timeoutMs;
    await this.#opts.watch
      .until(
        this.podName,
        (pod) => {
          if (pod?.metadata?.uid !== this.#uid) return { done: false };
          if (isPodReady(pod)) return { done: true, value: undefined };
          const fatal = fatalStartReason(pod);
          if (fatal !== undefined || nodeExit(pod) !== undefined) {
            const exit = nodeExit(pod);
            return {
              done: false,
              error: new Error(exit !== undefined ? 'exited' : fatal),
            };
          }
          return { done: false };
        },
        {
          timeoutMs,
          signal: startOpts.signal,
          onTimeout: () => new Error(`timeout: ${pendingReason(this.#pod())}`),
        },
      )
      .catch(async (error: unknown) => {
        const message = (error as Error).message ?? String(error);
        const exit = nodeExit(this.#pod());
        this.#state = exit === undefined ? this.#state : 'exited';
        if (exit !== undefined) {
          throw await this.#startError(
            `node ${this.name} exited before it was ready`,
            startedAt,
            false,
            error,
            exit,
          );
        }
        if (message.startsWith('timeout: ')) {
          throw await this.#startError(
            `node ${this.name} was not ready within ${timeoutMs} ms (${message.slice(9)})`,
            startedAt,
            true,
            error,
          );
        }
        if (startOpts.signal?.aborted) throw error;
        throw await this.#startError(`node ${this.name} cannot start: ${message}`, startedAt, false, error);
      });
    await this.#opts.logs.follow(api, namespace, this.podName, containerNames.node);
    await this.#waitServing(startOpts, startedAt);
    this.#opts.log?.(
      `${this.name} serving at ${this.apiUrl} in ${Math.round(this.#clock.monotonic() - startedAt)} ms`,
    );
  }

  /** The pod is Ready inside the cluster; wait until the test process reaches it too. */
  async #waitServing(startOpts: StartOptions, startedAt: number): Promise<void> {
    const url = `${this.apiUrl}${this.#opts.healthPath}`;
    for (;;) {
      startOpts.signal?.throwIfAborted();
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        await res.body?.cancel();
        if (res.status === 200) return;
      } catch {
        // not reachable yet
      }
      if (this.#clock.monotonic() - startedAt > startOpts.timeoutMs) {
        throw await this.#startError(
          `node ${this.name} is Ready in the cluster but ${url} did not answer within ${startOpts.timeoutMs} ms`,
          startedAt,
          true,
        );
      }
      await this.#clock.sleep(200, startOpts.signal);
    }
  }

  /** Deletes the current pod (404 is fine) and waits until it is gone; returns the node's exit if seen. */
  async #deletePod(graceSeconds: number, action: string): Promise<ExitInfo | undefined> {
    const { api, namespace } = this.#opts;
    let seen = nodeExit(this.#pod());
    try {
      await api.core.deleteNamespacedPod({ name: this.podName, namespace, gracePeriodSeconds: graceSeconds });
    } catch (error) {
      if (!isApiStatus(error, 404)) {
        throw new NodeControlError(this.name, action, describeApiError(error), { cause: error });
      }
    }
    const uid = this.#uid;
    await this.#opts.watch.until(
      this.podName,
      (pod) => {
        if (pod === undefined || pod.metadata?.uid !== uid) return { done: true, value: undefined };
        seen = nodeExit(pod) ?? seen;
        return { done: false };
      },
      {
        timeoutMs: graceSeconds * 1000 + DELETE_SLACK_MS,
        onTimeout: () =>
          new NodeControlError(this.name, action, `pod ${namespace}/${this.podName} was not gone in time`),
      },
    );
    return seen;
  }

  async #signal(signal: 'KILL' | 'STOP' | 'CONT', action: string): Promise<number> {
    const { api, namespace, marker } = this.#opts;
    let result: Awaited<ReturnType<K8sApi['exec']>>;
    try {
      result = await api.exec(namespace, this.podName, containerNames.signal, signalCommand(signal, marker));
    } catch (error) {
      throw new NodeControlError(
        this.name,
        action,
        `exec in the signal sidecar failed: ${describeApiError(error)}`,
        {
          cause: error,
        },
      );
    }
    // 3: no process carries the marker (the node is already gone), which a kill accepts
    if (result.exitCode !== 0 && !(signal === 'KILL' && result.exitCode === 3)) {
      throw new NodeControlError(
        this.name,
        action,
        `SIG${signal} was not delivered (exit ${result.exitCode}): ${result.stderr.trim() || result.stdout.trim()}`,
      );
    }
    return result.exitCode;
  }

  async stop(opts: { graceMs?: number } = {}): Promise<ExitInfo | undefined> {
    if (this.#state === 'stopped' || this.#state === 'exited') return this.#lastExit;
    if (this.#removed !== undefined) return this.#lastExit;
    const graceMs = opts.graceMs ?? this.#opts.stopGraceMs ?? DEFAULT_K8S_STOP_GRACE_MS;
    this.#expectingExit = true;
    this.#opts.log?.(`stopping ${this.name}`);
    // A frozen process cannot handle SIGTERM; thaw it first so the stop is graceful.
    if (this.#state === 'paused') await this.#signal('CONT', 'stop').catch(() => {});
    this.#lastExit = await this.#deletePod(Math.ceil(graceMs / 1000), 'stop');
    this.#state = 'stopped';
    return this.#lastExit;
  }

  async kill(): Promise<ExitInfo | undefined> {
    if (this.#state === 'stopped' || this.#state === 'exited') return this.#lastExit;
    this.#require('kill', 'running', 'paused');
    this.#expectingExit = true;
    this.#opts.log?.(`killing ${this.name} (SIGKILL)`);
    await this.#signal('KILL', 'kill');
    this.#lastExit = await this.#opts.watch.until(
      this.podName,
      (pod) => {
        if (pod === undefined || pod.metadata?.uid !== this.#uid) {
          return { done: true, value: { exitCode: null, signal: 'SIGKILL' } };
        }
        const exit = nodeExit(pod);
        return exit === undefined ? { done: false } : { done: true, value: exit };
      },
      {
        timeoutMs: EXIT_REPORT_MS,
        onTimeout: () =>
          new NodeControlError(this.name, 'kill', 'SIGKILL sent but the container never ended'),
      },
    );
    this.#state = 'stopped';
    return this.#lastExit;
  }

  async start(startOpts: StartOptions): Promise<void> {
    if (this.#state === 'running' || this.#state === 'paused') return;
    this.#require('start', 'stopped', 'exited');
    this.#opts.log?.(`starting ${this.name} again (new pod, same claim and Service)`);
    // a killed or crashed node's pod still exists (its sidecar runs): replace it
    await this.#deletePod(0, 'start');
    try {
      await this.#createPod(startOpts);
    } catch (error) {
      // a pod that never served is not left running half-started
      this.#expectingExit = true;
      await this.#deletePod(0, 'start').catch(() => {});
      this.#state = 'stopped';
      throw error;
    }
  }

  async pause(): Promise<void> {
    this.#require('pause', 'running');
    await this.#signal('STOP', 'pause');
    this.#state = 'paused';
  }

  async resume(): Promise<void> {
    this.#require('resume', 'paused');
    await this.#signal('CONT', 'resume');
    this.#state = 'running';
  }

  /**
   * Writes a file into the pod's control dir (`/chainlab/control/<name>`, read-only to the
   * node), e.g. a libfaketime offset; a later pod of this node starts with it too.
   * Resolves once the file is in place on the pod (the sidecar's exec renamed it there).
   */
  async writeControlFile(name: string, content: string): Promise<void> {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) {
      throw new NodeControlError(this.name, 'write control file', `bad file name ${JSON.stringify(name)}`);
    }
    this.#controlFiles.set(name, content);
    if (this.#pod() === undefined) return;
    const { api, namespace } = this.#opts;
    let result: Awaited<ReturnType<K8sApi['exec']>>;
    try {
      result = await api.exec(namespace, this.podName, containerNames.signal, [
        'sh',
        '-c',
        WRITE_SCRIPT,
        'chainlab-write',
        `${CONTROL_DIR}/${name}`,
        content,
      ]);
    } catch (error) {
      throw new NodeControlError(
        this.name,
        'write control file',
        `exec in the signal sidecar failed: ${describeApiError(error)}`,
        { cause: error },
      );
    }
    if (result.exitCode !== 0) {
      throw new NodeControlError(
        this.name,
        'write control file',
        result.stderr.trim() || `exit ${result.exitCode}`,
      );
    }
  }

  /** From `from`'s sidecar, does `to`'s health endpoint answer? */
  async #reaches(from: K8sNode, to: K8sNode): Promise<boolean> {
    const ip = to.podIp;
    if (ip === undefined || from.#pod() === undefined) return false;
    const host = ip.includes(':') ? `[${ip}]` : ip;
    const result = await this.#opts.api.exec(this.#opts.namespace, from.podName, containerNames.signal, [
      'sh',
      '-c',
      PROBE_SCRIPT,
      'chainlab-probe',
      `http://${host}:${this.#opts.apiPort}${this.#opts.healthPath}`,
    ]);
    return result.exitCode === 0;
  }

  /** A peer whose sidecar runs, to probe from and to. */
  #probePeer(action: string): K8sNode {
    const peer = this.#opts.isolation!.peers().find((p) => p !== this && p.#pod() !== undefined);
    if (peer === undefined) {
      throw new NodeControlError(
        this.name,
        action,
        'cannot prove it: no other node has a running pod to probe from',
      );
    }
    return peer;
  }

  /** Both directions between this node and `peer`: does each one's health endpoint answer the other? */
  async #probe(peer: K8sNode): Promise<{ there: boolean; back: boolean }> {
    const [there, back] = await Promise.all([this.#reaches(peer, this), this.#reaches(this, peer)]);
    return { there, back };
  }

  /**
   * Waits until `holds(probe)`; fails after the proof window with `explain(last probe)`.
   * Probes go between sidecars over the pod network, the path peers use.
   */
  async #proveWithin(
    action: 'disconnect' | 'connect',
    peer: K8sNode,
    holds: (p: { there: boolean; back: boolean }) => boolean,
    explain: (p: { there: boolean; back: boolean }, ms: number) => string,
  ): Promise<void> {
    const proofMs = this.#opts.isolation!.proofMs ?? DEFAULT_ISOLATION_PROOF_MS;
    const deadline = this.#clock.monotonic() + proofMs;
    for (;;) {
      const probe = await this.#probe(peer);
      if (holds(probe)) return;
      if (this.#clock.monotonic() > deadline)
        throw new NodeControlError(this.name, action, explain(probe, proofMs));
      await this.#clock.sleep(250);
    }
  }

  /**
   * Isolates the node with a deny-all NetworkPolicy and proves it: probes between its
   * sidecar and a peer's fail both ways. The API stays reachable through port-forwarding.
   */
  async disconnect(): Promise<void> {
    this.#require('disconnect', 'running', 'paused', 'stopped', 'exited');
    if (!this.#connected) return;
    const isolation = this.#opts.isolation;
    if (isolation === undefined)
      throw new NodeControlError(this.name, 'disconnect', 'NetworkPolicy is not enforced here');
    const peer = this.#probePeer('disconnect');
    // A probe that fails for another reason (no wget in the sidecar image, the node not
    // serving) would "prove" any isolation: it must pass before the policy exists.
    await this.#proveWithin(
      'disconnect',
      peer,
      (p) => p.there || p.back,
      (_, ms) =>
        `cannot prove a disconnect: before any policy, probes between ${peer.name} and ${this.name} failed both ways for ${ms} ms (does the signal image have timeout and wget?)`,
    );
    const { api, namespace } = this.#opts;
    try {
      await api.networking.createNamespacedNetworkPolicy({
        namespace,
        body: isolation.policy,
        fieldValidation: 'Strict',
      });
    } catch (error) {
      if (!isApiStatus(error, 409)) {
        throw new NodeControlError(this.name, 'disconnect', describeApiError(error), { cause: error });
      }
    }
    this.#connected = false;
    try {
      await this.#proveWithin(
        'disconnect',
        peer,
        (p) => !p.there && !p.back,
        (p, ms) =>
          `NetworkPolicy applied but ${p.there ? `${peer.name} still reaches ${this.name}` : `${this.name} still reaches ${peer.name}`} after ${ms} ms: this cluster's network plugin does not enforce NetworkPolicy (set k8s.enforcesNetworkPolicy to false)`,
      );
    } catch (error) {
      // an isolation that does not hold must not linger and surprise later steps
      await this.#removePolicy('disconnect').catch(() => {});
      this.#connected = true;
      throw error;
    }
  }

  async #removePolicy(action: string): Promise<void> {
    const { api, namespace } = this.#opts;
    const name = this.#opts.isolation!.policy.metadata!.name!;
    try {
      await api.networking.deleteNamespacedNetworkPolicy({ name, namespace });
    } catch (error) {
      if (!isApiStatus(error, 404)) {
        throw new NodeControlError(this.name, action, describeApiError(error), { cause: error });
      }
    }
  }

  /** Removes the node's NetworkPolicy and proves the node is reachable again (when it runs). */
  async connect(): Promise<void> {
    this.#require('connect', 'running', 'paused', 'stopped', 'exited');
    if (this.#connected) return;
    await this.#removePolicy('connect');
    this.#connected = true;
    if (this.#state !== 'running') return;
    const peer = this.#probePeer('connect');
    await this.#proveWithin(
      'connect',
      peer,
      (p) => p.there && p.back,
      (_, ms) =>
        `NetworkPolicy removed but ${peer.name} and ${this.name} still cannot reach each other after ${ms} ms`,
    );
  }

  /**
   * Stops watching and closes the API access and log file; the pod goes with its
   * namespace. Idempotent.
   */
  remove(): Promise<void> {
    this.#removed ??= (async () => {
      this.#expectingExit = true;
      this.#watching?.[Symbol.dispose]();
      if (this.#opts.access.mode === 'port-forward') await this.#opts.access.forwarder.close();
      await this.#opts.logs.close();
      this.#state = 'stopped';
    })();
    return this.#removed;
  }
}
