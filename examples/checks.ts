/**
 * Checks the seed scenarios need beyond the shipped matchers, as pure functions over the
 * recording (so they can fail a test with a readable witness).
 */
import type { Recording } from 'chainlab';

/** Two different blocks claimed final at one height (by one node over time, or by two nodes). */
export interface FinalityBreak {
  height: number;
  first: { node: string; at: number; hash: string };
  other: { node: string; at: number; hash: string };
}

/**
 * Every final block any node announced (finality events and samples), grouped by height:
 * a height with two different hashes means a final block was reverted or finality split.
 * Returns the breaks, earliest claim first; empty when finality held.
 */
export function finalityBreaks(rec: Recording): FinalityBreak[] {
  const claims: { node: string; at: number; height: number; hash: string }[] = [];
  for (const f of rec.finalized) claims.push({ node: f.node, at: f.at, height: f.height, hash: f.hash });
  for (const s of rec.samples) {
    if (s.ok && s.info && s.info.finalizedHeight >= 0) {
      claims.push({ node: s.node, at: s.at, height: s.info.finalizedHeight, hash: s.info.finalizedTip });
    }
  }
  claims.sort((a, b) => a.at - b.at);
  const firstAt = new Map<number, (typeof claims)[number]>();
  const breaks: FinalityBreak[] = [];
  const reported = new Set<number>();
  for (const c of claims) {
    const first = firstAt.get(c.height);
    if (!first) {
      firstAt.set(c.height, c);
      continue;
    }
    if (first.hash !== c.hash && !reported.has(c.height)) {
      reported.add(c.height);
      breaks.push({
        height: c.height,
        first: { node: first.node, at: first.at, hash: first.hash },
        other: { node: c.node, at: c.at, hash: c.hash },
      });
    }
  }
  return breaks;
}

/** `final block 41 changed: val-1 had 3fa2c1d0… at t=12.0s, val-3 had 99e0ab12… at t=14.5s`. */
export function describeFinalityBreak(b: FinalityBreak): string {
  const t = (ms: number): string => `t=${(ms / 1000).toFixed(1)}s`;
  return (
    `final block ${b.height} changed: ${b.first.node} had ${b.first.hash.slice(0, 8)}… at ${t(b.first.at)}, ` +
    `${b.other.node} had ${b.other.hash.slice(0, 8)}… at ${t(b.other.at)}`
  );
}
