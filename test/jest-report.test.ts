/**
 * The Jest path keeps the same files as the Vitest fixture: when a chainlab matcher fails,
 * useCluster keeps the run's logs, recording and HTML report at once and the failure message
 * names the report. Run here under vitest with its hooks installed as Jest's globals.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import '../src/matchers/vitest.ts';

const artifacts = mkdtempSync(join(tmpdir(), 'chainlab-jest-report-'));
const before = process.env.CHAINLAB_ARTIFACTS;
process.env.CHAINLAB_ARTIFACTS = artifacts;

Object.assign(globalThis, { beforeAll, afterAll, beforeEach, afterEach, expect });
const { useCluster } = await import('../src/fixtures/jest.ts');

let report = '';

describe('useCluster and failed judgements', () => {
  const env = useCluster({ validators: 2, wallets: 2 });

  test('a failed matcher keeps logs, recording and report and names the report', async () => {
    // A healthy cluster converges, so `.not.toConverge` fails.
    const error = await expect(env.cluster)
      .not.toConverge({ within: 3000 })
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    const named = /\nchainlab report: (\S+report\.html) \(logs and recording beside it\)$/.exec(
      error?.message ?? '',
    );
    expect(named, error?.message).not.toBeNull();
    report = named![1]!;
    expect(report.startsWith(join(artifacts, env.cluster.runId))).toBe(true);
    const dir = dirname(report);
    expect(readdirSync(dir).sort()).toEqual([
      'README.txt',
      'recording.json',
      'report-meta.json',
      'report.html',
      'val-0.log',
      'val-1.log',
    ]);
    const meta = JSON.parse(readFileSync(join(dir, 'report-meta.json'), 'utf8'));
    expect(meta.failures).toMatchObject([
      { matcher: 'toConverge', test: expect.stringContaining('a failed matcher keeps logs') },
    ]);
    expect(readFileSync(report, 'utf8')).toContain('toConverge');
  });
});

afterAll(() => {
  // Registered after useCluster's afterAll: the file-end refresh left the files in place.
  expect(existsSync(report)).toBe(true);
  rmSync(artifacts, { recursive: true, force: true });
  if (before === undefined) delete process.env.CHAINLAB_ARTIFACTS;
  else process.env.CHAINLAB_ARTIFACTS = before;
});
