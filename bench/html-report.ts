/**
 * What an HTML report costs: time to render one from a kept recording (load the JSON, build
 * the chart data, write the page) and the page's size, plus how long headless Chromium takes
 * to draw it. Medians over `--rounds`, in one process after one warm-up render.
 *
 *   npx node bench/html-report.ts --recording /tmp/chainlab-30min/recording.json
 *   npx node bench/html-report.ts --simulate-minutes 30      # a synthetic 6-node recording instead
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { renderHtml } from '../src/observe/html-report/render-html.ts';
import { buildReportData } from '../src/observe/html-report/report-data.ts';
import { Recording } from '../src/observe/recording.ts';
import { simulateHistory } from '../test/fixtures/simulated-history.ts';

const { values } = parseArgs({
  options: {
    recording: { type: 'string' },
    'simulate-minutes': { type: 'string' },
    rounds: { type: 'string', default: '5' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});
const rounds = Number(values.rounds);
const dir = await mkdtemp(join(tmpdir(), 'chainlab-bench-report-'));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (t0: number): number => performance.now() - t0;

async function load(): Promise<{ rec: Recording; jsonBytes: number; loadMs: number }> {
  if (values.recording) {
    const t0 = performance.now();
    const text = await readFile(values.recording, 'utf8');
    const rec = Recording.fromJSON(text);
    return { rec, jsonBytes: Buffer.byteLength(text), loadMs: ms(t0) };
  }
  const minutes = Number(values['simulate-minutes'] ?? '30');
  const rec = simulateHistory({
    durationMs: minutes * 60_000,
    txsPerBlock: 4,
    nodes: ['val-0', 'val-1', 'val-2', 'val-3', 'exe-0', 'exe-1'].map((name) => ({
      name,
      ...(name.startsWith('exe') ? { role: 'executor' as const } : {}),
    })),
  });
  return { rec, jsonBytes: Buffer.byteLength(JSON.stringify(rec)), loadMs: Number.NaN };
}

try {
  const file = join(dir, 'report.html');
  let first = await load();
  await writeFile(file, await renderHtml(buildReportData(first.rec))); // warm-up (asset reads, JIT)
  const loads: number[] = [];
  const builds: number[] = [];
  const renders: number[] = [];
  const totals: number[] = [];
  // Round 0 reuses the first load; later rounds load the file again.
  for (let i = 0; i < rounds; i++) {
    const loaded = i === 0 ? first : await load();
    const t1 = performance.now();
    const data = buildReportData(loaded.rec);
    const t2 = performance.now();
    await writeFile(file, await renderHtml(data));
    const t3 = performance.now();
    loads.push(loaded.loadMs);
    builds.push(t2 - t1);
    renders.push(t3 - t2);
    totals.push((Number.isNaN(loaded.loadMs) ? 0 : loaded.loadMs) + (t3 - t1));
    first = loaded;
  }
  const rec = first.rec;
  const data = buildReportData(rec);
  const size = (await stat(file)).size;

  let drawMs: number | undefined;
  try {
    const browser = await chromium.launch({
      executablePath: values.chromium,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--no-first-run',
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const draws: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('html[data-ready="true"]');
      draws.push(ms(t0));
    }
    drawMs = median(draws);
    await browser.close();
  } catch (error) {
    console.error(`no browser timing: ${(error as Error).message.split('\n')[0]}`);
  }

  console.log(
    JSON.stringify({
      source: values.recording ?? `simulated ${values['simulate-minutes'] ?? '30'} min`,
      recordedSeconds: Math.round(rec.now() / 1000),
      nodes: rec.nodes().length,
      blocks: rec.blocks.length,
      samples: rec.samples.length,
      txs: rec.txs.size,
      faults: rec.faults.length,
      recordingBytes: first.jsonBytes,
      chartPoints: data.height.x.length,
      txPoints: data.latency.points.x.length,
      medianLoadMs: Math.round(median(loads)),
      medianBuildMs: Math.round(median(builds)),
      medianRenderMs: Math.round(median(renders)),
      medianTotalMs: Math.round(median(totals)),
      reportBytes: size,
      chromiumDrawMs: drawMs === undefined ? undefined : Math.round(drawMs),
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
