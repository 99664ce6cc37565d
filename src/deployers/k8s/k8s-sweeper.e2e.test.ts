/**
 * Cleanup after a killed run, against the test API server: the sweeper deletes the
 * namespaces of dead runs and keeps a live run's; the run guard deletes a run's namespaces
 * when its parent goes away (stdin closed, as on SIGKILL) or at once with `--now`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeApiServer } from '../../../test/fixtures/k8s/fake-api-server.ts';
import { runSweepCommand } from '../../cli/sweep-command.ts';
import { newRunId } from '../../cluster/cleanup/run.ts';
import { systemClock } from '../../support/clock.ts';
import { K8sApi, loadKubeConfig } from './k8s-api.ts';
import { k8sLabels } from './k8s-labels.ts';
import { removeK8sRun, sweepDeadK8sRuns } from './k8s-sweeper.ts';

const guardScript = fileURLToPath(new URL('./k8s-run-guard.mjs', import.meta.url));

describe('k8s sweeper and run guard', () => {
  let server: FakeApiServer;
  let dir = '';
  let kubeconfig = '';
  let api: K8sApi;

  const seedNamespace = (name: string, labels: Record<string, string>) =>
    server.seed('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

  const namespaces = () =>
    server
      .list('namespaces')
      .filter((n) => n.metadata.deletionTimestamp === undefined)
      .map((n) => n.metadata.name)
      .sort();

  async function until(what: string, probe: () => boolean): Promise<void> {
    const deadline = systemClock.monotonic() + 10_000;
    while (!probe()) {
      if (systemClock.monotonic() > deadline) throw new Error(`not within 10 s: ${what}`);
      await systemClock.sleep(50);
    }
  }

  beforeAll(async () => {
    server = await FakeApiServer.start();
    dir = await mkdtemp(join(tmpdir(), 'chainlab-k8s-sweep-'));
    kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, server.kubeconfig());
    api = new K8sApi(loadKubeConfig({ kubeconfig, context: undefined }));
  });

  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("deletes a dead run's namespace and keeps a live run's and a foreign one", async () => {
    const live = newRunId();
    const dead = newRunId(999_999);
    seedNamespace('ns-live', k8sLabels(live, 'namespace'));
    // a run whose owner pid is gone on this host
    seedNamespace('ns-dead', { ...k8sLabels(dead, 'namespace'), 'chainlab.pid': '999999' });
    // not chainlab's at all
    seedNamespace('ns-other', { team: 'payments' });
    const report = await sweepDeadK8sRuns(api);
    expect(report).toEqual({ runs: [dead], namespaces: ['ns-dead'] });
    await until('ns-dead is gone', () => !namespaces().includes('ns-dead'));
    expect(namespaces()).toEqual(['ns-live', 'ns-other']);
    await removeK8sRun(api, live);
    await until('ns-live is gone', () => !namespaces().includes('ns-live'));
  });

  it('`chainlab sweep --k8s` sweeps through a kubeconfig, and --context needs --k8s', async () => {
    const dead = newRunId(999_998);
    seedNamespace('ns-cli-dead', { ...k8sLabels(dead, 'namespace'), 'chainlab.pid': '999998' });
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
    let code: number;
    try {
      code = await runSweepCommand(['--no-docker', '--k8s', '--kubeconfig', kubeconfig, '--json']);
    } finally {
      process.stdout.write = write;
    }
    expect(code).toBe(0);
    expect(JSON.parse(out.join('')).k8s).toEqual({ runs: [dead], namespaces: ['ns-cli-dead'] });
    await until('ns-cli-dead is gone', () => !namespaces().includes('ns-cli-dead'));
    await expect(runSweepCommand(['--context', 'kind-kind'])).rejects.toThrow(
      /--kubeconfig\/--context.*only with --k8s/s,
    );
    await expect(
      runSweepCommand(['--no-docker', '--k8s', '--kubeconfig', kubeconfig, '--context', 'nope']),
    ).rejects.toThrow(/k8s\.context.*nope/s);
  });

  it("leaves another host's run alone until it is older than the foreign age limit", async () => {
    const run = newRunId();
    seedNamespace('ns-elsewhere', { ...k8sLabels(run, 'namespace'), 'chainlab.host': 'ci-runner-7' });
    expect((await sweepDeadK8sRuns(api)).namespaces).toEqual([]);
    expect((await sweepDeadK8sRuns(api, { foreignMaxAgeMs: -1 })).namespaces).toEqual(['ns-elsewhere']);
  });

  it('the run guard deletes the run’s namespaces once its parent is gone', async () => {
    const run = newRunId();
    seedNamespace('ns-guarded-a', k8sLabels(run, 'namespace'));
    seedNamespace('ns-guarded-b', k8sLabels(run, 'namespace'));
    const guard = spawn(process.execPath, [guardScript, run, kubeconfig, 'fake'], {
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    await systemClock.sleep(300);
    expect(namespaces()).toContain('ns-guarded-a');
    // the parent's end of the pipe closes: what SIGKILL of the parent does
    guard.stdin!.end();
    const [code] = await once(guard, 'exit');
    expect(code).toBe(0);
    await until('both are gone', () => !namespaces().some((n) => n.startsWith('ns-guarded')));
  });

  it('the run guard deletes at once with --now (the exit hook’s last resort)', async () => {
    const run = newRunId();
    seedNamespace('ns-now', k8sLabels(run, 'namespace'));
    const guard = spawn(process.execPath, [guardScript, '--now', run, kubeconfig, ''], { stdio: 'ignore' });
    const [code] = await once(guard, 'exit');
    expect(code).toBe(0);
    await until('ns-now is gone', () => !namespaces().includes('ns-now'));
  });
});
