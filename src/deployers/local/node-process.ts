/**
 * One node run as a local process. stderr goes straight to the node's log file (so logs
 * survive us and cost no copying); stdout is read for the ready line and also appended to
 * the log. Control is by signals: SIGTERM then SIGKILL after a grace delay, SIGSTOP/SIGCONT
 * for pause/resume.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { P2pEndpoint, ProcessLaunch, ReadinessSpec } from '../../adapter/types.ts';
import type { CleanupRegistry } from '../../cluster/cleanup/registry.ts';
import { RUN_ENV } from '../../cluster/cleanup/run.ts';
import { type Clock, systemClock } from '../../support/clock.ts';
import { ClusterStartError, NodeControlError } from '../../support/errors.ts';
import type { DeployedNode, ExitInfo, NodeState, StartOptions } from '../deployer.ts';
import { faketimeEnv, writeOffsetFile } from '../faketime.ts';
import { tailFile } from './log-file.ts';

/** How long a pause or resume may take to show in every process of the group. */
const CONFIRM_MS = 2000;

/** Sends `sig` to the process group led by `pid`; false when there is none. */
function signalGroup(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** The scheduler states (`R`, `S`, `T`, …) of every live process in the group led by `pid` (Linux /proc). */
async function groupStates(pid: number): Promise<string[]> {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = await readFile(`/proc/${e}/stat`, 'latin1');
      // Fields after the parenthesised command: state, ppid, pgrp, …
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[2]) === pid && rest[0] !== 'Z') out.push(rest[0]!);
    } catch {
      // Exited meanwhile.
    }
  }
  return out;
}

/** Default delay between SIGTERM and SIGKILL when stopping a node. */
export const DEFAULT_STOP_GRACE_MS = 5000;

/** The orphan guard (`node --import` it): the process stops itself once its owner is gone. */
export const orphanGuardScript = fileURLToPath(new URL('./orphan-guard.mjs', import.meta.url));

/** The env that marks a process as run `runId`'s and names this process its owner (orphan guard). */
export function runProcessEnv(runId: string): Record<string, string> {
  return { [RUN_ENV]: runId, CHAINLAB_OWNER_PID: String(process.pid) };
}

/** Lines of log shown in start errors. */
const LOG_TAIL_LINES = 25;

export interface NodeProcessOptions {
  name: string;
  launch: ProcessLaunch;
  readiness: ReadinessSpec;
  /** Fallback API URL to health-check (when the node prints no ready line). */
  apiUrl: string;
  /** Where the node's p2p port listens (its allocation). */
  p2pEndpoint?: P2pEndpoint;
  logFile: string;
  runId: string;
  registry: CleanupRegistry;
  stopGraceMs?: number;
  /**
   * Host path of the node's libfaketime offset file: the node runs with a skewable wall
   * clock (`setClockOffset`). The file must exist before the first start.
   */
  clockOffsetFile?: string;
  /** libfaketime to preload with `clockOffsetFile`. Default the Debian path. */
  libfaketime?: string | undefined;
  clock?: Clock;
  log?: (line: string) => void;
}

function isNodeBinary(command: string): boolean {
  return command === process.execPath || /^node(\.exe)?$/.test(basename(command));
}

/** A node process; create with {@link NodeProcess.start}. */
export class NodeProcess implements DeployedNode {
  readonly name: string;
  readonly logFile: string;
  readonly p2pEndpoint: P2pEndpoint | undefined;
  #apiUrl: string;
  #child: ChildProcess | undefined;
  #state: NodeState = 'stopped';
  #exited: Promise<ExitInfo> | undefined;
  #expectingExit = false;
  #unexpected = new Set<(info: ExitInfo) => void>();
  #registration: Disposable | undefined;
  readonly #opts: NodeProcessOptions;
  readonly #clock: Clock;

  private constructor(opts: NodeProcessOptions) {
    this.name = opts.name;
    this.logFile = opts.logFile;
    this.p2pEndpoint = opts.p2pEndpoint;
    this.#apiUrl = opts.apiUrl;
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    // Only nodes started under libfaketime have the control (`DeployedNode.setClockOffset`).
    const file = opts.clockOffsetFile;
    this.setClockOffset = file === undefined ? undefined : (offsetMs) => writeOffsetFile(file, offsetMs);
  }

  /** Spawns the node and resolves once it serves; on failure nothing is left running. */
  static async start(opts: NodeProcessOptions, startOpts: StartOptions): Promise<NodeProcess> {
    const node = new NodeProcess(opts);
    await node.start(startOpts);
    return node;
  }

  get apiUrl(): string {
    return this.#apiUrl;
  }

  get state(): NodeState {
    return this.#state;
  }

  get pid(): number | undefined {
    return this.#state === 'running' || this.#state === 'paused' ? this.#child?.pid : undefined;
  }

  onUnexpectedExit(listener: (info: ExitInfo) => void): Disposable {
    this.#unexpected.add(listener);
    return { [Symbol.dispose]: () => void this.#unexpected.delete(listener) };
  }

  logTail(lines = LOG_TAIL_LINES): Promise<string> {
    return tailFile(this.logFile, lines);
  }

  /** A process sees the host's files: write `path` atomically (temp file + rename), so a reader never sees half of it. */
  async writeFile(path: string, content: string): Promise<void> {
    const temp = `${path}.${process.pid}.tmp`;
    await writeFile(temp, content);
    await rename(temp, path);
  }

  async start(startOpts: StartOptions): Promise<void> {
    if (this.#state === 'running' || this.#state === 'paused') return;
    const { launch } = this.#opts;
    const startedAt = this.#clock.monotonic();
    const logFd = openSync(this.logFile, 'a');
    const args = isNodeBinary(launch.command) ? ['--import', orphanGuardScript, ...launch.args] : launch.args;
    this.#opts.log?.(`starting ${this.name}`);
    let child: ChildProcess;
    try {
      child = spawn(launch.command, args, {
        cwd: launch.cwd,
        env: {
          ...process.env,
          ...launch.env,
          ...(this.#opts.clockOffsetFile === undefined
            ? {}
            : faketimeEnv(this.#opts.clockOffsetFile, this.#opts.libfaketime)),
          ...runProcessEnv(this.#opts.runId),
        },
        stdio: ['ignore', 'pipe', logFd],
        // Its own process group: control signals reach the node's whole tree (a launcher
        // script and the node it starts), not just the launcher. The run's cleanup registry,
        // orphan guard and reaper stop it when the runner goes away.
        detached: true,
      });
    } finally {
      closeSync(logFd);
    }
    this.#child = child;
    this.#state = 'running';
    this.#expectingExit = false;
    const pid = child.pid;
    this.#registration = this.#opts.registry.add({
      label: `process ${this.name} (pid ${pid})`,
      dispose: async () => void (await this.stop()),
      disposeSync: () => {
        if (pid !== undefined && this.#child === child && this.#state !== 'exited') {
          try {
            process.kill(-pid, 'SIGKILL');
          } catch {}
        }
      },
    });
    this.#exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => {
        const info = { exitCode: code, signal };
        // Whatever the node started must not outlive it.
        if (pid !== undefined) signalGroup(pid, 'SIGKILL');
        if (this.#child === child) {
          this.#state = 'exited';
          this.#registration?.[Symbol.dispose]();
          if (!this.#expectingExit) for (const l of this.#unexpected) l(info);
        }
        resolve(info);
      });
    });
    // `error` (e.g. ENOENT) is followed by no `exit`; surface it through the same path.
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

    const ready = this.#waitReady(child, startOpts, startedAt, spawnError);
    try {
      await ready;
      this.#opts.log?.(
        `${this.name} serving at ${this.#apiUrl} in ${Math.round(this.#clock.monotonic() - startedAt)} ms`,
      );
    } catch (error) {
      await this.kill().catch(() => {});
      throw error;
    }
  }

  async #waitReady(
    child: ChildProcess,
    startOpts: StartOptions,
    startedAt: number,
    spawnError: Promise<Error>,
  ): Promise<void> {
    const logFd = openSync(this.logFile, 'a');
    const lines = createInterface({ input: child.stdout!, crlfDelay: Number.POSITIVE_INFINITY });
    const ac = new AbortController();
    const fail = async (short: string, extra: { timedOut: boolean; exit?: ExitInfo; cause?: unknown }) =>
      new ClusterStartError(short, {
        node: this.name,
        timedOut: extra.timedOut,
        exitCode: extra.exit?.exitCode,
        signal: extra.exit?.signal,
        durationMs: Math.round(this.#clock.monotonic() - startedAt),
        logFile: this.logFile,
        logTail: await this.logTail(),
        cause: extra.cause,
      });
    try {
      const readyLine = new Promise<void>((resolve) => {
        lines.on('line', (line) => {
          try {
            writeSync(logFd, `${line}\n`);
          } catch {}
          const r = this.#opts.readiness.readyLine?.(line);
          if (r) {
            this.#apiUrl = r.apiUrl.replace(/\/+$/, '');
            resolve();
          }
        });
      });
      const exited = this.#exited!.then(async (exit) => {
        const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.exitCode}`;
        throw await fail(`node ${this.name} ${how} before it was ready`, { timedOut: false, exit });
      });
      const errored = spawnError.then(async (error) => {
        throw await fail(`node ${this.name} could not be started: ${error.message}`, {
          timedOut: false,
          cause: error,
        });
      });
      const timedOut = this.#clock.sleep(startOpts.timeoutMs, ac.signal).then(async () => {
        throw await fail(`node ${this.name} was not ready within ${Math.round(startOpts.timeoutMs)} ms`, {
          timedOut: true,
        });
      });
      const aborted = new Promise<never>((_, reject) => {
        const s = startOpts.signal;
        if (!s) return;
        const onAbort = (): void => reject(s.reason);
        if (s.aborted) onAbort();
        else s.addEventListener('abort', onAbort, { once: true });
        ac.signal.addEventListener('abort', () => s.removeEventListener('abort', onAbort), { once: true });
      });
      // Fallback for nodes that print no ready line: the health endpoint answers 200.
      const healthy = this.#pollHealth(ac.signal).catch(() => new Promise<void>(() => {}));
      // Swallow the losers' rejections once the race is decided.
      for (const p of [exited, errored, timedOut, aborted]) p.catch(() => {});
      await Promise.race([readyLine, healthy, exited, errored, timedOut, aborted]);
    } finally {
      ac.abort();
      // Keep copying stdout to the log after readiness; close our fd when stdout ends.
      const closeLog = (): void => {
        try {
          closeSync(logFd);
        } catch {}
      };
      if (child.stdout!.closed) closeLog();
      else child.stdout!.once('close', closeLog);
    }
  }

  /** Resolves once `GET <api><healthPath>` answers 2xx; polls from 500 ms after spawn. */
  async #pollHealth(signal: AbortSignal): Promise<void> {
    const url = `${this.#opts.apiUrl}${this.#opts.readiness.healthPath}`;
    await this.#clock.sleep(500, signal);
    for (;;) {
      try {
        const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(1000)]) });
        await res.body?.cancel();
        if (res.ok) return;
      } catch {
        signal.throwIfAborted();
      }
      await this.#clock.sleep(250, signal);
    }
  }

  /** Signals the node's whole process group (the node and anything it started). */
  #signal(sig: NodeJS.Signals): boolean {
    const child = this.#child;
    if (!child?.pid || this.#state === 'exited' || this.#state === 'stopped') return false;
    return signalGroup(child.pid, sig);
  }

  async stop(opts: { graceMs?: number } = {}): Promise<ExitInfo | undefined> {
    if (this.#state === 'stopped' || this.#state === 'exited' || this.#child === undefined) {
      this.#state = this.#state === 'exited' ? 'exited' : 'stopped';
      return this.#exited ? await this.#exited : undefined;
    }
    const graceMs = opts.graceMs ?? this.#opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    this.#expectingExit = true;
    this.#opts.log?.(`stopping ${this.name}`);
    this.#signal('SIGTERM');
    // A paused process only handles SIGTERM once continued.
    if (this.#state === 'paused') this.#signal('SIGCONT');
    const exited = this.#exited!;
    const ac = new AbortController();
    const escalate = this.#clock.sleep(graceMs, ac.signal).then(
      () => {
        this.#opts.log?.(`${this.name} ignored SIGTERM for ${graceMs} ms: SIGKILL`);
        this.#signal('SIGKILL');
      },
      () => {},
    );
    const info = await exited;
    ac.abort();
    await escalate;
    this.#state = 'stopped';
    return info;
  }

  async kill(): Promise<ExitInfo | undefined> {
    if (this.#state === 'stopped' || this.#state === 'exited' || this.#child === undefined) {
      return this.#exited ? await this.#exited : undefined;
    }
    this.#expectingExit = true;
    this.#signal('SIGKILL');
    const info = await this.#exited!;
    this.#state = 'stopped';
    return info;
  }

  /**
   * Sets the wall-clock offset of a node started with `clockOffsetFile`: the file is replaced
   * atomically and libfaketime reads it at the node's next clock read, also across restarts.
   */
  readonly setClockOffset: ((offsetMs: number) => Promise<void>) | undefined;

  async pause(): Promise<void> {
    if (this.#state !== 'running') {
      throw new NodeControlError(this.name, 'pause', `node is ${this.#state}, not running`);
    }
    this.#signal('SIGSTOP');
    this.#state = 'paused';
    // Every process of the group must be stopped, or the fault did not happen.
    await this.#confirmGroup('pause', (states) => states.every((st) => st === 'T' || st === 't'));
  }

  async resume(): Promise<void> {
    if (this.#state !== 'paused') {
      throw new NodeControlError(this.name, 'resume', `node is ${this.#state}, not paused`);
    }
    this.#signal('SIGCONT');
    this.#state = 'running';
    await this.#confirmGroup('resume', (states) => states.every((st) => st !== 'T' && st !== 't'));
  }

  /** Waits until the process group's states satisfy `ok`; a fault that never shows fails loudly. */
  async #confirmGroup(action: string, ok: (states: string[]) => boolean): Promise<void> {
    const pid = this.#child?.pid;
    if (pid === undefined) return;
    const deadline = this.#clock.monotonic() + CONFIRM_MS;
    let states = await groupStates(pid);
    while (!(states.length > 0 && ok(states))) {
      if (this.#clock.monotonic() >= deadline) {
        throw new NodeControlError(
          this.name,
          action,
          `the ${action} did not take effect: after ${CONFIRM_MS} ms its process group ${pid} is in states [${states.join(', ') || 'none'}]`,
        );
      }
      await this.#clock.sleep(20);
      states = await groupStates(pid);
    }
  }
}
