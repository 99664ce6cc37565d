// The setup file the chainlab Vitest plugin adds to every test file: the matchers, the
// timeout hint, and the seeds of the clusters a failed test ran with.
import { beforeEach } from 'vitest';
import { reportSeedsOnFailure } from './fixtures/failed-test-seeds.ts';
import './matchers/vitest.ts';
import './fixtures/vitest-timeout-hint.ts';

beforeEach(reportSeedsOnFailure);
