/**
 * Reports of real runs, end to end: a child `vitest run` of a failing cluster test
 * (test/fixtures/no-sync-report.case.ts: a validator and an executor with refnode's
 * `--bug no-sync` restarted after the others finalized past them) attaches the report,
 * recording and node logs with `context.annotate` (the default reporter lists them, the JUnit
 * reporter carries them), keeps them in the artifact dir, and the report shows the executor
 * flat while the others climb. `CHAINLAB_REPORT=always` keeps a passing file's report; a bad
 * value fails the file before anything starts.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { bandsOf, chartsOf, openReport, reportDataOf, screenshot } from './browser.ts';
import { chromiumRequirement, requireIn } from './requirements.ts';

const repo = join(import.meta.dirname, '..');
const vitestBin = join(repo, 'node_modules', 'vitest', 'vitest.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'chainlab-report-run-'));
let keep = false;
afterAll(() => {
  // A failed test leaves the child runs' output and artifacts for reading.
  if (keep) process.stderr.write(`html-report-run: child runs kept in ${tmp}\n`);
  else rmSync(tmp, { recursive: true, force: true });
});
afterEach(({ task }) => {
  if (task.result?.state === 'fail') keep = true;
});

/** Runs one case file in a child vitest with the default and JUnit reporters. */
async function runCase(
  file: string,
  name: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string; artifacts: string; junit: string; attachments: string }> {
  const out = join(tmp, name);
  const paths = {
    artifacts: join(out, 'artifacts'),
    junit: join(out, 'junit.xml'),
    attachments: join(out, 'attachments'),
  };
  const child = spawn(
    process.execPath,
    [
      vitestBin,
      'run',
      '--config',
      'test/fixtures/vitest.config.ts',
      file,
      '--reporter=default',
      '--reporter=junit',
      `--outputFile.junit=${paths.junit}`,
      `--attachmentsDir=${paths.attachments}`,
    ],
    {
      cwd: repo,
      env: { ...process.env, CHAINLAB_ARTIFACTS: paths.artifacts, NO_COLOR: '1', FORCE_COLOR: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { code, output, ...paths };
}

/** The one cluster dir a run kept (`<artifacts>/<runId>/<cluster>`). */
function keptDir(artifacts: string): string {
  const [run] = readdirSync(artifacts);
  const [cluster] = readdirSync(join(artifacts, run!));
  return join(artifacts, run!, cluster!);
}

describe('reports of real runs', () => {
  test('a failed judgement attaches report, recording and logs; the report shows the stalled node flat', async ({
    skip,
  }) => {
    requireIn(chromiumRequirement(), skip);
    const run = await runCase('no-sync-report.case.ts', 'no-sync');
    expect(run.code, run.output).toBe(1);
    expect(run.output).toContain('Error: expected all 4 nodes to agree on the final block');
    const dir = keptDir(run.artifacts);
    const report = join(dir, 'report.html');

    // Kept beside each other, and named in the failure message.
    expect(readdirSync(dir).sort()).toEqual([
      'README.txt',
      'exe-0.log',
      'recording.json',
      'report-meta.json',
      'report.html',
      'val-0.log',
      'val-1.log',
      'val-2.log',
    ]);
    expect(run.output).toContain(`chainlab report: ${report} (logs and recording beside it)`);

    // The default reporter lists the annotations under the failure.
    expect(run.output).toContain(`chainlab:report\n   ↳ HTML report: ${report}`);
    expect(run.output).toContain(`chainlab:recording\n   ↳ recording: ${join(dir, 'recording.json')}`);
    for (const node of ['val-0', 'val-1', 'val-2', 'exe-0'])
      expect(run.output).toContain(`↳ log of ${node}: ${join(dir, `${node}.log`)}`);
    expect(run.output).toMatch(
      /chainlab:replay\n {3}↳ replay: CHAINLAB_SEED=\d+ npx vitest run test\/fixtures\/no-sync-report\.case\.ts -t 'nodes that cannot sync stay behind after a restart\$'\n/,
    );

    // JUnit carries them as properties; Vitest copied each attached file.
    const junit = readFileSync(run.junit, 'utf8');
    expect(junit).toContain(`<property name="chainlab:report" value="HTML report: ${report}">`);
    expect(junit.match(/<property name="chainlab:log" /g)).toHaveLength(4);
    expect(
      readdirSync(run.attachments)
        .map((f) => f.split('.').at(-1))
        .sort(),
    ).toEqual(['html', 'json', 'log', 'log', 'log', 'log']);

    const meta = JSON.parse(readFileSync(join(dir, 'report-meta.json'), 'utf8'));
    expect(meta.failures).toMatchObject([
      { matcher: 'toConverge', test: 'nodes that cannot sync stay behind after a restart' },
    ]);

    await using page = await openReport(report);
    expect(page.errors).toEqual([]);
    expect(page.requests).toEqual([pathToFileURL(report).href]);
    const charts = await chartsOf(page.page);
    const data = await reportDataOf(page.page);
    expect(charts.final?.labels).toEqual(['val-0', 'val-1', 'val-2', 'exe-0']);
    expect((await bandsOf(page.page, 'final', 'fault-band')).map((b) => b.nodes).sort()).toEqual([
      'exe-0',
      'val-2',
    ]);
    expect(await bandsOf(page.page, 'final', 'failure-band')).toMatchObject([
      { label: '✗ toConverge (nodes that cannot sync stay behind after a restart)' },
    ]);
    // From the restart (the end of the stop windows) on: exe-0 stays flat, the others climb.
    const restartedAt = Math.max(...data.faults.map((f) => f.to));
    const [x, ...series] = charts.final!.data as [number[], ...(number | null)[][]];
    const sinceRestart = (i: number): number[] =>
      series[i]!.filter((v, j): v is number => v !== null && x[j]! >= restartedAt);
    const rise = (i: number): number => Math.max(...sinceRestart(i)) - Math.min(...sinceRestart(i));
    expect(sinceRestart(3).length).toBeGreaterThan(3);
    expect(rise(3), 'exe-0 (no-sync executor) stays flat').toBe(0);
    expect(rise(0), 'val-0 climbs').toBeGreaterThanOrEqual(5);
    expect(rise(1), 'val-1 climbs').toBeGreaterThanOrEqual(5);
    // The no-sync validator builds its own branch: it ends far below the others.
    const last = (i: number): number => sinceRestart(i).at(-1)!;
    expect(last(0) - last(2), 'val-2 trails val-0').toBeGreaterThan(4);
    await screenshot(page.page, 'html-report-no-sync.png');
  }, 240_000);

  test('CHAINLAB_REPORT=always keeps the report of a passing file', async () => {
    const run = await runCase('passing.case.ts', 'always', { CHAINLAB_REPORT: 'always' });
    expect(run.code, run.output).toBe(0);
    const dir = keptDir(run.artifacts);
    expect(run.output).toContain(`chainlab: run report kept in ${dir} (report: ${join(dir, 'report.html')})`);
    const meta = JSON.parse(readFileSync(join(dir, 'report-meta.json'), 'utf8'));
    expect(meta).toMatchObject({ testFile: 'test/fixtures/passing.case.ts', failures: [] });
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain(
      '<title>chainlab run test/fixtures/passing.case.ts</title>',
    );
  }, 180_000);

  test('a bad CHAINLAB_REPORT fails the file before a cluster starts', async () => {
    const run = await runCase('passing.case.ts', 'bad-mode', { CHAINLAB_REPORT: 'sometimes' });
    expect(run.code).toBe(1);
    expect(run.output).toContain(
      `CHAINLAB_REPORT: got "sometimes", allowed: 'on-failure' (the default: when a test fails) or 'always'`,
    );
    expect(readdirSync(tmp)).toContain('bad-mode');
    expect(() => readdirSync(run.artifacts)).toThrow(/ENOENT/);
  }, 60_000);
});
