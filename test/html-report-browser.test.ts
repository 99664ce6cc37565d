/**
 * The HTML report in real headless Chromium: rendered from a recorded run (three validators
 * stopped) with fault windows of kinds the renderer has no special case for and a failed
 * judgement, it loads with no console error and no request beyond the file itself, draws
 * one series per node with the data the report computed, shades every fault window and the
 * failure window, and leaves a screenshot for CI (.chainlab/ci/html-report.png).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { writeHtmlReport } from '../src/observe/html-report/html-report.ts';
import { buildReportData } from '../src/observe/html-report/report-data.ts';
import type { ReportMeta } from '../src/observe/html-report/report-meta.ts';
import { Recording, type RecordingDump } from '../src/observe/recording.ts';
import { bandsOf, chartsOf, openReport, pageWidth, screenshot } from './browser.ts';
import { chromiumRequirement, requireIn } from './requirements.ts';

const dir = mkdtempSync(join(tmpdir(), 'chainlab-html-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The recorded run plus windows of every kind other helpers add (and one nobody knows yet). */
function recording(): Recording {
  const file = join(import.meta.dirname, 'fixtures/recordings/validators-stopped.json');
  const dump = JSON.parse(readFileSync(file, 'utf8')) as RecordingDump;
  const extra = [
    ['restart', ['exe-0'], 1000, 2500],
    ['partition', ['val-0', 'val-1'], 3000, 5000],
    ['latency', ['val-2'], 4000, 9000],
    ['clock-skew', ['val-1'], 6000, 7000],
    ['join', ['exe-0'], 9500, 10_000],
    ['brand-new-fault', ['val-0'], 10_500, 12_000],
  ] as const;
  dump.faults.push(
    ...extra.map(([kind, nodes, start, end]) => ({
      kind,
      nodes: [...nodes],
      start,
      end,
      description: `${kind}(${nodes.join(',')})`,
    })),
  );
  return Recording.fromJSON(dump);
}

const meta: ReportMeta = {
  title: 'chainlab run test/validators-stopped.test.ts',
  testFile: 'test/validators-stopped.test.ts',
  failures: [
    {
      test: 'keeps block intervals',
      matcher: 'toKeepBlockIntervals',
      message: "expected a mean block interval of 400 ms ± 25% on val-0's chain; observed ∞ <no blocks>",
      window: { from: 14_000, to: 20_000 },
      at: 20_100,
    },
  ],
  logs: [
    { node: 'val-0', href: 'val-0.log' },
    { node: 'val-1', href: 'val-1.log' },
  ],
};

describe('the HTML report in Chromium', () => {
  test('loads offline and draws nodes, fault windows and the failure window', async ({ skip }) => {
    requireIn(chromiumRequirement(), skip);
    const rec = recording();
    const file = await writeHtmlReport(rec, join(dir, 'report.html'), meta);
    const expected = buildReportData(rec, meta);
    await using report = await openReport(file);
    const { page } = report;

    expect(report.errors).toEqual([]);
    expect(report.requests).toEqual([pathToFileURL(file).href]);

    const charts = await chartsOf(page);
    const nodes = ['val-0', 'val-1', 'val-2', 'exe-0'];
    for (const id of ['height', 'final', 'production']) expect(charts[id]?.labels, id).toEqual(nodes);
    expect(charts.latency?.labels).toEqual(['p50', 'p95', 'p99', 'tx']);
    // The page draws exactly the data the report computed.
    expect(charts.final?.data).toEqual([expected.final.x, ...expected.final.series.map((s) => s.values)]);

    const bands = await bandsOf(page, 'final', 'fault-band');
    expect(bands.map((b) => b.label)).toEqual(rec.faults.map((f) => f.description));
    expect(bands.every((b) => b.width > 0)).toBe(true);
    // One colour per kind: the three stops share one, every other kind has its own.
    const colourOf = new Map(bands.map((b) => [b.kind, b.color]));
    expect(colourOf.size).toBe(7);
    expect(new Set(colourOf.values()).size).toBe(7);

    for (const id of ['height', 'final', 'production', 'latency']) {
      expect(await bandsOf(page, id, 'failure-band')).toMatchObject([
        { title: meta.failures![0]!.message, label: '✗ toKeepBlockIntervals (keeps block intervals)' },
      ]);
      expect(await bandsOf(page, id, 'fault-band')).toHaveLength(rec.faults.length);
    }
    await expect(page.locator('#failures pre').textContent()).resolves.toBe(meta.failures![0]!.message);
    await expect(page.locator('#replay').textContent()).resolves.toBe(
      "CHAINLAB_SEED=913 npx vitest run test/validators-stopped.test.ts -t 'keeps block intervals$'",
    );
    await expect(page.locator('a.log[data-node="val-1"]').getAttribute('href')).resolves.toBe('val-1.log');

    // Labels near the right edge stay inside the page (no sideways scrolling).
    expect(await pageWidth(page)).toBe(1280);
    const shot = await screenshot(page, 'html-report.png');
    expect(statSync(shot).size).toBeGreaterThan(20_000);
  }, 60_000);

  test('a recording with nothing in it still loads without errors', async ({ skip }) => {
    requireIn(chromiumRequirement(), skip);
    const rec = Recording.fromJSON({
      ...(recording().toJSON() as RecordingDump),
      nodes: [],
      blocks: [],
      finalized: [],
      samples: [],
      txs: [],
      faults: [],
      events: [],
      marks: [],
    });
    const file = await writeHtmlReport(rec, join(dir, 'empty.html'));
    await using report = await openReport(file);
    expect(report.errors).toEqual([]);
    expect(report.requests).toEqual([pathToFileURL(file).href]);
    await expect(report.page.locator('#chart-final .u-over').count()).resolves.toBe(1);
  }, 60_000);
});
