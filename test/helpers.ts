/** Helpers for chainlab's own end-to-end tests: count what a run left on the machine. */
import { readdir, readFile } from 'node:fs/promises';
import { listRunProcesses } from '../src/cluster/cleanup/sweeper.ts';
import type { StartedCluster } from '../src/cluster/types.ts';
import { systemClock } from '../src/support/clock.ts';

/** Pids of live processes carrying `CHAINLAB_RUN=<runId>`. */
export async function processesOfRun(runId: string): Promise<number[]> {
  return (await listRunProcesses()).filter((p) => p.runId === runId).map((p) => p.pid);
}

/** Pids of live processes whose environment contains `needle` (e.g. `CHAINLAB_RUN_ROOT=/tmp/x`). */
export async function processesWithEnv(needle: string): Promise<number[]> {
  const out: number[] = [];
  for (const e of await readdir('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const env = await readFile(`/proc/${e}/environ`, 'latin1');
      if (env.split('\0').includes(needle)) {
        // Zombies keep their environ readable only briefly; count only running ones.
        const stat = await readFile(`/proc/${e}/stat`, 'latin1');
        if (!/\) Z /.test(stat)) out.push(Number(e));
      }
    } catch {}
  }
  return out;
}

/** Entries of a dir ([] when it does not exist). */
export async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/** A node's chain height, as its API reports it now. */
export async function heightOf(cluster: StartedCluster, name: string): Promise<number> {
  return (await cluster.client(name).info()).height;
}

/** Polls `fn` until it returns true or `timeoutMs` passes; returns the last result. */
export async function eventually(
  fn: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 100,
): Promise<boolean> {
  const deadline = systemClock.monotonic() + timeoutMs;
  for (;;) {
    if (await fn()) return true;
    if (systemClock.monotonic() > deadline) return false;
    await systemClock.sleep(everyMs);
  }
}

/**
 * For "this holds while that happens" claims: runs `check` (which throws when the claim is
 * broken) every `everyMs` for at least `minimumMs`, and on until `happened()` is true; throws
 * naming `what` if that takes longer than `timeoutMs`. A fixed window would now and then end
 * before a random event (a block after a run of empty slots) and fail the claim for nothing.
 */
export async function watchUntil(
  check: () => Promise<void>,
  happened: () => Promise<boolean>,
  options: { minimumMs: number; timeoutMs: number; what: string; everyMs?: number },
): Promise<void> {
  const started = systemClock.monotonic();
  for (;;) {
    await systemClock.sleep(options.everyMs ?? 500);
    await check();
    const elapsed = systemClock.monotonic() - started;
    if (elapsed >= options.minimumMs && (await happened())) return;
    if (elapsed > options.timeoutMs) throw new Error(`not within ${options.timeoutMs} ms: ${options.what}`);
  }
}

/** A failed chainlab assertion as the runner throws it: the message plus the verdict as `actual`. */
export type MatcherFailure = Error & { actual: unknown; expected: unknown };

/** Runs `fn` (an awaited matcher), expecting it to fail its assertion; returns the failure. */
export async function matcherFailure(fn: () => Promise<unknown>): Promise<MatcherFailure> {
  const error = await fn().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error) || !('actual' in error))
    throw new Error(`expected a failed assertion carrying its verdict, got ${String(error)}`);
  return error as MatcherFailure;
}
