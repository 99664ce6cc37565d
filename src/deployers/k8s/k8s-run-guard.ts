/**
 * The k8s side of "nothing leaks when the run is killed": once per run and kubeconfig
 * context, a detached guard (k8s-run-guard.mjs) that deletes the run's namespaces when this
 * process dies; and the synchronous last resort for the cleanup registry's exit hook.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

const guardScript = fileURLToPath(new URL('./k8s-run-guard.mjs', import.meta.url));
const guarded = new Set<string>();

/** Where the guard finds the cluster: the same kubeconfig file and context as the run. */
export interface GuardTarget {
  kubeconfig: string | undefined;
  context: string;
}

/**
 * Ensures a guard watches `runId` on `target`. The guard holds no handle on this process's
 * event loop (child and pipe are unref'd), so it never keeps a test run alive.
 */
export function ensureK8sRunGuard(runId: string, target: GuardTarget): void {
  const key = `${runId}\0${target.kubeconfig ?? ''}\0${target.context}`;
  if (guarded.has(key)) return;
  guarded.add(key);
  const child = spawn(process.execPath, [guardScript, runId, target.kubeconfig ?? '', target.context], {
    // its own session: a Ctrl-C to our process group does not reach it
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.on('error', () => guarded.delete(key));
  child.unref();
  (child.stdin as Socket | null)?.unref();
}

/** Deletes the run's namespaces synchronously (exit hook); waits at most `timeoutMs`. */
export function removeK8sRunSync(runId: string, target: GuardTarget, timeoutMs = 15_000): void {
  spawnSync(process.execPath, [guardScript, '--now', runId, target.kubeconfig ?? '', target.context], {
    stdio: 'ignore',
    timeout: timeoutMs,
  });
}
