/**
 * refnode's refusal codes mapped to chainlab's canonical reasons. refnode's tx codes were
 * named after the canonical set, so most map to themselves; anything else is `unknown`.
 */
import { type CanonicalReason, toCanonical } from '../reasons.ts';

const table: Readonly<Record<string, CanonicalReason>> = {
  bad_signature: 'bad_signature',
  bad_nonce: 'bad_nonce',
  insufficient_funds: 'insufficient_funds',
  fee_too_low: 'fee_too_low',
  duplicate: 'duplicate',
  malformed: 'malformed',
  too_large: 'too_large',
  wrong_chain: 'wrong_chain',
  mempool_full: 'mempool_full',
  overloaded: 'overloaded',
  rate_limited: 'rate_limited',
};

/** The canonical reason of a refnode code. */
export function refnodeReason(code: string): CanonicalReason {
  return toCanonical(table, code);
}

/** Per-reason counts with refnode codes turned canonical (unmapped ones summed as `unknown`). */
export function canonicalCounts(
  raw: Readonly<Record<string, number>>,
): Partial<Record<CanonicalReason, number>> {
  const out: Partial<Record<CanonicalReason, number>> = {};
  for (const [code, n] of Object.entries(raw)) {
    const r = refnodeReason(code);
    out[r] = (out[r] ?? 0) + n;
  }
  return out;
}
