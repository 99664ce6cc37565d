/**
 * Time arithmetic the checkers share: final-height series lookups, excused intervals
 * (fault windows plus a catch-up grace) and interval subtraction.
 */

import type { FinalPoint, Recording } from '../observe/recording.ts';

/** A span of recording time in ms, `from` ≤ `to`. */
export interface TimeWindow {
  from: number;
  to: number;
}

/** The final height known at `t` from a `finalSeries` (−1 before the first point). */
export function heightAt(series: readonly FinalPoint[], t: number): number {
  let lo = 0;
  let hi = series.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (series[mid]!.at <= t) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found < 0 ? -1 : series[found]!.height;
}

/**
 * Intervals during which `node` is excused: each fault window touching it that excuses its
 * nodes (not a clock skew, which a correct node rides out), extended by `graceMs` after it
 * ends (a restarted or healed node needs time to catch up), merged. An open fault window
 * lasts until `until`.
 */
export function excusedIntervals(rec: Recording, node: string, graceMs: number, until: number): TimeWindow[] {
  const raw = rec.faults
    .filter((f) => f.nodes.includes(node) && f.excuses !== false)
    .map((f) => ({ from: f.start, to: (f.end ?? until) + graceMs }));
  return merge(raw);
}

/** Sorts and merges overlapping intervals. */
export function merge(xs: readonly TimeWindow[]): TimeWindow[] {
  const sorted = [...xs].sort((a, b) => a.from - b.from);
  const out: TimeWindow[] = [];
  for (const x of sorted) {
    const last = out.at(-1);
    if (last && x.from <= last.to) last.to = Math.max(last.to, x.to);
    else out.push({ ...x });
  }
  return out;
}

/** `w` minus the (merged) `holes`, as the remaining pieces in order. */
export function subtract(w: TimeWindow, holes: readonly TimeWindow[]): TimeWindow[] {
  const out: TimeWindow[] = [];
  let cur = w.from;
  for (const h of holes) {
    if (h.to <= cur) continue;
    if (h.from >= w.to) break;
    if (h.from > cur) out.push({ from: cur, to: h.from });
    cur = Math.max(cur, h.to);
    if (cur >= w.to) break;
  }
  if (cur < w.to) out.push({ from: cur, to: w.to });
  return out;
}

/** True when `t` lies inside one of `xs`. */
export function inside(t: number, xs: readonly TimeWindow[]): boolean {
  return xs.some((x) => x.from <= t && t <= x.to);
}

/** True when [from, to] overlaps one of `xs`. */
export function overlaps(w: TimeWindow, xs: readonly TimeWindow[]): boolean {
  return xs.some((x) => x.from < w.to && w.from < x.to);
}
