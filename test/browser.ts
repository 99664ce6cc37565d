/**
 * Real headless Chromium for the report tests (Debian's `chromium`, driven by
 * playwright-core): opens a report file and records what the page logged and requested.
 * A test that opens one first calls `requireIn(chromiumRequirement(), skip)`
 * (test/requirements.ts): skipped with the reason locally, a failure in CI.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { ReportData } from '../src/observe/html-report/report-data.ts';
import { chromiumPath } from './requirements.ts';

/** Where CI picks up screenshots and JUnit (`.ci/run` prints it). */
export const ciArtifactsDir = join(import.meta.dirname, '..', '.chainlab', 'ci');

/** Flags that keep Chromium off the network and quiet in a container. */
const flags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** An opened report and what the page did. */
export interface OpenedReport extends AsyncDisposable {
  page: Page;
  /** Console messages of type error and uncaught page errors. */
  errors: string[];
  /** Every URL the page requested (the report itself included). */
  requests: string[];
}

/** Opens `file` in a fresh headless Chromium and waits until the page script finished. */
export async function openReport(file: string): Promise<OpenedReport> {
  const browser: Browser = await chromium.launch({
    executablePath: chromiumPath,
    args: flags,
    headless: true,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('html[data-ready="true"]', { timeout: 15_000 });
    return { page, errors, requests, [Symbol.asyncDispose]: () => browser.close() };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/** Writes a full-page screenshot into the CI artifacts dir; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ciArtifactsDir, { recursive: true });
  const path = join(ciArtifactsDir, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** What the tests read in the page (this project compiles without the DOM lib). */
interface ReportWindow {
  chainlabReport: {
    data: ReportData;
    charts: Record<string, { series: { label: string }[]; data: (number | null)[][] }>;
  };
  document: { documentElement: { scrollWidth: number } };
}

/** Each chart as drawn: its series labels (without the x series) and its data columns. */
export function chartsOf(
  page: Page,
): Promise<Record<string, { labels: string[]; data: (number | null)[][] }>> {
  return page.evaluate(() => {
    const w = globalThis as unknown as ReportWindow;
    return Object.fromEntries(
      Object.entries(w.chainlabReport.charts).map(([id, u]) => [
        id,
        { labels: u.series.slice(1).map((s) => s.label), data: u.data },
      ]),
    );
  });
}

/** The report data the page embeds. */
export function reportDataOf(page: Page): Promise<ReportData> {
  return page.evaluate(() => (globalThis as unknown as ReportWindow).chainlabReport.data);
}

/** The page's scroll width (wider than the viewport means sideways scrolling). */
export function pageWidth(page: Page): Promise<number> {
  return page.evaluate(() => (globalThis as unknown as ReportWindow).document.documentElement.scrollWidth);
}

/** The window overlays (`.fault-band`, `.failure-band`, …) of one chart. */
export function bandsOf(
  page: Page,
  chart: string,
  kind: 'fault-band' | 'failure-band' | 'mark-band',
): Promise<
  { kind: string | null; nodes: string | null; label: string; title: string; width: number; color: string }[]
> {
  return page.locator(`#chart-${chart} .${kind}`).evaluateAll((els) =>
    els.map((el) => ({
      kind: el.getAttribute('data-kind'),
      nodes: el.getAttribute('data-nodes'),
      label: el.querySelector('.band-label')?.textContent ?? '',
      title: el.getAttribute('title') ?? '',
      width: (el as unknown as { offsetWidth: number }).offsetWidth,
      color: el.ownerDocument.defaultView!.getComputedStyle(el).backgroundColor,
    })),
  );
}
