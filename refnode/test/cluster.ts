/**
 * Test helper: writes a genesis set and spawns refnode processes from it, always killing them.
 * They belong to chainlab's run, as a cluster's nodes do: dispose stops them and removes the
 * dir; a signal or exit of the test process stops them (cleanup registry); a test process
 * killed outright leaves them to the orphan guard and the run's reaper, and anything left
 * after that to the next run's sweeper.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { refnodeEntry } from '../../src/adapter/refnode/entry.ts';
import { runRegistry } from '../../src/cluster/cleanup/registry.ts';
import { acquireRun } from '../../src/cluster/cleanup/run.ts';
import { type PortReservation, reservePortBlock } from '../../src/deployers/local/free-port.ts';
import { orphanGuardScript, runProcessEnv } from '../../src/deployers/local/node-process.ts';
import { createTxSigner, type SignedTx } from '../src/codec.ts';

/**
 * The file the tests run refnode from: the build's bundle when it is current (it boots in a
 * fraction of the time, as ~450 modules load as one), else `refnode/main.ts`, so an edited
 * refnode is tested from its sources until the next `npm run build`.
 */
export const refnodeMain = refnodeEntry();
const execFileAsync = promisify(execFile);
const readyTimeoutMs = 30_000;

export interface GenesisOptions {
  validators: number;
  /** Validators staked at genesis that start later (`genesis --standby`). */
  standby?: number;
  executors?: number;
  wallets?: number;
  slotMs?: number;
  activeSlotCoeff?: number;
  securityParam?: number;
  seed?: string;
  genesisTime?: number;
}

export interface Wallet {
  index: number;
  address: string;
  secretKey: string;
  balance: number;
}

/** The run a genesis set belongs to (chainlab's, shared by everything this process starts). */
type HeldRun = Awaited<ReturnType<typeof acquireRun>>;

/**
 * Runs `refnode genesis` into a fresh dir inside this process's run dir (`REFNODE_KEEP=1`: in
 * the system temp dir instead, kept after the test for reading).
 */
export async function writeGenesis(options: GenesisOptions): Promise<GenesisSet> {
  const run = await acquireRun();
  const dir = mkdtempSync(join(process.env.REFNODE_KEEP ? tmpdir() : run.dir, 'refnode-test-'));
  // Ports from below the ephemeral range, reserved machine-wide until dispose, as chainlab's
  // local deployer takes them: genesis's own free ports come from that range, where any
  // outgoing connection on the machine (another cluster's dials) may take one before its node binds it.
  const nodes = options.validators + (options.executors ?? 0) + (options.standby ?? 0);
  // One cleanup for every failure below: the dir, the ports if reserved, the run.
  let ports: PortReservation | undefined;
  try {
    ports = await reservePortBlock(2 * nodes);
    const args = [
      refnodeMain,
      'genesis',
      '--validators',
      String(options.validators),
      '--executors',
      String(options.executors ?? 0),
      '--wallets',
      String(options.wallets ?? 10),
      '--slot-ms',
      String(options.slotMs ?? 200),
      '--active-slot-coeff',
      String(options.activeSlotCoeff ?? 0.5),
      '--security-param',
      String(options.securityParam ?? 5),
      '--seed',
      options.seed ?? 'test',
      '--out',
      dir,
      '--base-port',
      String(ports.ports[0]),
    ];
    if (options.genesisTime !== undefined) args.push('--genesis-time', String(options.genesisTime));
    if (options.standby !== undefined) args.push('--standby', String(options.standby));
    await execFileAsync(process.execPath, args);
    return new GenesisSet(dir, run, ports);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    ports?.release();
    await run.release();
    throw error;
  }
}

/** A genesis directory and the nodes started from it. */
export class GenesisSet implements AsyncDisposable {
  readonly dir: string;
  readonly genesis: {
    chainId: string;
    slotMs: number;
    securityParam: number;
    totalSupply: number;
    minFee: number;
    genesisTime: number;
  };
  readonly wallets: Wallet[];
  readonly chainId: string;
  readonly nodes: RunningNode[] = [];
  readonly #run: HeldRun;
  readonly #ports: PortReservation;

  constructor(dir: string, run: HeldRun, ports: PortReservation) {
    this.dir = dir;
    this.#run = run;
    this.#ports = ports;
    this.genesis = JSON.parse(readFileSync(join(dir, 'genesis.json'), 'utf8'));
    const wallets = JSON.parse(readFileSync(join(dir, 'wallets.json'), 'utf8'));
    this.wallets = wallets.wallets;
    this.chainId = wallets.chainId;
  }

  configPath(index: number): string {
    return join(this.dir, `node-${index}.json`);
  }

  config(index: number): {
    nodeId: string;
    peerId: string;
    p2p: { peers: string[]; port: number };
    api: { port: number };
  } {
    return JSON.parse(readFileSync(this.configPath(index), 'utf8'));
  }

  /** The book entry that reaches node `index` directly at its configured p2p port. */
  directEntry(index: number, options: { bootstrap?: boolean } = {}): BookEntry {
    const config = this.config(index);
    return {
      peerId: config.peerId,
      addrs: [`/ip4/127.0.0.1/tcp/${config.p2p.port}`],
      name: config.nodeId,
      ...(options.bootstrap === undefined ? {} : { bootstrap: options.bootstrap }),
    };
  }

  /** Path of a peers file in the genesis dir (written with {@link writeBook}). */
  bookPath(name: string): string {
    return join(this.dir, `peers-${name}.json`);
  }

  /** Starts node `index` with extra `run` flags (and environment) and waits for its ready line. */
  async start(
    index: number,
    extraArgs: string[] = [],
    env: Record<string, string> = {},
  ): Promise<RunningNode> {
    return this.spawn(this.configPath(index), `node-${index}`, extraArgs, env);
  }

  /** Starts a node from any config file; it is tracked (and killed on dispose) from the moment it spawns. */
  async spawn(
    config: string,
    logName: string,
    extraArgs: string[] = [],
    env: Record<string, string> = {},
  ): Promise<RunningNode> {
    const node = RunningNode.spawn(config, join(this.dir, `${logName}.log`), extraArgs, env, this.#run.id);
    this.nodes.push(node);
    await node.whenReady;
    return node;
  }

  /** A signed transfer between wallets. */
  tx(
    from: number,
    to: number,
    options: { amount?: number; fee?: number; nonce?: number; chainId?: string } = {},
  ): SignedTx {
    const sender = this.wallets[from]!;
    return createTxSigner(sender.secretKey)({
      chainId: options.chainId ?? this.chainId,
      from: sender.address,
      to: this.wallets[to]!.address,
      amount: options.amount ?? 1,
      fee: options.fee ?? 1,
      nonce: options.nonce ?? 0,
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    // SIGTERM first (a graceful stop is part of what we test), SIGKILL whatever hangs.
    await Promise.all(this.nodes.map((node) => node.stop(5000)));
    if (!process.env.REFNODE_KEEP) rmSync(this.dir, { recursive: true, force: true });
    this.#ports.release();
    await this.#run.release();
  }
}

/** One spawned `refnode run`. */
export class RunningNode {
  readonly child: ChildProcess;
  readonly logFile: string;
  ready!: { api: string; nodeId: string; peerId: string; p2p: string[] };
  whenReady!: Promise<RunningNode>;
  exited: Promise<number | null>;

  private constructor(child: ChildProcess, logFile: string) {
    this.child = child;
    this.logFile = logFile;
    this.exited = new Promise((ok) => child.once('exit', (code) => ok(code)));
  }

  /**
   * Spawns `refnode run` as a process of run `runId`; `whenReady` resolves on the ready line
   * (the process is killed if it never comes).
   */
  static spawn(
    config: string,
    logFile: string,
    extraArgs: string[],
    env: Record<string, string>,
    runId: string,
  ): RunningNode {
    // REFNODE_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the nodes.
    const nodeArgs = process.env.REFNODE_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const child = spawn(
      process.execPath,
      [...nodeArgs, '--import', orphanGuardScript, refnodeMain, 'run', '--config', config, ...extraArgs],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...env, ...runProcessEnv(runId) },
      },
    );
    const registration = runRegistry.add({
      label: `refnode ${config} (pid ${child.pid})`,
      dispose: () => node.stop(5000),
      disposeSync: () => void child.kill('SIGKILL'),
    });
    child.once('exit', () => registration[Symbol.dispose]());
    const log = createWriteStream(logFile, { flags: 'a' });
    child.stderr!.pipe(log);
    const node = new RunningNode(child, logFile);
    node.whenReady = new Promise((ok, fail) => {
      let out = '';
      // Generous: a cold start loads libp2p through type stripping, slow on a busy 2-core box.
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        fail(new Error(`node ${config} not ready in ${readyTimeoutMs} ms; log ${logFile}`));
      }, readyTimeoutMs);
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line && out.includes('\n')) {
          clearTimeout(timer);
          node.ready = JSON.parse(line);
          ok(node);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`node ${config} exited with ${code} before ready; log ${logFile}`));
      });
    });
    node.whenReady.catch(() => undefined);
    return node;
  }

  get api(): string {
    return this.ready.api;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    this.child.kill('SIGTERM');
    await this.exited;
    clearTimeout(timer);
  }

  /** Sends a signal and waits for exit. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill(signal);
    return this.exited;
  }

  async get<T = any>(path: string): Promise<{ status: number; body: T }> {
    const res = await fetch(this.api + path);
    return { status: res.status, body: (await res.json()) as T };
  }

  async post<T = any>(path: string, body: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(this.api + path, {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  /** The hash of this node's block at `height` on its best chain, if it has one there. */
  async blockHashAt(height: number): Promise<string | undefined> {
    return (await this.get(`/blocks?from=${height}&to=${height}`)).body.blocks[0]?.hash;
  }

  /** Sum of a Prometheus metric's samples whose labels include `labels` (0 when absent). */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const res = await fetch(`${this.api}/metrics`);
    if (!res.ok) throw new Error(`GET /metrics answered ${res.status}: ${await res.text()}`);
    const text = await res.text();
    let sum = 0;
    for (const line of text.split('\n')) {
      const match = /^([a-zA-Z0-9_:]+)(\{[^}]*\})? (\S+)$/.exec(line);
      if (match === null || match[1] !== name) continue;
      const labelText = match[2] ?? '';
      if (Object.entries(labels).every(([key, value]) => labelText.includes(`${key}="${value}"`)))
        sum += Number(match[3]);
    }
    return sum;
  }

  async info(): Promise<{
    height: number;
    finalizedHeight: number;
    finalizedTip: string;
    tip: string;
    peers: number;
    stateRoot: string;
    finalizedStateRoot: string;
    slot: number;
    publicKey: string;
    finalBlocksReverted: number;
    clock: {
      now: number;
      maxDriftMs: number;
      heldBlocks: number;
      holding: number;
      refusedFutureBlocks: number;
      acceptedBeyondDrift: number;
    };
    stake: { total: number; seen: number; quorum: boolean };
    bugs: string[];
  }> {
    return (await this.get('/info')).body;
  }
}

/** One entry of a peers file (see refnode/README.md, "Address book"). */
export interface BookEntry {
  peerId: string;
  addrs: string[];
  bootstrap?: boolean;
  name?: string;
}

/** Writes a peers file atomically (temp file + rename), as a launcher should. */
export function writeBook(file: string, peers: BookEntry[]): void {
  writeFileSync(`${file}.tmp`, JSON.stringify({ peers }));
  renameSync(`${file}.tmp`, file);
}

/** The TCP transport part of a node's p2p multiaddr: `/ip4/127.0.0.1/tcp/PORT`. */
export function transportAddr(node: RunningNode): string {
  return node.ready.p2p[0]!.replace(/\/p2p\/.*$/, '');
}

/** The TCP port of a node's p2p listen address. */
export function p2pPort(node: RunningNode): number {
  return Number(/\/tcp\/(\d+)/.exec(node.ready.p2p[0]!)![1]);
}

/**
 * Streams a node's `/events` and calls `onData` with the data of every frame of `event`,
 * until the node's connection drops. Resolves once the node took the subscription (events
 * from then on reach `onData`); a node that is gone by then streams nothing.
 */
export async function watchEvents<T>(
  node: RunningNode,
  event: string,
  onData: (data: T) => void,
): Promise<void> {
  const res = await fetch(`${node.api}/events`).catch(() => undefined);
  if (!res?.body) return;
  const header = `event: ${event}\n`;
  void (async () => {
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of res.body!) {
        buffered += decoder.decode(chunk, { stream: true });
        let end = buffered.indexOf('\n\n');
        while (end >= 0) {
          const frame = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          if (frame.startsWith(header)) onData(JSON.parse(frame.slice(frame.indexOf('data: ') + 6)) as T);
          end = buffered.indexOf('\n\n');
        }
      }
    } catch {
      // The node was killed mid-stream: what arrived before is what it reported.
    }
  })();
}

/**
 * Polls `check` until it returns a truthy value or `timeoutMs` passes. The timeout names the
 * error of the last check, if it threw (an error met earlier and gone since is not the reason).
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
      last = undefined;
    } catch (error) {
      last = error;
    }
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`,
  );
}
