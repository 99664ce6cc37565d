/**
 * A recording as a self-contained HTML report: per-node tip and final height over time,
 * blocks per node, tx latency with percentiles, fault windows shaded by kind, failing
 * judgements highlighted with their messages, the seed and the replay command, links to
 * node logs. One file, no network access; it opens from disk.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Recording } from '../recording.ts';
import { renderHtml } from './render-html.ts';
import { buildReportData, type ReportDataOptions } from './report-data.ts';
import type { ReportMeta } from './report-meta.ts';

/**
 * The report page for a recording.
 *
 * @example
 * const html = await renderHtmlReport(cluster.recording, { testFile: 'examples/chaos.test.ts' });
 */
export async function renderHtmlReport(
  rec: Recording,
  meta: ReportMeta = {},
  opts: ReportDataOptions = {},
): Promise<string> {
  return renderHtml(buildReportData(rec, meta, opts));
}

/**
 * Writes the report page to `file` (creating its dir); returns the path. Log links in
 * `meta.logs` are relative to the file.
 *
 * @example
 * await writeHtmlReport(Recording.fromJSON(dump), 'out/report.html', { failures });
 */
export async function writeHtmlReport(
  rec: Recording,
  file: string,
  meta: ReportMeta = {},
  opts: ReportDataOptions = {},
): Promise<string> {
  const html = await renderHtmlReport(rec, meta, opts);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, html);
  return file;
}
