/**
 * The `chainlab` command line, run as a user runs it: the dispatcher's help and usage
 * errors, `chainlab refnode` (refnode's own CLI), and `chainlab sweep` removing what a
 * killed run left (a process, a run dir, an image build context) while leaving a live
 * run alone. The installed bin (compiled JavaScript) runs in test/consumer.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { newRunId, runsRoot } from '../src/cluster/cleanup/run.ts';
import { pidAlive } from '../src/cluster/cleanup/sweeper.ts';
import { freePorts } from '../src/deployers/local/free-port.ts';
import { reservationsDir } from '../src/deployers/local/port-reservations.ts';
import { entries, eventually } from './helpers.ts';

const repo = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'chainlab-cli-test-'));
// Our private runs root, named as a run of this process so a later sweep removes it if we die.
const root = join(runsRoot(), newRunId());
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

function chainlab(args: string[], env: NodeJS.ProcessEnv = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [join(repo, 'src/cli/main.ts'), ...args], {
      cwd: repo,
      env: { ...process.env, CHAINLAB_RUN_ROOT: root, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('chainlab', () => {
  test('--help lists the subcommands; no command or an unknown one is a usage error (exit 2)', async () => {
    const help = await chainlab(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(
      /^usage: chainlab <command> \[args\]\n\ncommands:\n {2}refnode {3}run the reference chain node/,
    );
    expect(help.stdout).toMatch(
      /\n {2}sweep {5}remove what killed runs left: processes, containers, networks, volumes, temp dirs\n/,
    );
    const none = await chainlab([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('usage: chainlab <command>');
    const unknown = await chainlab(['deploy']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('chainlab: unknown command "deploy"; allowed: refnode, sweep, report\n');
  });

  test('sweep --help and a bad flag (exit 2, naming it)', async () => {
    const help = await chainlab(['help', 'sweep']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(
      /^usage: chainlab sweep \[--no-docker \| --docker\] \[--k8s \[--kubeconfig FILE\] \[--context NAME\]\] \[--json\]/,
    );
    const bad = await chainlab(['sweep', '--all']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('argv: got "--all", allowed: Unknown option \'--all\'');
  });

  test('refnode runs refnode’s CLI under its name: help and a genesis', async () => {
    const help = await chainlab(['refnode', 'genesis', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: chainlab refnode genesis --validators N --out DIR \[flags\]/);
    const out = join(work, 'chain');
    const genesis = await chainlab([
      'refnode',
      'genesis',
      '--validators',
      '2',
      '--executors',
      '1',
      '--out',
      out,
    ]);
    expect(genesis.code, genesis.stderr).toBe(0);
    expect((await entries(out)).sort()).toEqual([
      'genesis.json',
      'node-0.json',
      'node-1.json',
      'node-2.json',
      'wallets.json',
    ]);
    const usage = await chainlab(['refnode', 'genesis']);
    expect(usage.code).toBe(2);
  });

  test('sweep removes what a killed run left and leaves a live run alone', async () => {
    // A pid that is certainly dead: a process that ran and exited.
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.once('exit', resolve));
    const deadRun = `${dead.pid}-${Date.now().toString(36)}-abcdef`;
    const liveRun = newRunId();
    mkdirSync(root, { recursive: true });
    mkdirSync(join(root, deadRun, 'cluster-1'), { recursive: true });
    mkdirSync(join(root, liveRun), { recursive: true });
    const context = join(tmpdir(), `chainlab-image-${dead.pid}-test`);
    mkdirSync(context, { recursive: true });
    writeFileSync(join(context, 'Dockerfile'), 'FROM scratch\n');
    // A port the dead process had reserved (a free one: nothing else may hold it).
    const [deadPort] = await freePorts(1);
    mkdirSync(reservationsDir(), { recursive: true });
    writeFileSync(join(reservationsDir(), String(deadPort)), String(dead.pid));
    const orphan = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      env: { ...process.env, CHAINLAB_RUN: deadRun },
      stdio: 'ignore',
    });
    await eventually(async () => orphan.pid !== undefined && pidAlive(orphan.pid), 5000);

    const swept = await chainlab(['sweep', '--no-docker', '--json']);
    expect(swept.code, swept.stderr).toBe(0);
    const result = JSON.parse(swept.stdout) as {
      killed: { pid: number; runId: string }[];
      removedDirs: string[];
      removedContexts: string[];
      freedPorts: number[];
      docker: { swept: boolean; reason?: string };
    };
    expect(result.killed).toContainEqual({ pid: orphan.pid, runId: deadRun });
    expect(result.removedDirs).toContain(join(root, deadRun));
    expect(result.removedContexts).toContain(context);
    expect(result.freedPorts).toContain(deadPort);
    expect(existsSync(join(reservationsDir(), String(deadPort)))).toBe(false);
    expect(result.docker).toEqual({ swept: false, reason: 'not asked (--no-docker)' });
    expect(await eventually(async () => orphan.exitCode !== null || orphan.signalCode !== null, 5000)).toBe(
      true,
    );
    expect(orphan.signalCode).toBe('SIGKILL');
    expect(existsSync(context)).toBe(false);
    expect(await entries(root)).toEqual([liveRun]);
  });
});
