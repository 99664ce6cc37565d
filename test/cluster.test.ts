/**
 * End to end: real refnode processes started by the local deployer. Clusters stay small
 * (this runs on a shared 2-core machine).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { acquireRun, runsRoot } from '../src/cluster/cleanup/run.ts';
import { listRunProcesses } from '../src/cluster/cleanup/sweeper.ts';
import { Cluster } from '../src/cluster/cluster.ts';
import { Ready } from '../src/cluster/ready.ts';
import { isReserved, reservationsDir } from '../src/deployers/local/port-reservations.ts';
import { CapabilityError, ClusterStartError, ConfigError } from '../src/support/errors.ts';
import { entries, eventually, processesOfRun } from './helpers.ts';

/** Processes of any run owned by this test worker. */
async function processesOfThisWorker(): Promise<number[]> {
  return (await listRunProcesses()).filter((p) => p.runId.startsWith(`${process.pid}-`)).map((p) => p.pid);
}

/** Ports this test worker holds reserved. */
async function reservedByThisWorker(): Promise<string[]> {
  const names = await entries(reservationsDir());
  const owners = await Promise.all(
    names.map((n) => readFile(join(reservationsDir(), n), 'utf8').catch(() => '')),
  );
  return names.filter((_, i) => owners[i] === String(process.pid));
}

describe('local deployer', () => {
  test('starts 4 validators + 2 executors that serve, peer and produce blocks; dispose leaves nothing', async () => {
    let runId: string;
    let dir: string | undefined;
    let ports: number[] = [];
    {
      await using cluster = await new Cluster({ validators: 4, executors: 2, wallets: 4 }).start();
      runId = cluster.runId;
      dir = cluster.dir;
      expect(cluster.nodes.map((n) => `${n.name}:${n.role}`)).toEqual([
        'val-0:validator',
        'val-1:validator',
        'val-2:validator',
        'val-3:validator',
        'exe-0:executor',
        'exe-1:executor',
      ]);
      expect(cluster.validators).toHaveLength(4);
      expect(cluster.executors).toHaveLength(2);
      expect(await processesOfRun(runId)).toHaveLength(6);
      for (const n of cluster.nodes) {
        const info = await n.client.info();
        expect(info.nodeId).toBe(n.name);
        expect(info.peers).toBeGreaterThanOrEqual(1);
        expect(existsSync(n.logFile!)).toBe(true);
      }
      // Each node's ports are reserved machine-wide for the cluster's life (restarts bind them again).
      ports = cluster.nodes.flatMap((n) => [Number(new URL(n.apiUrl).port), n.p2pEndpoint!.port]);
      expect(ports.filter((port) => !isReserved(port))).toEqual([]);
      expect(cluster.wallets).toHaveLength(4);
      expect(cluster.facts.supply?.genesis).toBe(
        Object.values(cluster.facts.initialBalances ?? {}).reduce((a, b) => a + b, 0n),
      );
      // The adapter states how blocks arrive and when they are final.
      expect(cluster.facts.production).toEqual({
        model: 'slotted',
        expectedIntervalMs: 400,
        slotMs: 200,
        activeSlotCoeff: 0.5,
      });
      expect(cluster.facts.finality).toEqual({ rule: 'reported', depth: 6 });
      // The chain moves: some node reaches height 2, and the observer saw it on the feed.
      expect(await eventually(async () => (await cluster.client('val-0').info()).height >= 2, 20_000)).toBe(
        true,
      );
      expect(await eventually(async () => cluster.recording.blocks.some((b) => b.height >= 1), 5000)).toBe(
        true,
      );
      expect(existsSync(dir!)).toBe(true);
    }
    expect(await processesOfRun(runId)).toEqual([]);
    expect(existsSync(dir!)).toBe(false);
    expect(ports.filter((port) => isReserved(port))).toEqual([]);
  });

  test('node control records a fault window per action and the node comes back', async () => {
    await using cluster = await new Cluster({ validators: 3, wallets: 2 }).start();
    const heightOf = async (name: string) => (await cluster.client(name).info()).height;

    await cluster.restart('val-1');
    expect(cluster.node('val-1').state).toBe('running');
    await cluster.kill('val-2');
    expect(cluster.node('val-2').state).toBe('stopped');
    await expect(cluster.client('val-2').info({ timeoutMs: 500 })).rejects.toThrow(/val|127\.0\.0\.1/);
    await cluster.start('val-2');
    await cluster.pause('val-0');
    expect(cluster.node('val-0').state).toBe('paused');
    await expect(cluster.client('val-0').info({ timeoutMs: 300 })).rejects.toThrow(/timed out/);
    await cluster.resume('val-0');
    await cluster.stop('val-1');
    await cluster.start('val-1');

    expect(
      cluster.recording.faults.map((f) => [f.description, f.end !== undefined && f.end >= f.start]),
    ).toEqual([
      ['restart(val-1)', true],
      ['kill(val-2)', true],
      ['pause(val-0)', true],
      ['stop(val-1)', true],
    ]);
    // Every node serves again and follows the chain past where it is now.
    for (const n of cluster.nodes) {
      const from = await heightOf(n.name);
      expect(
        await eventually(async () => (await heightOf(n.name)) > from, 30_000),
        `${n.name} advances`,
      ).toBe(true);
    }
  });

  test("a node that cannot start fails the start naming the node, exit code and log; nothing is left but its nodes' logs, held for the test's verdict", async () => {
    const error = await new Cluster({ validators: 2, bugs: { 'val-1': ['no-such-bug'] } })
      .start()
      .catch((e) => e);
    expect(ClusterStartError.is(error)).toBe(true);
    expect(error).toMatchObject({ node: 'val-1', timedOut: false, exitCode: 2 });
    expect(error.shortMessage).toBe('node val-1 exited with code 2 before it was ready');
    expect(error.logTail).toContain('no-such-bug');
    expect(error.message).toContain('--- last log lines ---');
    // Until this test's verdict its run keeps only the nodes' logs (src/cluster/verdict-hold.ts:
    // a failed test keeps them, a passed one drops them; test/verdict-hold.test.ts).
    // The start ran in this process's run, which the held logs keep: join it to look inside.
    const run = await acquireRun();
    try {
      expect((await entries(run.dir)).sort()).toEqual(['held', 'owner.json']);
      const held = await entries(join(run.dir, 'held'));
      expect(held).toHaveLength(1);
      expect((await entries(join(run.dir, 'held', held[0]!))).sort()).toEqual(['val-0.log', 'val-1.log']);
    } finally {
      await run.release();
    }
    expect(await processesOfThisWorker()).toEqual([]);
    expect(await reservedByThisWorker()).toEqual([]);
  });

  test("a start timeout names what was not ready with the first such node's last log lines, and tears everything down", async () => {
    const error = await new Cluster({ validators: 2, ready: Ready.forHeight(10_000).withTimeout(2000) })
      .start()
      .catch((e) => e);
    expect(ClusterStartError.is(error)).toBe(true);
    expect(error.timedOut).toBe(true);
    expect(error.shortMessage).toMatch(
      /^cluster not ready after \d+ ms: waiting for every node at height ≥ 10000; not ready: val-0: height \d+; val-1: height \d+$/,
    );
    // What the node was doing, as a node that exits during the start shows it.
    expect(error.node).toBe('val-0');
    expect(error.logTail).toContain('"node":"val-0"');
    expect(error.logTail).toMatch(/val-0 ready at height 0/);
    expect(error.message).toContain(`${error.shortMessage}\n--- last log lines ---\n`);
    expect(await processesOfThisWorker()).toEqual([]);
    expect(await reservedByThisWorker()).toEqual([]);
  });

  test('bad options fail before anything starts', async () => {
    const before = await entries(runsRoot());
    expect(() => new Cluster({ validators: 2, slotMs: 5 })).toThrow(ConfigError);
    expect(() => new Cluster({ validators: 2 }).with({ securityParam: 0 })).toThrow(
      /securityParam: got 0, allowed: an integer 1..1000/,
    );
    expect(await entries(runsRoot())).toEqual(before);
  });
});

describe('attach deployer', () => {
  test('observes and loads a cluster it did not start, and refuses node control at once', async () => {
    await using local = await new Cluster({ validators: 2, wallets: 3 }).start();
    await using attached = await new Cluster({
      deployer: 'attach',
      attach: { urls: local.nodes.map((n) => n.apiUrl), chainDir: `${local.dir}/chain` },
    }).start();
    expect(attached.deployer.name).toBe('attach');
    expect(attached.nodes.map((n) => n.name)).toEqual(['val-0', 'val-1']);
    expect(attached.dir).toBeUndefined();
    expect(attached.facts.chainId).toBe(local.facts.chainId);
    expect(attached.wallets.map((w) => w.address)).toEqual(local.wallets.map((w) => w.address));
    const refused = await attached.restart('val-0').catch((e) => e);
    expect(CapabilityError.is(refused)).toBe(true);
    expect(refused).toMatchObject({ capability: 'restart', deployer: 'attach' });
    expect(() => attached.requireCapabilities('kill')).toThrow(/the attach deployer cannot kill nodes/);
    expect(attached.recording.faults).toEqual([]);
    // A tx signed with an attached wallet is accepted by the real node.
    const tx = await attached.wallets[0]!.transfer({
      to: attached.wallets[1]!.address,
      amount: 5n,
      nonce: 0,
    });
    expect(await attached.client('val-1').submitTx(tx)).toEqual({ ok: true, id: tx.id });
    expect(
      await eventually(async () => attached.recording.blocks.some((b) => b.node === 'val-0'), 10_000),
    ).toBe(true);
  });
});
