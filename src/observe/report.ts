/**
 * Readable summaries of a recording: a run report (per-node final heights over time,
 * faults as steps, node events, tx inclusion stats) for failure files, and a one-line
 * timeline of a node for failure messages.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where failure reports go: `CHAINLAB_ARTIFACTS` (default `<cwd>/.chainlab/artifacts`,
 * `0` or `false` turns it off) — the same root the fixtures keep a failed run's logs in,
 * outside the run dir (which is always removed).
 */
export function reportsRoot(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = env.CHAINLAB_ARTIFACTS;
  if (v === '0' || v === 'false') return undefined;
  return v && v !== '' ? v : join(process.cwd(), '.chainlab', 'artifacts');
}

import { describeChain } from '../adapter/facets.ts';
import { writeHtmlReport } from './html-report/html-report.ts';
import type { ReportFailure } from './html-report/report-meta.ts';
import type { Recording } from './recording.ts';

/** Options of `renderReport`. */
export interface ReportOptions {
  /** Start of the span shown (recording ms). Default 0. */
  from?: number;
  /** End of the span shown. Default `recording.now()`. */
  to?: number;
  /** Columns of the height table. Default 10. */
  columns?: number;
}

function t(ms: number): string {
  return `t=${(ms / 1000).toFixed(1)}s`;
}

function pct(n: number, d: number): string {
  return d === 0 ? '-' : `${Math.round((n / d) * 1000) / 10}%`;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * `val-2: final ? @t=0.0s, 9 @t=5.0s, 22 @t=10.0s, 26 @t=14.2s (last change); 3 samples failed since t=14.5s`
 */
export function nodeTimeline(rec: Recording, node: string, from = 0, to = rec.now(), points = 6): string {
  const series = rec.finalSeries(node);
  const parts: string[] = [];
  const step = (to - from) / Math.max(1, points - 1);
  for (let i = 0; i < points; i++) {
    const at = from + i * step;
    const h = rec.finalHeightAt(node, at);
    parts.push(`${h < 0 ? '?' : h} @${t(at)}`);
  }
  const lastChange = series.filter((p) => p.at <= to).at(-1);
  const failed = rec.samplesOf(node).filter((s) => !s.ok && s.at >= from && s.at <= to);
  const faults = rec
    .faultsOf(node, from, to)
    .map((f) => `${f.description} ${t(f.start)}..${f.end === undefined ? 'open' : t(f.end)}`);
  let line = `${node}: final ${parts.join(', ')}`;
  if (lastChange) line += `; last advance to ${lastChange.height} at ${t(lastChange.at)}`;
  if (failed.length > 0) line += `; ${failed.length} samples failed from ${t(failed[0]!.at)}`;
  if (faults.length > 0) line += `; faults: ${faults.join(', ')}`;
  return line;
}

/** A multi-line report of the whole run (or a span of it). */
export function renderReport(rec: Recording, opts: ReportOptions = {}): string {
  const from = opts.from ?? 0;
  const to = opts.to ?? rec.now();
  const cols = Math.max(2, opts.columns ?? 10);
  const f = rec.facts;
  const out: string[] = [];
  out.push(
    `chainlab run report: seed ${rec.seed} (replay: CHAINLAB_SEED=${rec.seed}), chain ${f.chainId}, ` +
      describeChain(f),
  );
  out.push(`span ${t(from)}..${t(to)}, started ${new Date(rec.startedAt).toISOString()}`);

  // Final heights over time, one row per node.
  const times = Array.from({ length: cols }, (_, i) => from + ((to - from) * i) / (cols - 1));
  const nodes = rec.nodes();
  const nameWidth = Math.max(4, ...nodes.map((n) => n.name.length));
  out.push('', 'final height over time');
  out.push(
    `${'node'.padEnd(nameWidth)}  ${times.map((x) => `${(x / 1000).toFixed(1)}s`.padStart(7)).join('')}`,
  );
  for (const n of nodes) {
    const cells = times.map((x) => {
      const h = rec.finalHeightAt(n.name, x);
      const down = rec.samplesOf(n.name).findLast((s) => s.at <= x);
      const mark = down && !down.ok ? '!' : '';
      return `${h < 0 ? '?' : h}${mark}`.padStart(7);
    });
    const left = n.leftAt !== undefined ? `  (left ${t(n.leftAt)})` : '';
    out.push(`${n.name.padEnd(nameWidth)}  ${cells.join('')}  ${n.role}${left}`);
  }
  out.push("('!' = the node's latest sample at that time failed)");

  // Tips at the end: do the nodes agree?
  out.push('', 'tips at the end');
  for (const n of nodes) {
    const s = rec.lastSample(n.name, to);
    if (!s?.info) {
      out.push(`  ${n.name}: never answered`);
      continue;
    }
    const i = s.info;
    out.push(
      `  ${n.name}: height ${i.height} ${i.tip.slice(0, 8)}, final ${i.finalizedHeight ?? rec.finalHeightAt(n.name, to)}` +
        (i.finalizedTip ? ` ${i.finalizedTip.slice(0, 8)}` : '') +
        (i.finalizedStateRoot ? ` (root ${i.finalizedStateRoot.slice(0, 8)})` : '') +
        `, ${i.peers} peers, mempool ${s.mempool?.size ?? '?'} (sampled ${t(s.at)})`,
    );
  }

  // Faults as readable steps.
  const faults = rec.faults.filter((x) => x.start <= to && (x.end ?? to) >= from);
  out.push('', faults.length === 0 ? 'faults: none' : 'faults');
  for (const x of faults)
    out.push(`  ${t(x.start)}..${x.end === undefined ? 'still open' : t(x.end)}  ${x.description}`);

  const events = rec.events.filter((e) => e.at >= from && e.at <= to);
  if (events.length > 0) {
    out.push('', 'node events');
    for (const e of events.slice(0, 40))
      out.push(`  ${t(e.at)}  ${e.node} ${e.event}${e.detail ? ` (${e.detail})` : ''}`);
    if (events.length > 40) out.push(`  … ${events.length - 40} more`);
  }

  // Transactions.
  const txs = rec.txsOf().filter((x) => x.submittedAt >= from && x.submittedAt <= to);
  out.push('');
  if (txs.length === 0) {
    out.push('transactions: none recorded');
  } else {
    const accepted = txs.filter((x) => x.outcome === 'accepted').length;
    const rejected = new Map<string, number>();
    for (const x of txs)
      if (x.outcome === 'rejected') rejected.set(x.reason ?? '?', (rejected.get(x.reason ?? '?') ?? 0) + 1);
    const failed = txs.filter((x) => x.outcome === 'failed').length;
    const included = txs.filter((x) => x.includedAt !== undefined);
    const final = txs.filter((x) => x.finalAt !== undefined).length;
    const lat = included.map((x) => x.includedAt! - x.submittedAt).sort((a, b) => a - b);
    const reasons = [...rejected].map(([r, n]) => `${r} ${n}`).join(', ');
    out.push(
      `transactions: ${txs.length} submitted, ${accepted} accepted, ${txs.length - accepted - failed} rejected${reasons ? ` (${reasons})` : ''}, ${failed} failed to send`,
    );
    out.push(
      `  included ${included.length} (${pct(included.length, txs.length)}), final ${final} (${pct(final, txs.length)})`,
    );
    if (lat.length > 0) {
      out.push(
        `  inclusion latency p50 ${(quantile(lat, 0.5) / 1000).toFixed(2)}s, p95 ${(quantile(lat, 0.95) / 1000).toFixed(2)}s, max ${(lat.at(-1)! / 1000).toFixed(2)}s`,
      );
    }
    const byWorkload = new Map<string, number>();
    for (const x of txs) byWorkload.set(x.workload, (byWorkload.get(x.workload) ?? 0) + 1);
    out.push(`  by workload: ${[...byWorkload].map(([w, n]) => `${w} ${n}`).join(', ')}`);
  }
  const marks = rec.marks.filter((m) => m.at >= from && m.at <= to);
  if (marks.length > 0) {
    out.push('', 'marks');
    for (const m of marks) out.push(`  ${t(m.at)}  ${m.label}${m.detail ? `: ${m.detail}` : ''}`);
  }
  return out.join('\n');
}

/**
 * Writes `<name>.txt` (the report), `<name>.html` (the HTML report, `failures` highlighted)
 * and `<name>.json` (the recording dump, loadable with `Recording.fromJSON`) into `dir`.
 * Returns the paths.
 */
export async function writeReport(
  rec: Recording,
  dir: string,
  name = 'chainlab-report',
  failures: readonly ReportFailure[] = [],
): Promise<{ text: string; json: string; html: string }> {
  await mkdir(dir, { recursive: true });
  const text = join(dir, `${name}.txt`);
  const json = join(dir, `${name}.json`);
  const html = join(dir, `${name}.html`);
  await writeFile(text, `${renderReport(rec)}\n`);
  await writeFile(json, JSON.stringify(rec));
  await writeHtmlReport(rec, html, { failures: [...failures] });
  return { text, json, html };
}
