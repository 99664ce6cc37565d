/**
 * The flood's per-second tally: requests counted by (second, node, kind, status) with a
 * latency histogram each, handed out once their second is over. This is what keeps a flood
 * of many thousand requests a few dozen numbers per second in the recording.
 */
import type { ApiRequestKind } from '../../adapter/types.ts';
import { HistogramBuilder, type LatencyHistogram } from '../../observe/latency-histogram.ts';

/** One tallied row, before the status is given a meaning (`FloodRow` without `outcome`). */
export interface RawFloodRow {
  /** Seconds since the flood started. */
  s: number;
  node: string;
  kind: ApiRequestKind;
  /** HTTP status, a failure (`timeout`, `socket`, …), or `unsent`. */
  status: number | string;
  n: number;
  latency?: LatencyHistogram;
}

interface Cell {
  s: number;
  node: string;
  kind: ApiRequestKind;
  status: number | string;
  n: number;
  hist: HistogramBuilder | undefined;
}

/**
 * Counts requests per second.
 *
 * @example
 * const t = new Tally();
 * t.add(0, 'val-0', 'read', 200, 3.2);
 * t.unsent(0, 'val-0', 'read');
 * t.take(1); // the rows of second 0
 */
export class Tally {
  readonly #cells = new Map<string, Cell>();

  #cell(s: number, node: string, kind: ApiRequestKind, status: number | string, timed: boolean): Cell {
    const key = `${s}\u0000${node}\u0000${kind}\u0000${status}`;
    let c = this.#cells.get(key);
    if (c === undefined) {
      c = { s, node, kind, status, n: 0, hist: timed ? new HistogramBuilder() : undefined };
      this.#cells.set(key, c);
    }
    return c;
  }

  /** A request that ended in second `s` with `status` after `ms`. */
  add(s: number, node: string, kind: ApiRequestKind, status: number | string, ms: number): void {
    const c = this.#cell(s, node, kind, status, true);
    c.n++;
    c.hist!.add(ms);
  }

  /** A request planned in second `s` that was not sent (the client was saturated). */
  unsent(s: number, node: string, kind: ApiRequestKind): void {
    this.#cell(s, node, kind, 'unsent', false).n++;
  }

  /** Hands out (and forgets) the rows of seconds before `before` (all rows when omitted). */
  take(before = Number.POSITIVE_INFINITY): RawFloodRow[] {
    const out: RawFloodRow[] = [];
    for (const [key, c] of this.#cells) {
      if (c.s >= before) continue;
      this.#cells.delete(key);
      const row: RawFloodRow = { s: c.s, node: c.node, kind: c.kind, status: c.status, n: c.n };
      if (c.hist !== undefined) row.latency = c.hist.toJSON();
      out.push(row);
    }
    return out.sort((a, b) => a.s - b.s);
  }
}
