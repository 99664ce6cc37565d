/**
 * The node logs of a cluster a test started itself, held until the test's verdict. Such a
 * cluster (`await using cluster = await Cluster.of(…).start()`) is disposed while a failing
 * test unwinds, before the runner has reported the failure, so its dispose cannot know
 * whether its node logs are wanted. While a runner integration has a test open, the dispose
 * still stops every node, container and link and removes the cluster dir at once, but first
 * moves the node logs aside (into the run dir, which the hold keeps) for the open test: a
 * failed test keeps logs, recording and report, as the cluster fixture does for its own
 * cluster; then the logs go. A start that fails during the open test (a fixture's too) holds
 * its node logs the same way, so a failed test keeps every node's log, not only the tail its
 * error quotes. With no test open (a script, a `beforeAll` hook) nothing is held: a disposed
 * cluster's logs go with it, and a failed start's are kept at once, as no verdict will come.
 * On Ctrl-C nothing is held or kept.
 *
 * The open test lives on the global object, where the Jest environment (outside the test
 * file's module registry) opens and closes it.
 */
import { rmSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { runRegistry } from './cleanup/registry.ts';
import { acquireRun } from './cleanup/run.ts';
import { isFixtureCluster } from './cluster-journal.ts';

/**
 * A cluster start that failed during the open test, after its nodes began to log: what its
 * held node logs belong to (a running cluster has a recording; this has only its name).
 */
export interface FailedStart {
  readonly failedStart: {
    /** The cluster dir's name, `<name>-<n>`. */
    readonly name: string;
    readonly runId: string;
    readonly seed: number;
    /** The start error's message (its first line: the node logs are kept beside it). */
    readonly message: string;
  };
}

/** Whether a held cluster is a start that failed. */
export function isFailedStart(cluster: object): cluster is FailedStart {
  return 'failedStart' in cluster;
}

/** A cluster disposed during the open test, or a start that failed in it: its node logs held. */
export interface HeldCluster<C extends object = object> {
  readonly cluster: C;
  /** Recording time (ms) of its dispose; 0 for a failed start, which has no recording. */
  readonly disposedAt: number;
  /** Where its node logs (`<node>.log`) wait for the verdict. */
  readonly logsDir: string;
}

/** A test a runner integration opened; see {@link openTest}. */
export interface OpenTest {
  /**
   * Ends the test: calls `keep` for each held cluster, oldest first, when given (a failed
   * test), then removes their held logs. Keep failures are reported to stderr, never thrown,
   * so the logs still go.
   */
  close(keep?: (held: HeldCluster) => Promise<void>): Promise<void>;
}

interface Slot {
  held: { entry: HeldCluster; release(): Promise<void> }[];
}

const openKey = Symbol.for('chainlab.openTest');

type WithOpenTest = { [openKey]?: Slot };

/**
 * Opens a test on `global` (the test file's global object; the Jest environment passes its
 * own): clusters disposed until `close` hold their logs until then. Opening another test
 * first closes nothing: the newest open test takes what is disposed.
 *
 * @example
 * const open = openTest();
 * onTestFinished(({ task }) => open.close(task.result?.state === 'fail' ? keepIt : undefined));
 */
export function openTest(global: object = globalThis): OpenTest {
  const slot: Slot = { held: [] };
  (global as WithOpenTest)[openKey] = slot;
  let closing: Promise<void> | undefined;
  return {
    close(keep) {
      closing ??= (async () => {
        if ((global as WithOpenTest)[openKey] === slot) delete (global as WithOpenTest)[openKey];
        const held = slot.held.splice(0);
        try {
          if (keep)
            for (const { entry } of held)
              await keep(entry).catch((error: unknown) =>
                process.stderr.write(`chainlab: could not keep artifacts: ${(error as Error).message}\n`),
              );
        } finally {
          await Promise.all(held.map((h) => h.release()));
        }
      })();
      return closing;
    },
  };
}

/**
 * A cluster's last teardown step: removes its dir (`<run dir>/<cluster>`). When a test is
 * open and the cluster is the test's own (not a fixture's), or its start failed (a fixture's
 * too: a failed start has no artifacts of its own), its `logs/` first move to
 * `<run dir>/held/<cluster>`, held with the run dir for the test's verdict. A start that
 * failed with no test open keeps its node logs at once instead, in the artifacts dir; the
 * kept dir is returned, for the start's error to name. Never holds or keeps while the
 * process is being interrupted.
 */
export async function removeOrHold(
  cluster: { readonly recording: { now(): number } } | FailedStart | undefined,
  dir: string,
): Promise<string | undefined> {
  const slot = (globalThis as WithOpenTest)[openKey];
  if (slot === undefined || cluster === undefined || isFixtureCluster(cluster) || runRegistry.interrupted) {
    // No verdict will come for a start that failed with no test open: it keeps its logs now.
    const kept =
      slot === undefined && cluster !== undefined && isFailedStart(cluster) && !runRegistry.interrupted
        ? await keepStartLogsNow(cluster, dir)
        : undefined;
    await rm(dir, { recursive: true, force: true });
    return kept;
  }
  // The run dir is removed when its last user leaves: the hold is a user until the verdict.
  const run = await acquireRun();
  const logsDir = join(run.dir, 'held', basename(dir));
  const registration = runRegistry.add({
    label: `logs of ${basename(dir)}, held for the test's verdict`,
    dispose: () => release(),
    disposeSync: () => rmSync(logsDir, { recursive: true, force: true }),
  });
  let released: Promise<void> | undefined;
  const release = (): Promise<void> => {
    released ??= (async () => {
      try {
        await rm(logsDir, { recursive: true, force: true });
      } finally {
        registration[Symbol.dispose]();
        await run.release();
      }
    })();
    return released;
  };
  try {
    await mkdir(join(run.dir, 'held'), { recursive: true });
    // A rename within the run dir: no copy, whatever the logs' size. No logs (an attached chain): none held.
    await rename(join(dir, 'logs'), logsDir).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rm(dir, { recursive: true, force: true });
  } catch (error) {
    await release();
    throw error;
  }
  const disposedAt = isFailedStart(cluster) ? 0 : cluster.recording.now();
  slot.held.push({ entry: { cluster, disposedAt, logsDir }, release });
  return undefined;
}

/**
 * Keeps a failed start's node logs in the artifacts dir with a README, as a failed test would;
 * undefined when no node had begun to log (a start refused before launching, e.g. no Docker
 * engine: its error says it all), when artifacts are off, or when they could not be written
 * (reported to stderr: the start's own error is the one to throw).
 */
async function keepStartLogsNow(cluster: FailedStart, dir: string): Promise<string | undefined> {
  const logsDir = join(dir, 'logs');
  if ((await readdir(logsDir).catch(() => [])).length === 0) return undefined;
  try {
    // Loaded only here: the artifact writer is the test runner's side, and a start that succeeds never needs it.
    const { keepStartLogs } = await import('../fixtures/artifacts.ts');
    const { seed } = cluster.failedStart;
    const kept = await keepStartLogs(cluster.failedStart, 'no test was open', {
      logsDir,
      replay: `CHAINLAB_SEED=${seed} and the same command`,
    });
    return kept?.dir;
  } catch (error) {
    process.stderr.write(
      `chainlab: could not keep the failed start's node logs: ${(error as Error).message}\n`,
    );
    return undefined;
  }
}
