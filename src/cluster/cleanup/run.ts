/**
 * The run: one per process. Its id is on every process (`CHAINLAB_RUN`), container
 * (label) and dir it starts; its dirs live under `<tmpdir>/chainlab/<run id>/`, whose
 * `owner.json` names the owning pid so the next run's sweeper can tell a dead run.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runRegistry } from './registry.ts';
import { sweepDeadRuns } from './sweeper.ts';

/** Env var carrying the run id into every process chainlab starts. */
export const RUN_ENV = 'CHAINLAB_RUN';

/** Root of all runs' dirs: `<os.tmpdir()>/chainlab` (override with `CHAINLAB_RUN_ROOT`). */
export function runsRoot(): string {
  return process.env.CHAINLAB_RUN_ROOT || join(tmpdir(), 'chainlab');
}

/** Run ids start with the owner pid so a sweeper can test the owner even without its dir. */
export function newRunId(pid = process.pid): string {
  return `${pid}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** The owner pid encoded in a run id, or undefined for a foreign string. */
export function ownerPidOf(runId: string): number | undefined {
  const m = /^(\d+)-[0-9a-z]+-[0-9a-f]{6}$/.exec(runId);
  return m ? Number(m[1]) : undefined;
}

/** A live run: its id and dir. */
export interface Run {
  id: string;
  dir: string;
}

const reaperScript = fileURLToPath(new URL('./reaper.mjs', import.meta.url));

/**
 * Starts the run's reaper: a detached watcher that cleans the run up if this process dies
 * without doing so (SIGKILL, or a test runner that kills its workers on Ctrl-C).
 */
function startReaper(run: Run): void {
  try {
    const child = spawn(process.execPath, [reaperScript, String(process.pid), run.id, run.dir], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, CHAINLAB_REAPER: run.id },
    });
    child.on('error', () => {});
    child.unref();
  } catch {
    // Without a reaper the next run's sweeper still removes what this run leaves.
  }
}

let current: { run: Run; users: number } | undefined;
let sweptOnce = false;

/**
 * Joins (creating if needed) this process's run. The first call sweeps what dead runs left.
 * Release the handle when done; the run dir is removed when the last user releases it.
 */
export async function acquireRun(): Promise<Run & Disposable & { release(): Promise<void> }> {
  if (!sweptOnce) {
    sweptOnce = true;
    await sweepDeadRuns().catch(() => {});
  }
  if (current === undefined) {
    const id = newRunId();
    const dir = join(runsRoot(), id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'owner.json'),
      JSON.stringify({ pid: process.pid, startedAt: Date.now(), argv: process.argv.slice(1, 3) }),
    );
    current = { run: { id, dir }, users: 0 };
    startReaper(current.run);
    const created = current;
    runRegistry.add({
      label: `run dir ${dir}`,
      dispose: async () => {
        if (current === created) current = undefined;
        await rm(dir, { recursive: true, force: true });
      },
      disposeSync: () => rmSync(dir, { recursive: true, force: true }),
    });
  }
  const held = current;
  held.users++;
  let released = false;
  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    held.users--;
    if (held.users === 0 && current === held) {
      current = undefined;
      await rm(held.run.dir, { recursive: true, force: true });
    }
  };
  return { ...held.run, release, [Symbol.dispose]: () => void release() };
}
