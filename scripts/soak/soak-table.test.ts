import { describe, expect, test } from 'vitest';
import type { Leaks } from './leak-probe.ts';
import { type RunRecord, soakPassed, soakTable } from './soak-table.ts';

const none: Leaks = { processes: [], dirs: [], containers: [], networks: [], volumes: [] };
const record = (
  file: string,
  run: number,
  failures: string[] = [],
  leaks: Partial<Leaks> = {},
): RunRecord => ({
  file,
  run,
  failures,
  leaks: { ...none, ...leaks },
  durationMs: 1000,
});

const how = { runs: 2, busyCores: 1, profile: 'ci', loadAtStart: 0.5, loadAtEnd: 1.25, durationMs: 61_400 };

describe('soakTable', () => {
  test('one row per file: runs, failed runs, each failure with its run, what each run left', () => {
    const records = [
      record('examples/a.test.ts', 1),
      record('examples/b.test.ts', 1, ['b > x: expected 1 | 2', 'b > y: timed out']),
      record('examples/a.test.ts', 2, [], { processes: [41], dirs: ['r1', 'r2'] }),
      record('examples/b.test.ts', 2, [], { containers: ['c'], networks: ['n'], volumes: ['v'] }),
    ];
    expect(soakTable(records, how)).toBe(
      [
        '2 runs of 2 files, 1 core kept busy, CHAINLAB_PROFILE=ci, load average 0.50 at start and 1.25 at end, 61 s in all',
        '',
        '| file | runs | failures | first line of each failure | leaks after each run |',
        '|---|---|---|---|---|',
        '| examples/a.test.ts | 2 | 0 |  | none, 1 process, 2 dirs |',
        '| examples/b.test.ts | 2 | 1 | run 1: b > x: expected 1 \\| 2<br>run 1: b > y: timed out | none, 1 container, 1 network, 1 volume |',
        '',
      ].join('\n'),
    );
    expect(soakPassed(records)).toBe(false);
  });

  test('a stopped soak says so above the table: why, and the run it stopped', () => {
    const stopped = { reason: 'SIGINT', run: 2, file: 'examples/b.test.ts' };
    const head = soakTable([record('examples/a.test.ts', 1)], { ...how, stopped }).split('\n')[0];
    expect(head).toBe(
      '2 runs of 1 file, 1 core kept busy, CHAINLAB_PROFILE=ci, load average 0.50 at start and 1.25 at end, 61 s in all; ' +
        'stopped by SIGINT at run 2 of examples/b.test.ts, which is not in the table',
    );
  });

  test('a soak passes only when no run failed and none left anything', () => {
    expect(soakPassed([record('a', 1), record('a', 2)])).toBe(true);
    expect(soakPassed([record('a', 1), record('a', 2, ['x'])])).toBe(false);
    expect(soakPassed([record('a', 1, [], { dirs: ['d'] })])).toBe(false);
  });
});
