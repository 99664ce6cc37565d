/**
 * The one table from litecoind's refusals to chainlab's canonical reasons. litecoind
 * refuses a tx with a JSON-RPC error whose message starts with a reason code from
 * validation (`txn-mempool-conflict`, `min relay fee not met, 1 < 141`) or, for wallet
 * calls, with a sentence (`Insufficient funds`). Nothing outside this file knows these
 * strings.
 */
import type { CanonicalReason } from '../reasons.ts';

export type { CanonicalReason };

/**
 * Reasons litecoind can give, from chainlab's canonical set (src/adapter/reasons.ts).
 * `bad_nonce` is not among them (a UTXO chain has no nonces); refusals no canonical reason
 * fits (non-standard scripts, dust, too-long unconfirmed chains, absurd fees) are `unknown`,
 * with litecoind's own code kept beside it.
 */
export const litecoindReasons: readonly CanonicalReason[] = [
  'bad_signature',
  'insufficient_funds',
  'fee_too_low',
  'duplicate',
  'double_spend',
  'malformed',
  'too_large',
  'wrong_chain',
  'mempool_full',
  'unknown',
];

interface Rule {
  /** Start of the node's message (case-insensitive). */
  prefix: string;
  reason: CanonicalReason;
}

/**
 * Message prefixes in the order they are tried. Validation codes first (from
 * `sendrawtransaction`, and inside wallet errors that quote them), then wallet sentences.
 */
const rules: readonly Rule[] = [
  // script and signature checks
  { prefix: 'mandatory-script-verify-flag-failed', reason: 'bad_signature' },
  { prefix: 'non-mandatory-script-verify-flag', reason: 'bad_signature' },
  { prefix: 'Signing transaction failed', reason: 'bad_signature' },
  // spending what is not there (refined to wrong_chain when the outputs never existed)
  { prefix: 'bad-txns-inputs-missingorspent', reason: 'double_spend' },
  { prefix: 'Missing inputs', reason: 'double_spend' },
  { prefix: 'txn-mempool-conflict', reason: 'double_spend' },
  { prefix: 'bad-txns-inputs-duplicate', reason: 'double_spend' },
  { prefix: 'bad-txns-spends-conflicting-tx', reason: 'double_spend' },
  // value
  { prefix: 'bad-txns-in-belowout', reason: 'insufficient_funds' },
  { prefix: 'bad-txns-premature-spend-of-coinbase', reason: 'insufficient_funds' },
  { prefix: 'Insufficient funds', reason: 'insufficient_funds' },
  { prefix: 'The transaction amount is too small to pay the fee', reason: 'insufficient_funds' },
  // fees
  { prefix: 'min relay fee not met', reason: 'fee_too_low' },
  { prefix: 'mempool min fee not met', reason: 'fee_too_low' },
  { prefix: 'insufficient fee', reason: 'fee_too_low' },
  { prefix: 'Fee rate (', reason: 'fee_too_low' },
  { prefix: 'Fee needed > fee paid', reason: 'fee_too_low' },
  // already known
  { prefix: 'Transaction already in block chain', reason: 'duplicate' },
  { prefix: 'txn-already-in-mempool', reason: 'duplicate' },
  { prefix: 'txn-already-known', reason: 'duplicate' },
  { prefix: 'txn-same-nonwitness-data-in-mempool', reason: 'duplicate' },
  // encoding and values
  { prefix: 'TX decode failed', reason: 'malformed' },
  { prefix: 'bad-txns-vin-empty', reason: 'malformed' },
  { prefix: 'bad-txns-vout-empty', reason: 'malformed' },
  { prefix: 'bad-txns-vout-negative', reason: 'malformed' },
  { prefix: 'bad-txns-vout-toolarge', reason: 'malformed' },
  { prefix: 'bad-txns-txouttotal-toolarge', reason: 'malformed' },
  { prefix: 'bad-txns-prevout-null', reason: 'malformed' },
  { prefix: 'coinbase', reason: 'malformed' },
  { prefix: 'Invalid Litecoin address', reason: 'malformed' },
  { prefix: 'Invalid amount', reason: 'malformed' },
  { prefix: 'Amount out of range', reason: 'malformed' },
  { prefix: 'Amount is not a number or string', reason: 'malformed' },
  // size
  { prefix: 'tx-size', reason: 'too_large' },
  { prefix: 'bad-txns-oversize', reason: 'too_large' },
  { prefix: 'Transaction too large', reason: 'too_large' },
  // mempool capacity
  { prefix: 'mempool full', reason: 'mempool_full' },
];

/**
 * JSON-RPC codes with which litecoind refuses a tx (src/rpc/protocol.h): a type or value
 * error in the request (-3), a wallet refusal (-4, -6), a bad address (-5), a bad
 * parameter (-8), an undecodable tx (-22), a verify error (-25), a policy or consensus
 * refusal (-26), already in the chain (-27). Any other code is a failure of the call.
 */
const refusalCodes: ReadonlySet<number> = new Set([-3, -4, -5, -6, -8, -22, -25, -26, -27]);

/** True when an RPC error with `code` refuses the tx (rather than failing the call). */
export function isRefusalCode(code: number | undefined): boolean {
  return code !== undefined && refusalCodes.has(code);
}

/** A refusal classified. */
export interface ClassifiedRefusal {
  reason: CanonicalReason;
  /** The node's own reason code: its message up to the first `, `, ` (`, `. ` or `: ` (`min relay fee not met`). */
  code: string;
  /** The node's full message. */
  message: string;
  /**
   * `missing-inputs` when the node could not find the inputs: spent (a double spend) or
   * never on this chain (a tx of another chain); the caller tells them apart by looking
   * the inputs up (see `refineMissingInputs`).
   */
  ambiguity?: 'missing-inputs';
}

/** The node's reason code: its message up to the first `, `, ` (`, `. ` or `: `. */
function reasonCode(message: string): string {
  const cut = message.search(/, | \(|\. |: /);
  return (cut === -1 ? message : message.slice(0, cut)).trim();
}

/**
 * Classifies a refusal by the node's message.
 *
 * @example
 * classifyRefusal('min relay fee not met, 1 < 141') // { reason: 'fee_too_low', code: 'min relay fee not met', … }
 */
export function classifyRefusal(message: string): ClassifiedRefusal {
  const lower = message.toLowerCase();
  const rule = rules.find((r) => lower.startsWith(r.prefix.toLowerCase()));
  const reason = rule?.reason ?? 'unknown';
  const out: ClassifiedRefusal = { reason, code: reasonCode(message), message };
  if (rule?.prefix === 'bad-txns-inputs-missingorspent' || rule?.prefix === 'Missing inputs') {
    out.ambiguity = 'missing-inputs';
  }
  return out;
}

/**
 * Settles a `missing-inputs` refusal: `double_spend` when every input's tx is known to the
 * node (so the output was there and is spent), `wrong_chain` when some input's tx never
 * was on this chain (a Bitcoin-family tx names no chain; spending foreign outputs is how a
 * tx of another chain looks).
 */
export function refineMissingInputs(refusal: ClassifiedRefusal, inputTxsKnown: boolean): ClassifiedRefusal {
  if (refusal.ambiguity !== 'missing-inputs') return refusal;
  const { ambiguity: _settled, ...rest } = refusal;
  return { ...rest, reason: inputTxsKnown ? 'double_spend' : 'wrong_chain' };
}
