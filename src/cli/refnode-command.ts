/**
 * `chainlab refnode ...`: runs refnode's own command line (genesis, run, tx, blob) as a
 * child Node process, exactly as the local deployer starts it (the compiled JavaScript when
 * chainlab is installed). Signals reach the node, and its exit code becomes ours.
 */
import { spawn } from 'node:child_process';
import { refnodeEntry } from '../adapter/refnode/adapter.ts';

const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const signalNumbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Runs `refnode <argv>` and resolves to its exit code (128 + n when a signal ended it). */
export function runRefnodeCommand(argv: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [refnodeEntry(), ...argv], {
      stdio: 'inherit',
      env: { ...process.env, REFNODE_PROG: 'chainlab refnode' },
    });
    // The terminal signals the whole group already; a `kill <our pid>` must reach the node too.
    const relays = forwarded.map((signal) => {
      const relay = (): void => void child.kill(signal);
      process.on(signal, relay);
      return () => process.off(signal, relay);
    });
    const done = (): void => {
      for (const off of relays) off();
    };
    child.on('error', (error) => {
      done();
      reject(error);
    });
    child.on('exit', (code, signal) => {
      done();
      resolve(code ?? 128 + (signalNumbers[signal ?? ''] ?? 1));
    });
  });
}
