/**
 * What an API flood and a control probe amount to, read from their records: the flood's own
 * outcome (accepted, rate-limited, refused, overloaded, failed, unsent; latency percentiles;
 * per kind and per node) and what an ordinary user saw per node (probes, errors, latency).
 * Pure: reports, matchers and the started workloads share these.
 */

import type { ApiAnswer, ApiRequestKind } from '../adapter/types.ts';
import { type LatencyHistogram, mergeHistograms, quantileOf } from './latency-histogram.ts';
import type { FloodRecord, FloodRow, ProbeObservation, ProbeRecord } from './recording.ts';

/** Counts of requests by what their answer meant, plus the planned ones never sent. */
export interface AnswerCounts {
  /** Requests sent (answered or failed). */
  sent: number;
  accepted: number;
  /** HTTP 429 and kin. */
  rateLimited: number;
  /** Other 4xx: malformed, too large, not found, too slow. */
  refused: number;
  /** HTTP 503 and kin. */
  overloaded: number;
  /** No answer, or a server error. */
  failed: number;
  /** Planned but not sent: the client had as many requests in flight as it allows. */
  unsent: number;
}

/** Latency percentiles in ms (bucket bounds: never below the truth). */
export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** One node's share of a flood. */
export interface FloodNodeOutcome extends AnswerCounts {
  node: string;
  /** Most requests sent to it that ended in one second. */
  peakPerSecond: number;
}

/** What a flood amounted to over a span. */
export interface FloodOutcome extends AnswerCounts {
  name: string;
  nodes: string[];
  qps: number | 'max';
  /** Recording ms of the span summed. */
  from: number;
  to: number;
  /** Requests sent per second over the span. */
  perSecond: number;
  /** Latency of the answered and failed requests, slow bodies left out (they are slow on purpose). */
  latency: Percentiles | undefined;
  /** By request kind (only kinds that were planned). */
  byKind: Partial<Record<ApiRequestKind, AnswerCounts & { statuses: Record<string, number> }>>;
  byNode: FloodNodeOutcome[];
}

const counterOf: Record<ApiAnswer | 'unsent', keyof AnswerCounts> = {
  accepted: 'accepted',
  rate_limited: 'rateLimited',
  refused: 'refused',
  overloaded: 'overloaded',
  failed: 'failed',
  unsent: 'unsent',
};

function zero(): AnswerCounts {
  return { sent: 0, accepted: 0, rateLimited: 0, refused: 0, overloaded: 0, failed: 0, unsent: 0 };
}

function count(c: AnswerCounts, r: FloodRow): void {
  c[counterOf[r.outcome]] += r.n;
  if (r.outcome !== 'unsent') c.sent += r.n;
}

/** Percentiles of a merged histogram, undefined when empty. */
export function percentilesOf(h: LatencyHistogram): Percentiles | undefined {
  if (h.n === 0) return undefined;
  return {
    p50: quantileOf(h, 0.5)!,
    p90: quantileOf(h, 0.9)!,
    p99: quantileOf(h, 0.99)!,
    max: h.maxMs,
  };
}

/**
 * The outcome of `flood` over [from, to] (default: all of it), for `nodes` (default: all).
 *
 * @example
 * const o = floodOutcome(cluster.recording.floods[0]!);
 * console.log(o.rateLimited, o.latency?.p99);
 */
export function floodOutcome(
  flood: FloodRecord,
  opts: { nodes?: readonly string[]; from?: number; to?: number } = {},
): FloodOutcome {
  const from = Math.max(opts.from ?? flood.start, flood.start);
  const lastRow = Math.max(0, ...flood.rows.map((r) => r.s + 1));
  const to = Math.min(opts.to ?? Number.POSITIVE_INFINITY, flood.end ?? flood.start + lastRow * 1000);
  // A row covers one second; it counts when that second overlaps the span.
  const rows = flood.rows.filter(
    (r) =>
      (opts.nodes === undefined || opts.nodes.includes(r.node)) &&
      flood.start + (r.s + 1) * 1000 > from &&
      flood.start + r.s * 1000 < to,
  );
  const total = zero();
  const byKind: FloodOutcome['byKind'] = {};
  const nodes = new Map<string, AnswerCounts>();
  const perSecond = new Map<string, Map<number, number>>();
  for (const r of rows) {
    count(total, r);
    let k = byKind[r.kind];
    if (k === undefined) {
      k = { ...zero(), statuses: {} };
      byKind[r.kind] = k;
    }
    count(k, r);
    k.statuses[String(r.status)] = (k.statuses[String(r.status)] ?? 0) + r.n;
    let n = nodes.get(r.node);
    if (n === undefined) {
      n = zero();
      nodes.set(r.node, n);
    }
    count(n, r);
    if (r.outcome !== 'unsent') {
      let bySecond = perSecond.get(r.node);
      if (bySecond === undefined) {
        bySecond = new Map();
        perSecond.set(r.node, bySecond);
      }
      bySecond.set(r.s, (bySecond.get(r.s) ?? 0) + r.n);
    }
  }
  const names = (opts.nodes ?? flood.nodes).filter((n) => flood.nodes.includes(n));
  const latency = mergeHistograms(
    rows.filter((r) => r.kind !== 'slowBody' && r.latency !== undefined).map((r) => r.latency!),
  );
  const seconds = Math.max(0.001, (to - from) / 1000);
  return {
    name: flood.name,
    nodes: names,
    qps: flood.qps,
    from,
    to,
    ...total,
    perSecond: Math.round((total.sent / seconds) * 10) / 10,
    latency: percentilesOf(latency),
    byKind,
    byNode: names.map((node) => ({
      node,
      ...(nodes.get(node) ?? zero()),
      peakPerSecond: Math.max(0, ...(perSecond.get(node)?.values() ?? [])),
    })),
  };
}

function n(x: number): string {
  return x.toLocaleString('en-US');
}

/** A latency as `12.3 ms` or `1.02 s`. */
export function describeMs(x: number): string {
  return x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x * 10) / 10} ms`;
}

/** Latency as `p50 2 ms, p90 5 ms, p99 30 ms, max 120 ms`. */
export function describePercentiles(p: Percentiles | undefined): string {
  return p === undefined
    ? 'no latencies'
    : `p50 ${describeMs(p.p50)}, p90 ${describeMs(p.p90)}, p99 ${describeMs(p.p99)}, max ${describeMs(p.max)}`;
}

/**
 * One line about a flood's outcome, e.g. `api-flood → val-0, val-1 at max qps over 15.0s:
 * 36,000 sent (2,400/s), 0 unsent; accepted 2,100, rate-limited 31,000 (429), refused 2,890
 * (4xx), overloaded 10 (503), failed 0; latency p50 2 ms, p90 5 ms, p99 30 ms, max 120 ms`.
 */
export function describeFloodOutcome(o: FloodOutcome): string {
  const rate = o.qps === 'max' ? 'max qps' : `${n(o.qps)} qps`;
  return (
    `${o.name} → ${o.nodes.join(', ')} at ${rate} over ${((o.to - o.from) / 1000).toFixed(1)}s: ` +
    `${n(o.sent)} sent (${n(Math.round(o.perSecond))}/s), ${n(o.unsent)} unsent; ` +
    `accepted ${n(o.accepted)}, rate-limited ${n(o.rateLimited)} (429), refused ${n(o.refused)} (4xx), ` +
    `overloaded ${n(o.overloaded)} (503), failed ${n(o.failed)}; latency ${describePercentiles(o.latency)}`
  );
}

/** What an ordinary user saw of one node. */
export interface ProbeNodeSummary {
  node: string;
  probes: number;
  /** Probes not answered `accepted`. */
  errors: number;
  errorRate: number;
  /** Errors by status or failure (`429`, `timeout`). */
  byError: Record<string, number>;
  /** Exact percentiles of the probes' latencies (ms), undefined without probes. */
  latency: Percentiles | undefined;
}

/** The `q` quantile of sorted values (nearest rank). */
function rank(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** A control probe's observations of `node` within [from, to] (by send time). */
export function probeSummary(
  probe: ProbeRecord,
  node: string,
  window: { from: number; to: number },
): ProbeNodeSummary {
  const seen: ProbeObservation[] = probe.observations.filter(
    (o) => o.node === node && o.at >= window.from && o.at <= window.to,
  );
  const byError: Record<string, number> = {};
  for (const o of seen) {
    if (o.outcome === 'accepted') continue;
    const key = o.error ?? String(o.status);
    byError[key] = (byError[key] ?? 0) + 1;
  }
  const errors = Object.values(byError).reduce((a, b) => a + b, 0);
  const sorted = seen.map((o) => o.ms).sort((a, b) => a - b);
  return {
    node,
    probes: seen.length,
    errors,
    errorRate: seen.length === 0 ? 0 : errors / seen.length,
    byError,
    latency:
      sorted.length === 0
        ? undefined
        : {
            p50: rank(sorted, 0.5),
            p90: rank(sorted, 0.9),
            p99: rank(sorted, 0.99),
            max: sorted.at(-1)!,
          },
  };
}

/** One line about a probe: `control-probe of val-0: 150 probes, 0 errors (0.0%); latency p50 …`. */
export function describeProbe(probe: ProbeRecord, window?: { from: number; to: number }): string {
  const w = window ?? { from: probe.start, to: probe.end ?? Number.POSITIVE_INFINITY };
  const parts = probe.nodes.map((node) => {
    const s = probeSummary(probe, node, w);
    const errs =
      s.errors === 0
        ? '0 errors'
        : `${s.errors} errors (${Object.entries(s.byError)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')})`;
    return `${node}: ${s.probes} probes, ${errs}, ${describePercentiles(s.latency)}`;
  });
  return `${probe.name} at ${probe.rate}/s per node: ${parts.join('; ')}`;
}
