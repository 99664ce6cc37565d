/**
 * End to end: faults are real or loud. Nodes run behind a launcher script that starts the
 * real node as its child (as many chains' start scripts do): a pause must freeze the
 * child too, confirmed from outside; a kill must close the API port. Asking for proof of a
 * fault that did not happen fails naming the node, the action and what was observed.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { refnodeAdapter } from '../src/adapter/refnode/adapter.ts';
import { acquireRun } from '../src/cluster/cleanup/run.ts';
import { Cluster } from '../src/cluster/cluster.ts';
import { confirmDown, confirmPaused, portClosed } from '../src/cluster/confirm.ts';
import { NodeControlError } from '../src/support/errors.ts';
import { processesOfRun } from './helpers.ts';

// The launcher lives in this process's run dir, so that the run's reaper (or the next run's
// sweep) removes it even when the test is stopped by Ctrl-C before its afterAll.
let run: Awaited<ReturnType<typeof acquireRun>> | undefined;
let launcher = '';
beforeAll(async () => {
  run = await acquireRun();
  mkdirSync(join(run.dir, 'launcher'));
  launcher = join(run.dir, 'launcher', 'launch.sh');
  // Not `exec`: the shell stays the parent, the node is its child in the same process group.
  writeFileSync(launcher, `#!/bin/sh\n"${process.execPath}" "$@" &\nwait $!\n`);
  chmodSync(launcher, 0o755);
});
afterAll(() => run?.release());

/** Scheduler states of every process whose environment carries the run id (Linux /proc). */
async function statesOfRun(runId: string, pids: readonly number[]): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir('/proc')) {
    if (!/^\d+$/.test(e) || !pids.includes(Number(e))) continue;
    try {
      const env = await readFile(`/proc/${e}/environ`, 'latin1');
      if (!env.includes(runId)) continue;
      const stat = await readFile(`/proc/${e}/stat`, 'latin1');
      out.push(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!);
    } catch {}
  }
  return out;
}

describe('node control confirms its effect', () => {
  test('pause freezes a launcher and the node it started; kill closes the port; unproven faults fail loudly', async () => {
    await using cluster = await Cluster.of({
      validators: 3,
      wallets: 2,
      name: 'launched',
      adapter: refnodeAdapter({ nodeBinary: launcher }),
    }).start();
    const node = cluster.node('val-2');
    const pids = await processesOfRun(cluster.runId);
    // Three launchers and three nodes.
    expect(pids.length).toBe(6);

    await node.pause();
    // Both the launcher and its node are stopped (the confirmation also saw the API go silent).
    const frozen = await statesOfRun(cluster.runId, pids);
    expect(frozen.filter((s) => s === 'T' || s === 't')).toHaveLength(2);
    expect(await node.client.health({ timeoutMs: 300 })).toBe(false);
    await node.resume();
    expect(await node.client.health()).toBe(true);

    // Proof of a fault that did not happen: the node keeps answering, its port stays open.
    const target = {
      name: 'val-1',
      apiUrl: cluster.node('val-1').apiUrl,
      client: cluster.node('val-1').client,
      recording: cluster.recording,
      blockMs: 400,
    };
    const notPaused = await confirmPaused(target).catch((e: unknown) => e);
    expect(NodeControlError.is(notPaused)).toBe(true);
    expect((notPaused as Error).message).toBe(
      'pause val-1: the pause could not be confirmed: its API still answers 5000 ms after the pause',
    );
    const notDown = await confirmDown(target, 'kill').catch((e: unknown) => e);
    expect((notDown as Error).message).toMatch(
      /^kill val-1: the kill could not be confirmed: its API port \d+ still accepts connections 5000 ms later$/,
    );

    await node.kill();
    expect(await portClosed(node.apiUrl)).toBe(true);
    // The launcher and the node it started are both gone.
    expect(await processesOfRun(cluster.runId)).toHaveLength(4);
  }, 120_000);
});
