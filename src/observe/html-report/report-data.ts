/**
 * Turns a `Recording` (plus report meta) into the plain data the HTML page draws: per-node
 * tip and final height over time, blocks per node per bucket, tx latency percentiles, fault
 * windows with a colour per kind, failures with their windows, marks and tables. Pure: it
 * reads the recording only through its public queries, so it is unit-tested on recorded
 * histories. Times in the page are seconds since the recording started, like `t=12.0s` in
 * failure messages.
 */
import { describeChain } from '../../adapter/facets.ts';
import type { Recording } from '../recording.ts';
import { bucketPercentiles, type LatencySummary, summarize } from './percentiles.ts';
import { parseReportMeta, type ReportFailure, type ReportMeta } from './report-meta.ts';
import { alignSteps, type Step, type StepInput } from './step-series.ts';

/** Series on one x axis (seconds), one per label. */
export interface ChartData {
  x: number[];
  series: { label: string; values: (number | null)[] }[];
}

/** A fault window as the page draws it (seconds). */
export interface FaultBand {
  kind: string;
  nodes: string[];
  from: number;
  to: number;
  /** Still active when the recording ended (drawn to the end). */
  open: boolean;
  description: string;
}

/** A failure as the page draws it (seconds). */
export interface FailureBand {
  test?: string | undefined;
  matcher?: string | undefined;
  message: string;
  from: number;
  to: number;
  at: number;
}

/** A node's row in the report. */
export interface NodeRow {
  name: string;
  role: string;
  color: string;
  since: number;
  leftAt?: number | undefined;
  /** Link to its log, relative to the report. */
  log?: string | undefined;
  /** Its newest answered sample. */
  last?: {
    at: number;
    height: number;
    final: number | undefined;
    tip: string;
    peers: number;
    mempool?: number | undefined;
  };
}

/** Everything the page shows, as JSON. */
export interface ReportData {
  version: 1;
  title: string;
  seed: number;
  /** The command that replays the run. */
  replay: string;
  testFile?: string | undefined;
  runId?: string | undefined;
  deployer?: string | undefined;
  /** ISO times. */
  startedAt: string;
  generatedAt: string;
  /** Seconds recorded. */
  end: number;
  chain: {
    chainId: string;
    /** Block production and finality in words (`describeChain`). */
    description: string;
    expectedBlockMs: number;
  };
  nodes: NodeRow[];
  /** Tip height per node (null while it did not answer). */
  height: ChartData;
  /** Final height per node. */
  final: ChartData;
  /** Blocks each node added to its chain per bucket (from its block feed). */
  production: ChartData & { bucketSeconds: number };
  /**
   * Each node's clock minus the observer's (ms), from the samples (facet `clock-skew`);
   * absent when no sample read a clock.
   */
  clock?: ChartData | undefined;
  latency: {
    bucketSeconds: number;
    /** Percentiles (seconds) by submission bucket. */
    buckets: { x: number[]; p50: (number | null)[]; p95: (number | null)[]; p99: (number | null)[] };
    /** Individual txs: submitted at (s), latency (s); evenly thinned above `maxTxPoints`. */
    points: { x: number[]; y: number[] };
    /** Over every included tx (seconds). */
    summary: LatencySummary;
    txs: {
      submitted: number;
      accepted: number;
      rejected: number;
      failed: number;
      included: number;
      final: number;
    };
  };
  faults: FaultBand[];
  /** A colour per fault kind in this report (kinds sorted by name). */
  faultKinds: { kind: string; color: string }[];
  failures: FailureBand[];
  marks: { at: number; label: string; detail?: string | undefined }[];
  events: { at: number; node: string; event: string; detail?: string | undefined }[];
  /** Blocks per proposer on the longest observed chain. */
  proposers: { proposer: string; blocks: number }[];
}

/** Options of {@link buildReportData}. */
export interface ReportDataOptions {
  /** Most points per height chart; above it an even grid is used. Default 4000. */
  maxPoints?: number;
  /** Most individual tx points drawn (percentiles always use all). Default 20000. */
  maxTxPoints?: number;
  /** Most node events listed. Default 500. */
  maxEvents?: number;
  /** Time of generation (ISO). Default now. */
  generatedAt?: string;
}

/** Tableau 10: tells up to ten nodes apart, also for colour-blind readers. */
const nodePalette = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

/** Light, distinct fills for fault kinds (drawn translucent under the lines). */
const faultPalette = [
  '#f4a261',
  '#8ab17d',
  '#9d8df1',
  '#e9c46a',
  '#6ec5e9',
  '#f28482',
  '#c77dff',
  '#84a98c',
  '#ffb4a2',
  '#a3c4f3',
  '#d4a373',
  '#90e0ef',
];

function colorFor(palette: readonly string[], i: number, key: string): string {
  if (i < palette.length) return palette[i]!;
  // Past the palette: a hue from the name, stable across reports.
  let h = 0;
  for (const ch of key) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `hsl(${h % 360} 65% 60%)`;
}

const sec = (ms: number): number => Math.round(ms) / 1000;

/** A bucket of about 1/100 of the span, rounded to a readable size (≥ 1 s). */
export function bucketMsFor(spanMs: number): number {
  const nice = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600].map((s) => s * 1000);
  const raw = spanMs / 100;
  return nice.find((n) => n >= raw) ?? nice.at(-1)!;
}

/** `'it says "hi"'` quoted for a POSIX shell. */
function shellQuote(s: string): string {
  return /^[\w./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** `CHAINLAB_SEED=913 npx vitest run examples/x.test.ts -t 'its name'` (the test only when all failures share it). */
export function replayCommand(
  seed: number,
  testFile?: string,
  failures: readonly Pick<ReportFailure, 'test'>[] = [],
): string {
  const tests = new Set(failures.map((f) => f.test).filter((t): t is string => t !== undefined));
  const file = testFile === undefined ? '<test file>' : shellQuote(testFile);
  // `-t` matches Vitest's full name (`suite > test`), so only the end is anchored.
  const only = tests.size === 1 ? ` -t ${shellQuote(`${escapeRegExp([...tests][0]!)}$`)}` : '';
  return `CHAINLAB_SEED=${seed} npx vitest run ${file}${only}`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Tip height steps of a node: its feed's tips and its samples (null when a sample failed). */
function tipSteps(rec: Recording, node: string): Step[] {
  const steps: Step[] = [];
  for (const b of rec.blocks)
    if (b.node === node && b.source !== 'backfill') steps.push({ at: b.at, value: b.height });
  for (const s of rec.samplesOf(node)) steps.push({ at: s.at, value: s.ok && s.info ? s.info.height : null });
  return steps.sort((a, b) => a.at - b.at);
}

/**
 * Final height steps of a node: the highest final height known so far (final blocks never
 * revert), null while its samples fail.
 */
function finalSteps(rec: Recording, node: string): Step[] {
  // Final heights come from the chain's finality rule (finalSeries); a sample that failed
  // makes a gap, one that answered repeats the best height known so far (-1: nothing new).
  const raw: { at: number; height: number | null }[] = rec
    .finalSeries(node)
    .map((p) => ({ at: p.at, height: p.height }));
  for (const s of rec.samplesOf(node)) raw.push({ at: s.at, height: s.ok && s.info ? -1 : null });
  raw.sort((a, b) => a.at - b.at);
  let best: number | null = null;
  return raw.map((r) => {
    if (r.height === null) return { at: r.at, value: null };
    best = best === null ? r.height : Math.max(best, r.height);
    return { at: r.at, value: best < 0 ? null : best };
  });
}

/** A node's clock offset from the observer's at each sample, null where its clock was not read. */
function clockSteps(rec: Recording, node: string): Step[] {
  return rec.samplesOf(node).map((s) => ({ at: s.at, value: s.clock ? s.clock.offsetMs : null }));
}

function toChart(inputs: StepInput[], end: number, maxPoints: number): ChartData {
  const aligned = alignSteps(inputs, { from: 0, to: end, maxPoints });
  return { x: aligned.x.map(sec), series: aligned.series };
}

function production(rec: Recording, names: readonly string[], end: number): ReportData['production'] {
  const bucketMs = bucketMsFor(end);
  const n = Math.max(1, Math.ceil(end / bucketMs));
  const x = Array.from({ length: n }, (_, i) => sec(i * bucketMs));
  const counts = new Map(names.map((name) => [name, new Array<number>(n).fill(0)]));
  const seen = new Set<string>();
  for (const b of rec.blocks) {
    if (b.source === 'backfill' || b.height === 0) continue;
    const key = `${b.node}|${b.hash}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const row = counts.get(b.node);
    if (row) row[Math.min(n - 1, Math.floor(b.at / bucketMs))]! += 1;
  }
  return {
    bucketSeconds: bucketMs / 1000,
    x,
    series: names.map((label) => ({ label, values: counts.get(label)! })),
  };
}

function latency(rec: Recording, end: number, maxTxPoints: number): ReportData['latency'] {
  const txs = rec.txsOf();
  const included = txs.filter((t) => t.includedAt !== undefined);
  const points = included.map((t) => ({ at: t.submittedAt, value: t.includedAt! - t.submittedAt }));
  const bucketMs = bucketMsFor(end);
  const b = bucketPercentiles(points, { from: 0, to: end, bucketMs });
  const stride = Math.max(1, Math.ceil(points.length / maxTxPoints));
  const shown = points.filter((_, i) => i % stride === 0);
  const s = summarize(points.map((p) => p.value));
  const inSeconds = (v: number | undefined): number | undefined => (v === undefined ? undefined : sec(v));
  const orNull = (v: number | null): number | null => (v === null ? null : sec(v));
  return {
    bucketSeconds: bucketMs / 1000,
    buckets: { x: b.x.map(sec), p50: b.p50.map(orNull), p95: b.p95.map(orNull), p99: b.p99.map(orNull) },
    points: { x: shown.map((p) => sec(p.at)), y: shown.map((p) => sec(p.value)) },
    summary: {
      count: s.count,
      p50: inSeconds(s.p50),
      p90: inSeconds(s.p90),
      p95: inSeconds(s.p95),
      p99: inSeconds(s.p99),
      max: inSeconds(s.max),
    },
    txs: {
      submitted: txs.length,
      accepted: txs.filter((t) => t.outcome === 'accepted').length,
      rejected: txs.filter((t) => t.outcome === 'rejected').length,
      failed: txs.filter((t) => t.outcome === 'failed').length,
      included: included.length,
      final: txs.filter((t) => t.finalAt !== undefined).length,
    },
  };
}

/** Blocks per proposer on the chain of the node that saw the highest tip. */
function proposers(rec: Recording, names: readonly string[]): ReportData['proposers'] {
  let best: { name: string; height: number } | undefined;
  for (const name of names) {
    const tip = rec.tipAt(name);
    if (tip && (!best || tip.height > best.height)) best = { name, height: tip.height };
  }
  if (!best) return [];
  const counts = new Map<string, number>();
  for (const b of rec.bestChain(best.name).values())
    if (b.height > 0 && b.proposer !== undefined) counts.set(b.proposer, (counts.get(b.proposer) ?? 0) + 1);
  return [...counts]
    .map(([p, blocks]) => ({ proposer: p.length > 12 ? `${p.slice(0, 12)}…` : p, blocks }))
    .sort((a, b) => b.blocks - a.blocks || a.proposer.localeCompare(b.proposer));
}

/**
 * Everything the HTML page draws, from a recording and what is known around it.
 *
 * @example
 * const data = buildReportData(Recording.fromJSON(dump), { testFile: 'examples/x.test.ts', failures });
 * data.final.series.map((s) => s.label); // ['val-0', 'val-1', 'val-2']
 */
export function buildReportData(
  rec: Recording,
  metaInput: ReportMeta = {},
  opts: ReportDataOptions = {},
): ReportData {
  const meta = parseReportMeta(metaInput);
  const end = rec.now();
  const maxPoints = opts.maxPoints ?? 4000;
  const nodes = rec.nodes();
  const names = nodes.map((n) => n.name);
  const logs = new Map(meta.logs.map((l) => [l.node, l.href]));
  const kinds = [...new Set(rec.faults.map((f) => f.kind))].sort();
  const facts = rec.facts;
  return {
    version: 1,
    title: meta.title ?? `chainlab run (seed ${rec.seed})`,
    seed: rec.seed,
    replay: replayCommand(rec.seed, meta.testFile, meta.failures),
    testFile: meta.testFile,
    runId: meta.runId,
    deployer: meta.deployer,
    startedAt: new Date(rec.startedAt).toISOString(),
    generatedAt: opts.generatedAt ?? new Date().toISOString(),
    end: sec(end),
    chain: {
      chainId: facts.chainId,
      description: describeChain(facts),
      expectedBlockMs: facts.production.expectedIntervalMs,
    },
    nodes: nodes.map((n, i) => {
      const s = rec.lastSample(n.name);
      return {
        name: n.name,
        role: n.role,
        color: colorFor(nodePalette, i, n.name),
        since: sec(n.since),
        leftAt: n.leftAt === undefined ? undefined : sec(n.leftAt),
        log: logs.get(n.name),
        last: s?.info
          ? {
              at: sec(s.at),
              height: s.info.height,
              final: s.info.finalizedHeight,
              tip: s.info.tip.slice(0, 12),
              peers: s.info.peers,
              mempool: s.mempool?.size,
            }
          : undefined,
      };
    }),
    height: toChart(
      nodes.map((n) => ({ label: n.name, steps: tipSteps(rec, n.name), until: n.leftAt })),
      end,
      maxPoints,
    ),
    final: toChart(
      nodes.map((n) => ({ label: n.name, steps: finalSteps(rec, n.name), until: n.leftAt })),
      end,
      maxPoints,
    ),
    production: production(rec, names, end),
    clock: rec.samples.some((x) => x.clock !== undefined)
      ? toChart(
          nodes.map((n) => ({ label: n.name, steps: clockSteps(rec, n.name), until: n.leftAt })),
          end,
          maxPoints,
        )
      : undefined,
    latency: latency(rec, end, opts.maxTxPoints ?? 20_000),
    faults: rec.faults.map((f) => ({
      kind: f.kind,
      nodes: [...f.nodes],
      from: sec(f.start),
      to: sec(f.end ?? end),
      open: f.end === undefined,
      description: f.description,
    })),
    faultKinds: kinds.map((kind, i) => ({ kind, color: colorFor(faultPalette, i, kind) })),
    failures: meta.failures.map((f) => ({
      test: f.test,
      matcher: f.matcher,
      message: f.message,
      from: sec(f.window.from),
      to: sec(f.window.to),
      at: sec(f.at),
    })),
    marks: rec.marks.map((m) => ({ at: sec(m.at), label: m.label, detail: m.detail })),
    events: rec.events
      .slice(0, opts.maxEvents ?? 500)
      .map((e) => ({ at: sec(e.at), node: e.node, event: e.event, detail: e.detail })),
    proposers: proposers(rec, names),
  };
}
