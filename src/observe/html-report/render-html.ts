/**
 * The report as one self-contained HTML file: uPlot (script and styles, read from
 * node_modules at render time), the page script and styles, and the report data, all
 * inline. A Content-Security-Policy forbids every fetch, so the file opens from disk, from a
 * CI artifact or an attachment, and never reaches the network.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { FailureBand, ReportData } from './report-data.ts';

interface Assets {
  uplotJs: string;
  uplotCss: string;
  clientJs: string;
  css: string;
}

let assets: Promise<Assets> | undefined;

/** Reads the inlined assets once per process. */
function loadAssets(): Promise<Assets> {
  assets ??= (async () => {
    const require = createRequire(import.meta.url);
    const [uplotJs, uplotCss, clientJs, css] = await Promise.all([
      readFile(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      readFile(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
      readFile(join(import.meta.dirname, 'client.js'), 'utf8'),
      readFile(join(import.meta.dirname, 'report.css'), 'utf8'),
    ]);
    return { uplotJs, uplotCss, clientJs, css };
  })();
  return assets;
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** JSON safe inside a `<script>` element (no `</script>`, no `<!--`). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll('<', '\\u003c')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

/** Inline script text must not close its element. */
function scriptText(js: string): string {
  return js.replaceAll('</script', '<\\/script');
}

const t = (s: number): string => `t=${s.toFixed(1)}s`;
const num = (v: number | undefined): string => (v === undefined ? '–' : `${v.toFixed(2)}s`);

function failureSection(failures: readonly FailureBand[]): string {
  if (failures.length === 0) return '';
  const items = failures.map((f, i) => {
    const what = [f.matcher ?? 'test failed', f.test === undefined ? '' : `in “${f.test}”`]
      .filter((x) => x !== '')
      .join(' ');
    return `<article class="failure" id="failure-${i}">
  <h3>${escapeHtml(what)}: window ${t(f.from)}..${t(f.to)} (noticed at ${t(f.at)})</h3>
  <pre>${escapeHtml(f.message)}</pre>
</article>`;
  });
  return `<section class="failures" id="failures"><h2>${failures.length === 1 ? 'Failure' : `${failures.length} failures`}</h2>
${items.join('\n')}
</section>`;
}

function faultLegend(d: ReportData): string {
  const kinds = d.faultKinds.map(
    (k) =>
      `<li data-kind="${escapeHtml(k.kind)}"><span class="swatch" style="background:${escapeHtml(k.color)}"></span>${escapeHtml(k.kind)}</li>`,
  );
  if (d.failures.length > 0) kinds.push('<li><span class="swatch failure"></span>failed judgement</li>');
  if (d.marks.length > 0) kinds.push('<li>┆ mark (test start, …)</li>');
  return kinds.length === 0 ? '' : `<ul class="legend-kinds">${kinds.join('')}</ul>`;
}

function chartSection(id: string, title: string, note: string, legend: string): string {
  return `<section class="chart" id="chart-${id}">
  <h2>${escapeHtml(title)}</h2>
  <p class="note">${escapeHtml(note)}</p>${legend}
  <div class="plot"></div>
</section>`;
}

function table(
  head: readonly string[],
  rows: readonly string[][],
  numeric: ReadonlySet<number> = new Set(),
): string {
  if (rows.length === 0) return '<p class="empty">none</p>';
  const th = head.map((h, i) => `<th${numeric.has(i) ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map(
      (r) => `<tr>${r.map((c, i) => `<td${numeric.has(i) ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function nodesTable(d: ReportData): string {
  return table(
    ['node', 'role', 'since', 'left', 'last sample', 'height', 'final', 'tip', 'peers', 'mempool', 'log'],
    d.nodes.map((n) => [
      `<span class="dot" style="background:${escapeHtml(n.color)}"></span>${escapeHtml(n.name)}`,
      escapeHtml(n.role),
      t(n.since),
      n.leftAt === undefined ? '' : t(n.leftAt),
      n.last ? t(n.last.at) : 'never answered',
      n.last ? String(n.last.height) : '',
      n.last ? String(n.last.final) : '',
      n.last ? `<code>${escapeHtml(n.last.tip)}</code>` : '',
      n.last ? String(n.last.peers) : '',
      n.last?.mempool === undefined ? '' : String(n.last.mempool),
      n.log === undefined
        ? '<span class="empty">no log</span>'
        : `<a class="log" data-node="${escapeHtml(n.name)}" href="${escapeHtml(n.log)}">${escapeHtml(n.log)}</a>`,
    ]),
    new Set([5, 6, 8, 9]),
  );
}

function txSection(d: ReportData): string {
  const x = d.latency.txs;
  const s = d.latency.summary;
  const shown = d.latency.points.x.length;
  return `<p>${x.submitted} submitted: ${x.accepted} accepted, ${x.rejected} rejected, ${x.failed} failed to send; ${x.included} included, ${x.final} final.</p>
${table(
  ['included', 'p50', 'p90', 'p95', 'p99', 'max'],
  [[String(s.count), num(s.p50), num(s.p90), num(s.p95), num(s.p99), num(s.max)]],
  new Set([0, 1, 2, 3, 4, 5]),
)}
<p class="note">Submit-to-inclusion latency: first time a block carrying the tx was seen on some node's best chain.${
    shown < s.count
      ? ` The chart draws ${shown} of ${s.count} txs (evenly thinned); percentiles use all.`
      : ''
  }</p>`;
}

function faultsTable(d: ReportData): string {
  return table(
    ['kind', 'nodes', 'from', 'to', 'step'],
    d.faults.map((f) => [
      escapeHtml(f.kind),
      escapeHtml(f.nodes.join(', ')),
      t(f.from),
      f.open ? 'still active' : t(f.to),
      `<code>${escapeHtml(f.description)}</code>`,
    ]),
  );
}

function page(d: ReportData, a: Assets): string {
  const c = d.chain;
  const facts = [
    `seed ${d.seed}`,
    `chain ${c.chainId}`,
    c.description,
    `${d.nodes.length} nodes`,
    `recorded ${d.end.toFixed(1)}s from ${d.startedAt}`,
    ...(d.deployer === undefined ? [] : [`deployer ${d.deployer}`]),
    ...(d.runId === undefined ? [] : [`run ${d.runId}`]),
  ];
  const legend = faultLegend(d);
  const bucket = (s: number): string => `${s}s`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<link rel="icon" href="data:,">
<title>${escapeHtml(d.title)}</title>
<style>${a.uplotCss}</style>
<style>${a.css}</style>
</head>
<body>
<header>
  <h1>${escapeHtml(d.title)}</h1>
  <p class="facts">${facts.map(escapeHtml).join(' · ')}</p>
  <div class="replay"><pre><code id="replay">${escapeHtml(d.replay)}</code></pre></div>
</header>
${failureSection(d.failures)}
${chartSection('height', 'Tip height per node', 'Each node’s best-chain height (block feed and samples); a gap means the node did not answer.', legend)}
${chartSection('final', 'Final height per node', 'The highest final height each node reported; flat while the others climb means it stopped finalizing.', legend)}
${chartSection('production', 'Blocks per node', `New blocks each node added to its chain per ${bucket(d.production.bucketSeconds)} (from its block feed).`, legend)}
${d.clock ? chartSection('clock', 'Clock offset per node', 'Each node’s wall clock minus the observer’s (ms) at each sample, measured at the middle of the request; clock-skew windows show the offsets applied.', legend) : ''}
${chartSection('latency', 'Transaction latency', `Submit-to-inclusion time of each tx by submission time, with p50/p95/p99 per ${bucket(d.latency.bucketSeconds)}.`, legend)}
<section id="transactions"><h2>Transactions</h2>${txSection(d)}</section>
<section id="nodes"><h2>Nodes</h2>${nodesTable(d)}</section>
<section id="faults"><h2>Fault windows</h2>${faultsTable(d)}</section>
<section id="proposers"><h2>Blocks per proposer</h2>${table(
    ['proposer', 'blocks'],
    d.proposers.map((p) => [`<code>${escapeHtml(p.proposer)}</code>`, String(p.blocks)]),
    new Set([1]),
  )}</section>
<section id="marks"><h2>Marks</h2>${table(
    ['at', 'label', 'detail'],
    d.marks.map((m) => [t(m.at), escapeHtml(m.label), escapeHtml(m.detail ?? '')]),
  )}</section>
<section id="events"><h2>Node events</h2>${table(
    ['at', 'node', 'event', 'detail'],
    d.events.map((e) => [t(e.at), escapeHtml(e.node), escapeHtml(e.event), escapeHtml(e.detail ?? '')]),
  )}</section>
<p class="facts">generated ${escapeHtml(d.generatedAt)} by chainlab</p>
<script id="chainlab-report-data" type="application/json">${scriptJson(d)}</script>
<script>${scriptText(a.uplotJs)}</script>
<script>${scriptText(a.clientJs)}</script>
</body>
</html>
`;
}

/**
 * The HTML page of a report.
 *
 * @example
 * const html = await renderHtml(buildReportData(recording, meta));
 * await writeFile('report.html', html);
 */
export async function renderHtml(data: ReportData): Promise<string> {
  return page(data, await loadAssets());
}
