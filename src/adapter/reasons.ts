/**
 * The canonical refusal reasons chainlab knows. Every adapter maps its chain's own codes
 * onto these (keeping the original as `chainCode`), so workloads and matchers reason about
 * refusals without knowing any chain's vocabulary.
 */

/**
 * Why a node refused a tx:
 * - `bad_signature`: the signature does not verify (or is by the wrong key);
 * - `bad_nonce`: replayed, too low or too far ahead (account chains);
 * - `insufficient_funds`: the sender cannot pay amount + fee (or inputs are missing/spent);
 * - `fee_too_low`: below the node's minimum or its mempool's floor;
 * - `duplicate`: the same tx is already pending or included;
 * - `double_spend`: it spends what another pending or included tx already spent (UTXO chains);
 * - `malformed`: the encoding or a field is invalid;
 * - `too_large`: over the chain's tx size limit;
 * - `wrong_chain`: signed for another chain;
 * - `mempool_full`: no room even after eviction;
 * - `overloaded`: the node sheds load for now (retry after its `Retry-After`);
 * - `rate_limited`: this client sent too much;
 * - `unknown`: a code the adapter does not map (the chain's own is in `chainCode`).
 */
export type CanonicalReason =
  | 'bad_signature'
  | 'bad_nonce'
  | 'insufficient_funds'
  | 'fee_too_low'
  | 'duplicate'
  | 'double_spend'
  | 'malformed'
  | 'too_large'
  | 'wrong_chain'
  | 'mempool_full'
  | 'overloaded'
  | 'rate_limited'
  | 'unknown';

/** Every canonical reason, in documentation order. */
export const canonicalReasons: readonly CanonicalReason[] = [
  'bad_signature',
  'bad_nonce',
  'insufficient_funds',
  'fee_too_low',
  'duplicate',
  'double_spend',
  'malformed',
  'too_large',
  'wrong_chain',
  'mempool_full',
  'overloaded',
  'rate_limited',
  'unknown',
];

const known = new Set<string>(canonicalReasons);

/** True when `code` is a canonical reason. */
export function isCanonicalReason(code: unknown): code is CanonicalReason {
  return typeof code === 'string' && known.has(code);
}

/**
 * Maps a chain's code through `table` (chain code → canonical); unmapped codes become
 * `unknown`. Adapters call this so an unexpected code never passes for a canonical one.
 *
 * @example
 * const reason = toCanonical({ 'min relay fee not met': 'fee_too_low' }, 'min relay fee not met');
 */
export function toCanonical(table: Readonly<Record<string, CanonicalReason>>, code: string): CanonicalReason {
  return table[code] ?? 'unknown';
}

/**
 * Refusals after which the tx is certainly not in the node's mempool and a wallet's
 * nonce is free for another tx (the node did not take it and did not count it).
 */
export const nonceNotConsumed: ReadonlySet<CanonicalReason> = new Set<CanonicalReason>([
  'mempool_full',
  'overloaded',
  'rate_limited',
  'fee_too_low',
  'too_large',
  'malformed',
  'insufficient_funds',
  'bad_signature',
  'wrong_chain',
]);
