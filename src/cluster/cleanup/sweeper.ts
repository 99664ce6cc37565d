/**
 * The sweeper removes what killed runs left behind: processes carrying a dead run's
 * `CHAINLAB_RUN` id and run dirs whose owner pid is gone. It runs once at the start of a
 * run. Process discovery reads `/proc/<pid>/environ` (Linux); elsewhere only dirs are swept.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ownerPidOf, RUN_ENV, runsRoot } from './run.ts';

/** True when a process with this pid exists (EPERM counts as alive: it exists, not ours). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A process that belongs to some chainlab run. */
export interface RunProcess {
  pid: number;
  runId: string;
}

/** Every process on this machine carrying `CHAINLAB_RUN` (Linux /proc; [] elsewhere). */
export async function listRunProcesses(): Promise<RunProcess[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const out: RunProcess[] = [];
  const marker = `${RUN_ENV}=`;
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (e) => {
        const pid = Number(e);
        if (pid === process.pid) return;
        try {
          const env = await readFile(`/proc/${pid}/environ`, 'latin1');
          const at = env.indexOf(marker);
          if (at === -1) return;
          const end = env.indexOf('\0', at);
          out.push({ pid, runId: env.slice(at + marker.length, end === -1 ? undefined : end) });
        } catch {
          // Gone, or not ours to read.
        }
      }),
  );
  return out;
}

/** What one sweep removed. */
export interface SweepResult {
  killed: RunProcess[];
  removedDirs: string[];
}

/** Whether the run with this id is over (its owner process is gone). */
function runIsDead(runId: string): boolean {
  const owner = ownerPidOf(runId);
  // Only our own id format is judged: a foreign CHAINLAB_RUN value is left alone.
  return owner !== undefined && owner !== process.pid && !pidAlive(owner);
}

/**
 * Kills processes of dead runs (SIGKILL: their owner can no longer stop them gracefully)
 * and removes dead runs' dirs under the runs root.
 */
export async function sweepDeadRuns(root = runsRoot()): Promise<SweepResult> {
  const result: SweepResult = { killed: [], removedDirs: [] };
  for (const p of await listRunProcesses()) {
    if (!runIsDead(p.runId)) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
      result.killed.push(p);
    } catch {
      // Already gone.
    }
  }
  let dirs: string[] = [];
  try {
    dirs = await readdir(root);
  } catch {
    return result;
  }
  for (const name of dirs) {
    if (!runIsDead(name)) continue;
    const dir = join(root, name);
    await rm(dir, { recursive: true, force: true });
    result.removedDirs.push(dir);
  }
  return result;
}
