/**
 * The soak table: per file, how many runs, how many failed, the first line of each failure
 * (with its run number) and what each run left behind, under a line saying how the soak ran.
 */
import { describeLeaks, type Leaks } from './leak-probe.ts';

/** One file's one run. */
export interface RunRecord {
  file: string;
  /** 1-based. */
  run: number;
  failures: string[];
  leaks: Leaks;
  durationMs: number;
}

/** How the soak ran, for the line above the table. */
export interface SoakConditions {
  runs: number;
  busyCores: number;
  profile: string;
  /** 1-minute load average when the soak started and when it ended. */
  loadAtStart: number;
  loadAtEnd: number;
  /** Whole soak, ms. */
  durationMs: number;
  /** Set when the soak was stopped: why, and the run it stopped (not in the table). */
  stopped?: { reason: string; run: number; file: string };
}

/** A table cell: no pipes or line breaks of its own. */
const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/**
 * The Markdown table of a soak, one row per file in the order first run.
 *
 * @example
 * soakTable(records, { runs: 2, busyCores: 0, profile: 'ci', loadAtStart: 0.4, loadAtEnd: 0.9, durationMs: 61000 });
 */
export function soakTable(records: readonly RunRecord[], how: SoakConditions): string {
  const files = [...new Set(records.map((r) => r.file))];
  const rows = files.map((file) => {
    const runs = records.filter((r) => r.file === file).sort((a, b) => a.run - b.run);
    const failed = runs.filter((r) => r.failures.length > 0);
    const lines = failed.flatMap((r) => r.failures.map((f) => `run ${r.run}: ${cell(f)}`));
    const leaks = runs.map((r) => describeLeaks(r.leaks)).join(', ');
    return `| ${file} | ${runs.length} | ${failed.length} | ${lines.join('<br>')} | ${leaks} |`;
  });
  const head =
    `${how.runs} run${how.runs === 1 ? '' : 's'} of ${files.length} file${files.length === 1 ? '' : 's'}, ` +
    `${how.busyCores} core${how.busyCores === 1 ? '' : 's'} kept busy, CHAINLAB_PROFILE=${how.profile}, ` +
    `load average ${how.loadAtStart.toFixed(2)} at start and ${how.loadAtEnd.toFixed(2)} at end, ` +
    `${Math.round(how.durationMs / 1000)} s in all` +
    (how.stopped
      ? `; stopped by ${how.stopped.reason} at run ${how.stopped.run} of ${how.stopped.file}, which is not in the table`
      : '');
  return [
    head,
    '',
    '| file | runs | failures | first line of each failure | leaks after each run |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

/** True when no run failed and none left anything behind. */
export function soakPassed(records: readonly RunRecord[]): boolean {
  return records.every((r) => r.failures.length === 0 && describeLeaks(r.leaks) === 'none');
}
