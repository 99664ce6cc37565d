import { describe, expect, it } from 'vitest';
import { classifyRefusal, isRefusalCode, refineMissingInputs } from './reject-reasons.ts';

// Messages in the formats litecoind 0.21 sends (sendrawtransaction, and the wallet's sends).
const cases: [string, string, string][] = [
  ['TX decode failed. Make sure the tx has at least one input.', 'malformed', 'TX decode failed'],
  ['txn-mempool-conflict', 'double_spend', 'txn-mempool-conflict'],
  [
    'bad-txns-in-belowout, value in (0.25) < value out (0.25000001)',
    'insufficient_funds',
    'bad-txns-in-belowout',
  ],
  ['min relay fee not met, 1 < 110', 'fee_too_low', 'min relay fee not met'],
  ['mempool min fee not met, 120 < 2000', 'fee_too_low', 'mempool min fee not met'],
  [
    'non-mandatory-script-verify-flag (Signature must be zero for failed CHECK(MULTI)SIG operation)',
    'bad_signature',
    'non-mandatory-script-verify-flag',
  ],
  [
    'mandatory-script-verify-flag-failed (Script failed an OP_EQUALVERIFY operation)',
    'bad_signature',
    'mandatory-script-verify-flag-failed',
  ],
  ['tx-size', 'too_large', 'tx-size'],
  ['Transaction already in block chain', 'duplicate', 'Transaction already in block chain'],
  ['Insufficient funds', 'insufficient_funds', 'Insufficient funds'],
  [
    'Fee rate (0.000 sat/vB) is lower than the minimum fee rate setting (1.000 sat/vB)',
    'fee_too_low',
    'Fee rate',
  ],
  ['Invalid Litecoin address: rltc1qnotanaddress', 'malformed', 'Invalid Litecoin address'],
  ['mempool full', 'mempool_full', 'mempool full'],
  ['too-long-mempool-chain, too many unconfirmed ancestors [limit: 25]', 'unknown', 'too-long-mempool-chain'],
  ['dust', 'unknown', 'dust'],
  [
    'bad-txns-premature-spend-of-coinbase, tried to spend coinbase at depth 3',
    'insufficient_funds',
    'bad-txns-premature-spend-of-coinbase',
  ],
];

describe('litecoind refusal reasons', () => {
  it.each(cases)('%s → %s', (message, reason, code) => {
    const refusal = classifyRefusal(message);
    expect(refusal).toEqual({ reason, code, message });
  });

  it('leaves missing inputs open until the inputs are looked up', () => {
    const refusal = classifyRefusal('bad-txns-inputs-missingorspent');
    expect(refusal).toEqual({
      reason: 'double_spend',
      code: 'bad-txns-inputs-missingorspent',
      message: 'bad-txns-inputs-missingorspent',
      ambiguity: 'missing-inputs',
    });
    expect(refineMissingInputs(refusal, true)).toEqual({
      reason: 'double_spend',
      code: 'bad-txns-inputs-missingorspent',
      message: 'bad-txns-inputs-missingorspent',
    });
    expect(refineMissingInputs(refusal, false).reason).toBe('wrong_chain');
    // nothing to settle on a clear refusal
    const clear = classifyRefusal('tx-size');
    expect(refineMissingInputs(clear, false)).toBe(clear);
  });

  it('tells refusals from failed calls by RPC code', () => {
    for (const code of [-3, -4, -5, -6, -8, -22, -25, -26, -27]) expect(isRefusalCode(code)).toBe(true);
    // -1 misc, -18 wallet not loaded, -28 warming up, -32601 no such method
    for (const code of [-1, -18, -28, -32601, undefined]) expect(isRefusalCode(code)).toBe(false);
  });
});
