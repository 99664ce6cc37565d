/**
 * A node handle of a started cluster: a deployed node plus its API client, with every
 * control action recorded as a fault window in the cluster's recording (opened when the
 * action starts, closed when the node serves again) and confirmed from outside (see
 * confirm.ts): a fault whose effect does not show fails loudly.
 */
import { z } from 'zod';
import type { ChainClient, NodeRole, P2pEndpoint } from '../adapter/types.ts';
import type { DeployedNode, NodeControl, NodeState } from '../deployers/deployer.ts';
import type { Recording } from '../observe/recording.ts';
import type { Clock } from '../support/clock.ts';
import { CapabilityError, NodeControlError } from '../support/errors.ts';
import type { Rng } from '../support/rng.ts';
import { parseOptions } from '../support/validate.ts';
import {
  type ClockOffset,
  type ClockSetting,
  clockJitterAllowed,
  clockJitterSchema,
  clockOffsetAllowed,
  clockOffsetSchema,
  DEFAULT_JITTER_EVERY_MS,
  jitterEveryAllowed,
  jitterEverySchema,
} from './clock-offset.ts';
import {
  type ClockExpectation,
  type ConfirmTarget,
  confirmClock,
  confirmDown,
  confirmPaused,
  confirmServing,
} from './confirm.ts';
import { NodeClock } from './node-clock.ts';
import type { NodeClockOptions, StartedNode } from './types.ts';

/** What a node handle needs from its cluster. */
export interface NodeHandleContext {
  deployer: string;
  /** The chain's expected block interval (ms), for confirming a pause. */
  blockMs: number;
  capabilities: ReadonlySet<NodeControl>;
  recording: () => Recording | undefined;
  makeClient: (url: string) => ChainClient;
  startTimeoutMs: number;
  log: (line: string) => void;
  /** Clock skew: the node was launched skewable with this setting and first offset (cluster option `clockSkew`). */
  launchClock?: { setting: ClockSetting; appliedMs: number } | undefined;
  /** What a skewed clock is checked against (adapter name, facet `slots`). */
  clockExpectation: Omit<ClockExpectation, 'offsetMs'>;
  /** This node's jitter stream. */
  clockRng: Rng;
  clock: Clock;
}

const setClockSchema = z.strictObject({
  offset: clockOffsetSchema,
  jitter: clockJitterSchema.default(0),
  jitterEvery: jitterEverySchema.default(DEFAULT_JITTER_EVERY_MS),
});

export class ClusterNode implements StartedNode {
  readonly name: string;
  readonly role: NodeRole;
  readonly #deployed: DeployedNode;
  readonly #ctx: NodeHandleContext;
  #client: ChainClient;
  #clientUrl: string;
  #window: { end(): void } | undefined;
  /** Serialises control actions on one node (a restart must not interleave with a kill). */
  #queue: Promise<unknown> = Promise.resolve();
  /** The skewable clock (nodes launched with the cluster option `clockSkew`). */
  readonly #clock: NodeClock | undefined;

  constructor(role: NodeRole, deployed: DeployedNode, ctx: NodeHandleContext) {
    this.name = deployed.name;
    this.role = role;
    this.#deployed = deployed;
    this.#ctx = ctx;
    this.#clientUrl = deployed.apiUrl;
    this.#client = ctx.makeClient(deployed.apiUrl);
    const write = deployed.setClockOffset?.bind(deployed);
    if (ctx.launchClock !== undefined && write !== undefined) {
      this.#clock = new NodeClock(
        {
          name: this.name,
          write,
          confirm: (offsetMs) => confirmClock(this.#target(), { ...ctx.clockExpectation, offsetMs }),
          serial: (fn) => this.#serial(fn),
          state: () => this.#deployed.state,
          recording: ctx.recording,
          rng: ctx.clockRng,
          clock: ctx.clock,
          log: ctx.log,
        },
        ctx.launchClock.setting,
        ctx.launchClock.appliedMs,
      );
    }
    deployed.onUnexpectedExit((info) => {
      const how = info.signal ? `killed by ${info.signal}` : `exited with code ${info.exitCode}`;
      ctx.log(`${this.name} ${how} unexpectedly`);
      ctx.recording()?.nodeEvent(this.name, 'crashed', how);
    });
  }

  get apiUrl(): string {
    return this.#deployed.apiUrl;
  }

  /** The deployer's node (removing a node for good goes through its deployer). */
  get deployed(): DeployedNode {
    return this.#deployed;
  }

  get client(): ChainClient {
    return this.#client;
  }

  get logFile(): string | undefined {
    return this.#deployed.logFile;
  }

  get p2pEndpoint(): P2pEndpoint | undefined {
    return this.#deployed.p2pEndpoint;
  }

  get state(): NodeState {
    return this.#deployed.state;
  }

  logTail(lines?: number): Promise<string> {
    return this.#deployed.logTail(lines);
  }

  get clockSetting(): ClockSetting | undefined {
    return this.#clock?.setting;
  }

  get clockOffsetMs(): number | undefined {
    return this.#clock?.appliedMs;
  }

  /** The first jitter draw that failed (the jitter stopped then), if any. */
  get clockFailure(): unknown {
    return this.#clock?.failure;
  }

  /**
   * Sets this node's clock offset (and jitter) at run time; resolves once the node's clock
   * and slot were seen to read it. Records a `clock-skew` window per applied offset.
   */
  setClockOffset(offset: ClockOffset, opts: NodeClockOptions = {}): Promise<void> {
    let parsed: z.output<typeof setClockSchema>;
    try {
      parsed = parseOptions(setClockSchema, { ...opts, offset }, `setClockOffset(${this.name})`, {
        offset: clockOffsetAllowed,
        jitter: clockJitterAllowed,
        jitterEvery: jitterEveryAllowed,
        '*': 'one of jitter, jitterEvery',
      });
    } catch (error) {
      return Promise.reject(error);
    }
    const refusal = this.#refusal('clock-skew') ?? this.#clockRefusal();
    if (refusal) return Promise.reject(refusal);
    const setting = { offsetMs: parsed.offset, jitterMs: parsed.jitter, everyMs: parsed.jitterEvery };
    return this.#wrap('clock-skew', () => this.#clock!.set(setting));
  }

  /** Nodes launched without a skewable clock cannot have one at run time. */
  #clockRefusal(): CapabilityError | undefined {
    if (this.#clock !== undefined) return undefined;
    return new CapabilityError(
      'clock-skew',
      this.#ctx.deployer,
      `${this.name} was started with its clock untouched: start the cluster with the \`clockSkew\` option (\`clockSkew: {}\` for unskewed clocks that may change later)`,
    );
  }

  /** Records (and, skewed, confirms) the launch clock once the recording exists (cluster start). */
  async beginClock(): Promise<void> {
    await this.#clock?.begin();
  }

  /** Throws `CapabilityError` at once when the deployer cannot do `control`. */
  require(control: NodeControl): void {
    const refusal = this.#refusal(control);
    if (refusal) throw refusal;
  }

  #refusal(control: NodeControl): CapabilityError | undefined {
    if (!this.#ctx.capabilities.has(control)) {
      return new CapabilityError(
        control,
        this.#ctx.deployer,
        this.#ctx.deployer === 'attach'
          ? 'attached nodes are observed only; use the local or docker deployer for node control'
          : undefined,
      );
    }
    return undefined;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => {});
    return next;
  }

  #openWindow(kind: string): void {
    if (this.#window) return;
    this.#window = this.#ctx.recording()?.openFault(kind, [this.name], `${kind}(${this.name})`);
  }

  #closeWindow(): void {
    this.#window?.end();
    this.#window = undefined;
  }

  #refreshClient(): void {
    if (this.#deployed.apiUrl === this.#clientUrl) return;
    const old = this.#client;
    this.#clientUrl = this.#deployed.apiUrl;
    this.#client = this.#ctx.makeClient(this.#clientUrl);
    void old.close();
  }

  #target(): ConfirmTarget {
    return {
      name: this.name,
      apiUrl: this.#deployed.apiUrl,
      client: this.#client,
      recording: this.#ctx.recording(),
      blockMs: this.#ctx.blockMs,
    };
  }

  async #wrap(action: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (error) {
      if (CapabilityError.is(error) || NodeControlError.is(error)) throw error;
      throw new NodeControlError(this.name, action, (error as Error).message, { cause: error });
    }
  }

  stop(): Promise<void> {
    const refusal = this.#refusal('stop');
    // Refused before any effect, as a rejected promise so `await` and `.rejects` both see it.
    if (refusal) return Promise.reject(refusal);
    return this.#serial(() =>
      this.#wrap('stop', async () => {
        this.#openWindow('stop');
        this.#ctx.recording()?.nodeEvent(this.name, 'stopped');
        await this.#deployed.stop();
        await confirmDown(this.#target(), 'stop');
      }),
    );
  }

  kill(): Promise<void> {
    const refusal = this.#refusal('kill');
    if (refusal) return Promise.reject(refusal);
    return this.#serial(() =>
      this.#wrap('kill', async () => {
        this.#openWindow('kill');
        this.#ctx.recording()?.nodeEvent(this.name, 'killed');
        await this.#deployed.kill();
        await confirmDown(this.#target(), 'kill');
      }),
    );
  }

  async #startNow(action: 'start' | 'restart'): Promise<void> {
    await this.#deployed.start({ timeoutMs: this.#ctx.startTimeoutMs });
    this.#refreshClient();
    await confirmServing(this.#target(), action);
    await this.#clock?.reconfirm();
    this.#ctx.recording()?.nodeEvent(this.name, 'started');
    this.#closeWindow();
  }

  start(): Promise<void> {
    const refusal = this.#refusal('start');
    if (refusal) return Promise.reject(refusal);
    return this.#serial(() => this.#wrap('start', () => this.#startNow('start')));
  }

  restart(): Promise<void> {
    const refusal = this.#refusal('restart');
    if (refusal) return Promise.reject(refusal);
    return this.#serial(() =>
      this.#wrap('restart', async () => {
        this.#openWindow('restart');
        this.#ctx.recording()?.nodeEvent(this.name, 'restarting');
        await this.#deployed.stop();
        await confirmDown(this.#target(), 'stop');
        await this.#startNow('restart');
      }),
    );
  }

  pause(): Promise<void> {
    const refusal = this.#refusal('pause');
    if (refusal) return Promise.reject(refusal);
    return this.#serial(() =>
      this.#wrap('pause', async () => {
        await this.#deployed.pause();
        this.#openWindow('pause');
        this.#ctx.recording()?.nodeEvent(this.name, 'paused');
        await confirmPaused(this.#target());
      }),
    );
  }

  resume(): Promise<void> {
    const refusal = this.#refusal('resume');
    if (refusal) return Promise.reject(refusal);
    return this.#serial(() =>
      this.#wrap('resume', async () => {
        await this.#deployed.resume();
        await confirmServing(this.#target(), 'resume');
        await this.#clock?.reconfirm();
        this.#ctx.recording()?.nodeEvent(this.name, 'resumed');
        this.#closeWindow();
      }),
    );
  }

  /** Takes the node off the cluster network; records a `disconnect` window until `connect`. */
  disconnect(): Promise<void> {
    return this.#network('disconnect', async (node) => {
      await node.disconnect();
      this.#openWindow('disconnect');
      this.#ctx.recording()?.nodeEvent(this.name, 'disconnected');
    });
  }

  /** Puts a disconnected node back on the cluster network. */
  connect(): Promise<void> {
    return this.#network('connect', async (node) => {
      await node.connect();
      this.#ctx.recording()?.nodeEvent(this.name, 'connected');
      this.#closeWindow();
    });
  }

  /** Both network actions need the `disconnect` capability and a deployer that implements it. */
  #network(
    action: 'disconnect' | 'connect',
    fn: (node: Required<Pick<DeployedNode, 'disconnect' | 'connect'>>) => Promise<void>,
  ): Promise<void> {
    const node = this.#deployed;
    const refusal =
      this.#refusal('disconnect') ??
      (node.disconnect && node.connect ? undefined : new CapabilityError('disconnect', this.#ctx.deployer));
    if (refusal) return Promise.reject(refusal);
    const network = { disconnect: () => node.disconnect!(), connect: () => node.connect!() };
    return this.#serial(() => this.#wrap(action, () => fn(network)));
  }

  /** Closes the client (cluster dispose). */
  async close(): Promise<void> {
    this.#clock?.close();
    this.#closeWindow();
    await this.#client.close();
  }
}
