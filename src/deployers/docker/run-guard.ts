/**
 * Starts, once per run, the detached guard process (run-guard.mjs) that removes the run's
 * Docker resources when this process dies: a test runner's worker is SIGKILLed shortly
 * after Ctrl-C, too soon for any async teardown, and Ryuk cannot be pulled offline.
 */
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

const guardScript = fileURLToPath(new URL('./run-guard.mjs', import.meta.url));
const guarded = new Set<string>();

/**
 * Ensures a guard watches `runId`. The guard holds no handle on this process's event loop
 * (child and pipe are unref'd), so it never keeps a test run alive.
 */
export function ensureRunGuard(runId: string): void {
  if (guarded.has(runId)) return;
  guarded.add(runId);
  const child = spawn(process.execPath, [guardScript, runId], {
    // its own session: a Ctrl-C to our process group does not reach it
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
    env: { ...process.env, TESTCONTAINERS_RYUK_DISABLED: 'true' },
  });
  child.on('error', () => guarded.delete(runId));
  child.unref();
  (child.stdin as Socket | null)?.unref();
}
