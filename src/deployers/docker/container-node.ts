/**
 * One node run as a container: started through testcontainers (readiness by the node's
 * health endpoint, polled by `HealthWait`), then controlled through the runtime client
 * testcontainers exposes: stop/start keep the container and its data volume, kill is SIGKILL,
 * pause/resume use the cgroup freezer, disconnect/connect take the node off its cluster
 * network and back.
 * stdout and stderr of every run of the container are appended to one log file.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import type { ContainerRuntimeClient, StartedNetwork, StartedTestContainer } from 'testcontainers';
import type { P2pEndpoint } from '../../adapter/types.ts';
import { type Clock, systemClock } from '../../support/clock.ts';
import { ClusterStartError, NodeControlError } from '../../support/errors.ts';
import type { DeployedNode, ExitInfo, NodeState, StartOptions } from '../deployer.ts';
import { writeOffsetFile } from '../faketime.ts';
import { tailFile } from '../local/log-file.ts';
import { answersHealthy, HealthWait, HealthWaitError } from './health-wait.ts';
import type { NodeContainer } from './node-container.ts';

/** Default delay between SIGTERM and SIGKILL when stopping a container. */
export const DEFAULT_CONTAINER_STOP_GRACE_MS = 5000;

const LOG_TAIL_LINES = 25;

/** Everything a container node needs besides its container definition. */
export interface ContainerNodeOptions {
  name: string;
  client: ContainerRuntimeClient;
  network: StartedNetwork;
  /** Network alias other nodes dial. */
  alias: string;
  /** API base URL on the host (`http://127.0.0.1:<published port>`). */
  apiUrl: string;
  /** The p2p port as published on this machine (127.0.0.1). */
  p2pEndpoint?: P2pEndpoint;
  healthPath: string;
  logFile: string;
  stopGraceMs?: number;
  /**
   * Host path of the node's libfaketime offset file, in the host dir mounted read-only into
   * the container (a rename on the host is atomic for the reader inside): the node runs with
   * a skewable wall clock (`setClockOffset`).
   */
  clockOffsetFile?: string;
  clock?: Clock;
  log?: (line: string) => void;
}

function exitInfo(exitCode: number | null | undefined): ExitInfo {
  // 128 + n is how a container reports death by signal n (137 = SIGKILL, 143 = SIGTERM).
  const signals: Record<number, string> = { 137: 'SIGKILL', 143: 'SIGTERM', 130: 'SIGINT' };
  const code = exitCode ?? null;
  return { exitCode: code, signal: code === null ? null : (signals[code] ?? null) };
}

function isStatus(error: unknown, ...codes: number[]): boolean {
  return codes.includes((error as { statusCode?: number }).statusCode ?? -1);
}

/** A node container; create with {@link ContainerNode.start}. */
export class ContainerNode implements DeployedNode {
  readonly name: string;
  readonly logFile: string;
  readonly apiUrl: string;
  readonly p2pEndpoint: P2pEndpoint | undefined;
  /** Sets the node's wall-clock offset (nodes started with `clockOffsetFile` only). */
  readonly setClockOffset: ((offsetMs: number) => Promise<void>) | undefined;
  readonly #opts: ContainerNodeOptions;
  readonly #clock: Clock;
  #container: Dockerode.Container | undefined;
  #started: StartedTestContainer | undefined;
  #state: NodeState = 'stopped';
  #connected = true;
  #lastExit: ExitInfo | undefined;
  #expectingExit = false;
  #unexpected = new Set<(info: ExitInfo) => void>();
  #log: WriteStream;
  #logStream: Readable | undefined;
  #events: Readable | undefined;
  #removed: Promise<void> | undefined;

  private constructor(opts: ContainerNodeOptions) {
    this.name = opts.name;
    this.logFile = opts.logFile;
    this.apiUrl = opts.apiUrl;
    this.p2pEndpoint = opts.p2pEndpoint;
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#log = createWriteStream(opts.logFile, { flags: 'a' });
    // Written on the host, read through the bind mount: no shell or exec in the container,
    // and it works whether the container runs, is paused or is stopped.
    const file = opts.clockOffsetFile;
    this.setClockOffset = file === undefined ? undefined : (offsetMs) => writeOffsetFile(file, offsetMs);
  }

  /**
   * Creates and starts the container and resolves once its health endpoint answers 200.
   * On failure testcontainers removes the container; the error carries the log tail.
   */
  static async start(definition: NodeContainer, opts: ContainerNodeOptions, startOpts: StartOptions) {
    const node = new ContainerNode(opts);
    const startedAt = node.#clock.monotonic();
    opts.log?.(`starting ${opts.name} (container)`);
    try {
      node.#started = await definition
        .withLogConsumer((stream) => node.#pipeLogs(stream))
        .withWaitStrategy(new HealthWait(`${opts.apiUrl}${opts.healthPath}`, node.#clock, startOpts.signal))
        .withStartupTimeout(startOpts.timeoutMs)
        .start();
    } catch (error) {
      if (startOpts.signal?.aborted && error === startOpts.signal.reason) {
        // The start was called off (another node failed): that failure is the story, not this.
        await node.#closeLog();
        throw error;
      }
      const message = error instanceof Error ? error.message : String(error);
      const waited = error instanceof HealthWaitError ? error.reason : undefined;
      const timedOut = waited === 'timeout';
      const exitCode = error instanceof HealthWaitError ? error.exitCode : undefined;
      await node.#closeLog();
      throw new ClusterStartError(
        waited === 'exited'
          ? `node ${opts.name} exited${exitCode === undefined ? '' : ` with code ${exitCode}`} before it was ready`
          : timedOut
            ? `node ${opts.name} was not ready within ${startOpts.timeoutMs} ms`
            : `node ${opts.name} could not be started: ${message}`,
        {
          node: opts.name,
          timedOut,
          exitCode,
          durationMs: Math.round(node.#clock.monotonic() - startedAt),
          logFile: opts.logFile,
          logTail: await tailFile(opts.logFile, LOG_TAIL_LINES),
          cause: error,
        },
      );
    }
    node.#container = opts.client.container.getById(node.#started.getId());
    node.#state = 'running';
    await node.#watchExits();
    opts.log?.(
      `${opts.name} serving at ${opts.apiUrl} in ${Math.round(node.#clock.monotonic() - startedAt)} ms`,
    );
    return node;
  }

  /** Container id. */
  get id(): string {
    return this.#started?.getId() ?? '';
  }

  get state(): NodeState {
    return this.#state;
  }

  /** Containers have no pid on this machine's process table that chainlab controls. */
  get pid(): number | undefined {
    return undefined;
  }

  /** False while the node is disconnected from its cluster network. */
  get connected(): boolean {
    return this.#connected;
  }

  onUnexpectedExit(listener: (info: ExitInfo) => void): Disposable {
    this.#unexpected.add(listener);
    return { [Symbol.dispose]: () => void this.#unexpected.delete(listener) };
  }

  logTail(lines = LOG_TAIL_LINES): Promise<string> {
    return tailFile(this.logFile, lines);
  }

  #pipeLogs(stream: Readable): void {
    this.#logStream = stream;
    stream.on('data', (chunk: string | Buffer) => this.#log.write(chunk));
    stream.on('error', () => {});
  }

  async #closeLog(): Promise<void> {
    this.#logStream?.destroy();
    await new Promise<void>((resolve) => this.#log.end(resolve));
  }

  /** Docker `die` events tell a crash (not asked for) from our own stop/kill. */
  async #watchExits(): Promise<void> {
    const events = await this.#opts.client.container.events(this.#container!, ['die']);
    this.#events = events;
    // a watcher must not keep the test process alive
    (events as Readable & { socket?: { unref(): void } }).socket?.unref();
    let buffered = '';
    events.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        try {
          const event = JSON.parse(line) as { Actor?: { Attributes?: { exitCode?: string } } };
          void this.#onDie(exitInfo(Number(event.Actor?.Attributes?.exitCode ?? 0)));
        } catch {
          // a partial or foreign line
        }
      }
    });
    events.on('error', () => {});
  }

  async #onDie(info: ExitInfo): Promise<void> {
    if (this.#expectingExit || this.#container === undefined) return;
    // Events arrive late: a `die` of our own stop may land after the next start.
    const state = await this.#container.inspect().then(
      (i) => i.State,
      () => undefined,
    );
    if (state === undefined || state.Running || this.#expectingExit) return;
    this.#lastExit = info;
    this.#state = 'exited';
    for (const listener of this.#unexpected) listener(info);
  }

  #require(action: string, ...states: NodeState[]): Dockerode.Container {
    if (this.#removed !== undefined || this.#container === undefined) {
      throw new NodeControlError(this.name, action, 'container was removed');
    }
    if (!states.includes(this.#state)) {
      throw new NodeControlError(
        this.name,
        action,
        `node is ${this.#state}, expected ${states.join(' or ')}`,
      );
    }
    return this.#container;
  }

  async #exitCode(container: Dockerode.Container): Promise<ExitInfo> {
    const info = await container.inspect();
    return exitInfo(info.State.ExitCode);
  }

  async stop(opts: { graceMs?: number } = {}): Promise<ExitInfo | undefined> {
    if (this.#state === 'stopped' || this.#state === 'exited' || this.#container === undefined) {
      this.#state = this.#state === 'exited' ? 'exited' : 'stopped';
      return this.#lastExit;
    }
    const container = this.#container;
    const graceMs = opts.graceMs ?? this.#opts.stopGraceMs ?? DEFAULT_CONTAINER_STOP_GRACE_MS;
    this.#expectingExit = true;
    this.#opts.log?.(`stopping ${this.name}`);
    // A frozen process cannot handle SIGTERM; thaw it first so the stop is graceful.
    if (this.#state === 'paused') await container.unpause().catch(() => {});
    try {
      // The engine sends SIGTERM, then SIGKILL after t seconds.
      await container.stop({ t: Math.ceil(graceMs / 1000) });
    } catch (error) {
      if (!isStatus(error, 304))
        throw new NodeControlError(this.name, 'stop', String(error), { cause: error });
    }
    this.#lastExit = await this.#exitCode(container);
    this.#state = 'stopped';
    return this.#lastExit;
  }

  async kill(): Promise<ExitInfo | undefined> {
    if (this.#state === 'stopped' || this.#state === 'exited' || this.#container === undefined) {
      return this.#lastExit;
    }
    const container = this.#container;
    this.#expectingExit = true;
    this.#opts.log?.(`killing ${this.name} (SIGKILL)`);
    try {
      await container.kill({ signal: 'SIGKILL' });
    } catch (error) {
      if (!isStatus(error, 409))
        throw new NodeControlError(this.name, 'kill', String(error), { cause: error });
    }
    await container.wait({ condition: 'not-running' });
    this.#lastExit = await this.#exitCode(container);
    this.#state = 'stopped';
    return this.#lastExit;
  }

  async start(startOpts: StartOptions): Promise<void> {
    if (this.#state === 'running' || this.#state === 'paused') return;
    const container = this.#require('start', 'stopped', 'exited');
    const startedAt = this.#clock.monotonic();
    this.#opts.log?.(`starting ${this.name} again (same container and data volume)`);
    // Logs of this run only: the earlier runs are already in the file. The engine reads
    // `sec.nanos` (a fraction like `.5` would mean 5 ns).
    const nowMs = this.#clock.now();
    const since = `${Math.floor(nowMs / 1000)}.${String(Math.round((nowMs % 1000) * 1e6)).padStart(9, '0')}`;
    this.#expectingExit = false;
    await container.start();
    this.#state = 'running';
    this.#pipeLogs(await this.#opts.client.container.logs(container, { since: since as unknown as number }));
    await this.#waitHealthy(startOpts, startedAt);
    this.#opts.log?.(`${this.name} serving again in ${Math.round(this.#clock.monotonic() - startedAt)} ms`);
  }

  async #waitHealthy(startOpts: StartOptions, startedAt: number): Promise<void> {
    const url = `${this.apiUrl}${this.#opts.healthPath}`;
    const fail = async (short: string, timedOut: boolean, exit?: ExitInfo) =>
      new ClusterStartError(short, {
        node: this.name,
        timedOut,
        exitCode: exit?.exitCode,
        signal: exit?.signal,
        durationMs: Math.round(this.#clock.monotonic() - startedAt),
        logFile: this.logFile,
        logTail: await this.logTail(),
      });
    for (;;) {
      startOpts.signal?.throwIfAborted();
      if (await answersHealthy(url)) return;
      if (this.#state === 'exited') {
        throw await fail(`node ${this.name} exited before it was ready`, false, this.#lastExit);
      }
      if (this.#clock.monotonic() - startedAt > startOpts.timeoutMs) {
        throw await fail(`node ${this.name} was not ready within ${startOpts.timeoutMs} ms`, true);
      }
      await this.#clock.sleep(100, startOpts.signal);
    }
  }

  async pause(): Promise<void> {
    const container = this.#require('pause', 'running');
    await container.pause();
    this.#state = 'paused';
  }

  async resume(): Promise<void> {
    const container = this.#require('resume', 'paused');
    await container.unpause();
    this.#state = 'running';
  }

  /**
   * Takes the node off its cluster network: no peer reaches it and, since its API is
   * published through that network, neither does the host until {@link connect}.
   */
  async disconnect(): Promise<void> {
    const container = this.#require('disconnect', 'running', 'paused', 'stopped', 'exited');
    if (!this.#connected) return;
    const network = this.#opts.client.network.getById(this.#opts.network.getId());
    await network.disconnect({ Container: container.id, Force: true });
    this.#connected = false;
    await this.#confirmNetwork('disconnect', false);
  }

  /** Puts the node back on its cluster network under its alias. */
  async connect(): Promise<void> {
    const container = this.#require('connect', 'running', 'paused', 'stopped', 'exited');
    if (this.#connected) return;
    const network = this.#opts.client.network.getById(this.#opts.network.getId());
    await this.#opts.client.container.connectToNetwork(container, network, [this.#opts.alias]);
    this.#connected = true;
    await this.#confirmNetwork('connect', true);
  }

  /** Docker must report the container on (or off) the cluster network, or the fault did not happen. */
  async #confirmNetwork(action: 'disconnect' | 'connect', attached: boolean): Promise<void> {
    const container = this.#container;
    if (container === undefined) return;
    const id = this.#opts.network.getId();
    const info = await this.#opts.client.container.inspect(container);
    const on = Object.values(info.NetworkSettings?.Networks ?? {}).some((n) => n?.NetworkID === id);
    if (on !== attached) {
      throw new NodeControlError(
        this.name,
        action,
        `the ${action} could not be confirmed: docker reports the container ${on ? 'still on' : 'not on'} network ${id.slice(0, 12)}`,
      );
    }
  }

  /**
   * Copies `content` to `path` in the container (running or stopped), readable by the node's
   * user. The engine writes it in place, so a reader polling the file may see it half
   * written once; callers confirm the change took effect.
   */
  async writeFile(path: string, content: string): Promise<void> {
    if (this.#started === undefined || this.#removed !== undefined)
      throw new NodeControlError(this.name, 'write file', 'container was removed');
    await this.#started.copyContentToContainer([{ content, target: path, mode: 0o644 }]);
  }

  /** Removes the container (its data volume stays for the deployer to remove). Idempotent. */
  remove(): Promise<void> {
    this.#removed ??= (async () => {
      this.#expectingExit = true;
      this.#events?.destroy();
      const container = this.#container;
      if (container !== undefined) {
        if (this.#state === 'running' || this.#state === 'paused') {
          await this.stop().catch(() => {});
        }
        await container.remove({ force: true }).catch((error: unknown) => {
          if (!isStatus(error, 404, 409)) throw error;
        });
      }
      this.#state = 'stopped';
      await this.#closeLog();
    })();
    return this.#removed;
  }
}
