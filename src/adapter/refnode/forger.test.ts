import { verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  keyPairFromSeed,
  publicKeyFromAddress,
  type SignedTx,
  txId,
  txSigningBytes,
  type UnsignedTx,
} from '../../../refnode/src/codec.ts';
import { verifyTx } from '../../../refnode/src/tx-signature.ts';
import { ConfigError } from '../../support/errors.ts';
import { invalidTxs } from '../../workloads/invalid-txs.ts';
import {
  anyInvalidTx,
  expectedRejections,
  fullMempoolKinds,
  type InvalidTxCase,
  invalidKinds,
  materialize,
  refnodeForger,
} from './forger.ts';
import { fillerFee } from './limits.ts';
import { RefnodeWallet } from './wallet.ts';

const ctx = { minFee: 1, targets: 3 };

function wallet(index: number): RefnodeWallet {
  const secretKey = String(index + 1).padStart(64, '0');
  return new RefnodeWallet(
    'test-chain',
    {
      index,
      address: keyPairFromSeed(secretKey).address,
      secretKey,
      balance: 1000,
    },
    1n,
  );
}
const w = wallet(0);
const other = wallet(1);
const included = w.transferSync({ to: other.address, amount: 1n, nonce: 0 });
const ground = {
  wallet: w,
  other,
  recipient: other.address,
  nonce: 1,
  included,
  chainId: 'test-chain',
  minFee: 1,
  supply: 5000,
  limits: { maxBodyBytes: 4096, maxNonceGap: 64 },
};

describe('invalid tx arbitraries', () => {
  test('one arbitrary covers every kind a node refuses on its own, and the same seed gives the same cases', () => {
    const cases = fc.sample(anyInvalidTx(ctx), { seed: 42, numRuns: 600 });
    expect(new Set(cases.map((c) => c.kind))).toEqual(
      new Set(invalidKinds.filter((k) => !fullMempoolKinds.includes(k))),
    );
    expect(fc.sample(anyInvalidTx(ctx), { seed: 42, numRuns: 600 })).toEqual(cases);
    expect(cases.every((c) => c.node >= 0 && c.node < 3)).toBe(true);
  });

  test('no fee_too_low when the chain has no minimum fee; kinds can be chosen', () => {
    const free = fc.sample(anyInvalidTx({ minFee: 0, targets: 1 }), { seed: 1, numRuns: 300 });
    expect(free.some((c) => c.kind === 'fee_too_low')).toBe(false);
    const only = fc.sample(anyInvalidTx({ ...ctx, kinds: ['oversized', 'duplicate'] }), {
      seed: 1,
      numRuns: 50,
    });
    expect(new Set(only.map((c) => c.kind))).toEqual(new Set(['oversized', 'duplicate']));
  });

  test('every kind expects a typed reason', () => {
    expect(Object.keys(expectedRejections).sort()).toEqual([...invalidKinds].sort());
  });

  test('oversized cases reach past the tx limit and past the body limit', () => {
    const cases = fc.sample(anyInvalidTx({ ...ctx, kinds: ['oversized'] }), { seed: 3, numRuns: 200 });
    expect(new Set(cases.map((c) => (c as { over: string }).over))).toEqual(new Set(['tx', 'body']));
  });

  test('mempool_full cases pay at least the minimum fee and less than the fillers; the forger marks the kind', () => {
    const cases = fc.sample(anyInvalidTx({ ...ctx, kinds: ['mempool_full'] }), { seed: 5, numRuns: 200 });
    for (const c of cases) {
      const fee = (c as { fee: number }).fee;
      expect(fee).toBeGreaterThanOrEqual(1);
      expect(fee).toBeLessThan(fillerFee(1));
    }
    const forger = refnodeForger('test-chain', 1n, 5000n);
    expect(forger.kinds.filter((k) => k.needs === 'full-mempool')).toEqual([
      { kind: 'mempool_full', reason: 'mempool_full', needs: 'full-mempool' },
    ]);
  });
});

describe('materialize: what a case sends', () => {
  const payload = (c: InvalidTxCase): Record<string, unknown> => {
    const m = materialize(c, ground);
    if (!('tx' in m)) throw new Error('expected a tx');
    return m.tx.payload as Record<string, unknown>;
  };
  const honest = (amount: number, nonce: number, fee = 1) =>
    w.transferSync({ to: other.address, amount: BigInt(amount), nonce, fee: { flat: BigInt(fee) } })
      .payload as Record<string, unknown>;
  // Each kind pays the minimum fee (1) plus its index: no two kinds share an id.
  const feeOf = (kind: (typeof invalidKinds)[number]) => 1 + invalidKinds.indexOf(kind);

  test('signature kinds keep the fields and break only the signature', () => {
    const bad = payload({ kind: 'bad_signature', node: 0, amount: 5, nonceAhead: 2 });
    expect({ ...bad, sig: '' }).toEqual({ ...honest(5, 3), sig: '' });
    expect(bad.sig).not.toBe(honest(5, 3).sig);
    const foreign = payload({ kind: 'wrong_key', node: 0, amount: 5, nonceAhead: 2 });
    expect(foreign.from).toBe(w.address);
    // Signed by the other wallet's key: valid for that key, not for `from`.
    const bytes = txSigningBytes(foreign as unknown as SignedTx);
    expect(
      verify(null, bytes, publicKeyFromAddress(other.address), Buffer.from(foreign.sig as string, 'hex')),
    ).toBe(true);
    expect(verifyTx(foreign as unknown as SignedTx)).toBe(false);
    expect(foreign.sig).not.toBe(honest(5, 3).sig);
  });

  test('nonce, funds, amount and fee kinds', () => {
    expect(payload({ kind: 'nonce_too_low', node: 0, amount: 5 }).nonce).toBe(0);
    expect(payload({ kind: 'nonce_too_high', node: 0, amount: 5, beyond: 1000 }).nonce).toBe(1001);
    expect(payload({ kind: 'insufficient_funds', node: 0, excess: 7 }).amount).toBe(5007);
    expect(payload({ kind: 'zero_amount', node: 0, nonceAhead: 0 }).amount).toBe(0);
    expect(payload({ kind: 'negative_amount', node: 0, amount: -3 }).amount).toBe(-3);
    const sum = payload({ kind: 'overflow_amount', variant: 'sum', node: 0, extraFee: 0, under: 0 });
    expect(Number.isSafeInteger((sum.amount as number) + (sum.fee as number))).toBe(false);
    expect(
      Number.isSafeInteger(
        payload({ kind: 'overflow_amount', variant: 'unsafe', node: 0, amount: 2 ** 53 + 2 }).amount,
      ),
    ).toBe(false);
    expect(payload({ kind: 'fee_too_low', node: 0, amount: 5, fee: 0 }).fee).toBe(0);
    expect(payload({ kind: 'wrong_chain', node: 0, amount: 5, suffix: 'x1' }).chainId).toBe('test-chain-x1');
  });

  test('encoding kinds: oversized bodies, malformed bodies that never parse to a valid tx, duplicates', () => {
    expect(
      JSON.stringify(payload({ kind: 'oversized', node: 0, over: 'tx', bytes: 2000 })).length,
    ).toBeGreaterThanOrEqual(2000);
    // Past the API's body limit: a well-formed tx whose only fault is its size.
    const body = materialize({ kind: 'oversized', node: 0, over: 'body', beyond: 7 }, ground);
    expect('raw' in body && body.raw.length).toBe(4096 + 7);
    const parsed = JSON.parse((body as { raw: string }).raw) as Record<string, unknown>;
    expect({ ...parsed, memo: undefined }).toEqual({ ...honest(2, 1, feeOf('oversized')), memo: undefined });
    expect(materialize({ kind: 'duplicate', node: 0 }, ground)).toEqual({ tx: included });
    const bodies = fc.sample(anyInvalidTx({ ...ctx, kinds: ['malformed_encoding'] }), {
      seed: 7,
      numRuns: 300,
    });
    for (const c of bodies) {
      const m = materialize(c, ground);
      expect('raw' in m).toBe(true);
      const raw = (m as { raw: string }).raw;
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        continue; // not JSON at all: malformed
      }
      // Valid JSON must still be no valid tx: not an object, a missing/extra/mistyped field or bad hex.
      expect(Array.isArray(parsed)).toBe(false);
      expect(JSON.stringify(parsed)).not.toBe(JSON.stringify(honest(2, 1, feeOf('malformed_encoding'))));
    }
  });
});

describe('ids of forged cases', () => {
  /** The id a refnode node files a refusal under: the tx's fields, when they have the right types. */
  const filedUnder = (m: ReturnType<typeof materialize>): string | undefined => {
    if ('tx' in m) return m.tx.id;
    let t: Record<string, unknown>;
    try {
      t = JSON.parse(m.raw) as Record<string, unknown>;
    } catch {
      return undefined;
    }
    if (typeof t !== 'object' || t === null) return undefined;
    const strings = ['chainId', 'from', 'to'].every((f) => typeof t[f] === 'string');
    const numbers = ['amount', 'fee', 'nonce'].every((f) => typeof t[f] === 'number');
    return strings && numbers ? txId(t as unknown as UnsignedTx) : undefined;
  };

  test('no tx case shares its id with a case a node refuses for another reason', () => {
    // A node remembers one refusal per id: with a shared id the later refusal overwrites the
    // earlier, and the node answers the other case's reason (the oversized tx with the
    // malformed bodies' fields was answered `malformed` or `bad_signature`, not `too_large`).
    const cases = fc.sample(anyInvalidTx({ minFee: 1, targets: 1 }), { seed: 11, numRuns: 2000 });
    const reasons = new Map<string, Set<string>>();
    for (const c of cases) {
      const id = filedUnder(materialize(c, ground));
      if (id === undefined) continue;
      const set = reasons.get(id) ?? new Set<string>();
      for (const r of expectedRejections[c.kind]) set.add(r);
      reasons.set(id, set);
    }
    const txIds = new Set<string>();
    for (const c of cases) {
      const m = materialize(c, ground);
      if ('tx' in m && m.tx.id !== undefined && c.kind !== 'duplicate') txIds.add(m.tx.id);
    }
    // The padding is no part of the id: every oversized tx of the sample has this one.
    const oversized = materialize({ kind: 'oversized', node: 0, over: 'tx', bytes: 2000 }, ground);
    expect('tx' in oversized && txIds.has(oversized.tx.id ?? '')).toBe(true);
    const mixed = [...txIds].filter((id) => reasons.get(id)!.size > 1).map((id) => [...reasons.get(id)!]);
    expect(mixed).toEqual([]);
  });
});

describe('invalidTxs options', () => {
  test('bad options name the field, the value and what is allowed', () => {
    let error: unknown;
    try {
      invalidTxs({ count: 0, reasons: { duplicate: ['nope' as 'duplicate'] } });
    } catch (e) {
      error = e;
    }
    expect(ConfigError.is(error)).toBe(true);
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual([
      'invalidTxs.count',
      'invalidTxs.reasons.duplicate[0]',
    ]);
  });
});
