// The setup file the chainlab Vitest plugin adds to every test file: the matchers, the
// timeout hint, the seeds of the clusters a failed test ran with, and the logs, recording
// and report of the clusters a failed test started itself.
import { relative } from 'node:path';
import { beforeEach } from 'vitest';
import { openTest } from './cluster/verdict-hold.ts';
import { reportSeedsOnFailure } from './fixtures/failed-test-seeds.ts';
import { keepOwnClusters } from './fixtures/own-cluster-artifacts.ts';
import './matchers/vitest.ts';
import './fixtures/vitest-timeout-hint.ts';

beforeEach(reportSeedsOnFailure);

// A cluster the test disposes itself (`await using`) holds its logs until here, after the
// test and its afterEach hooks: kept when the test failed, removed either way.
beforeEach(({ onTestFinished }) => {
  const open = openTest();
  onTestFinished(async ({ task }) => {
    const failed = task.result?.state === 'fail';
    await open.close(
      keepOwnClusters({
        name: task.name,
        failure: failed ? (task.result?.errors?.[0]?.message ?? 'the test failed') : undefined,
        testFile: relative(process.cwd(), task.file.filepath),
      }),
    );
  });
});
