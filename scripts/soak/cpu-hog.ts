/**
 * A bounded CPU hog, standing in for a busy CI neighbour: K child processes, each spinning
 * one core. Bounded three ways: `stop()` kills them, each exits by itself when its parent
 * is gone (so a killed soak leaves no spinning process), and each exits after `maxMs`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

/**
 * Spins until the parent is gone or `maxMs` passed; checks both every 50 ms of spinning. The
 * parent's pid comes as an argument: a parent killed before the hog got to run would
 * otherwise be missed (the hog would see its new parent from the start).
 */
const hogScript = `
const parent = Number(process.argv[2]);
const end = Date.now() + Number(process.argv[1]);
for (;;) {
  const slice = Date.now() + 50;
  while (Date.now() < slice) {}
  if (process.ppid !== parent || Date.now() > end) process.exit(0);
}
`;

/** Running hogs. */
export interface CpuHog extends AsyncDisposable {
  /** Pids of the spinning processes. */
  readonly pids: readonly number[];
  /** Kills every hog and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Keeps `cores` cores busy until `stop()`, the parent's death or `maxMs` (default 6 h).
 *
 * @example
 * await using hog = startCpuHog(1);
 */
export function startCpuHog(cores: number, maxMs = 6 * 60 * 60 * 1000): CpuHog {
  const children: ChildProcess[] = [];
  for (let i = 0; i < cores; i++) {
    children.push(
      spawn(process.execPath, ['-e', hogScript, String(maxMs), String(process.pid)], { stdio: 'ignore' }),
    );
  }
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }),
    ).then(() => undefined);
    return stopping;
  };
  return {
    pids: children.map((c) => c.pid).filter((pid): pid is number => pid !== undefined),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
