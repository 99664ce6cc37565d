import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTxSigner, keyPairFromSeed } from '../codec.ts';
import { LedgerState } from './ledger.ts';

const keys = ['01', '02', '03'].map((b) => ({ ...keyPairFromSeed(b.repeat(32)) }));
const proposer = keyPairFromSeed('09'.repeat(32)).address;
const signers = keys.map((k) => createTxSigner(k.secretKey));

describe('LedgerState', () => {
  it('applies a transfer: nonce, balances, fee to the proposer', () => {
    const state = LedgerState.fromBalances({ [keys[0]!.address]: 100 });
    const tx = signers[0]!({
      chainId: 'c',
      from: keys[0]!.address,
      to: keys[1]!.address,
      amount: 30,
      fee: 5,
      nonce: 0,
    });
    expect(state.applyTx(tx, proposer)).toBeUndefined();
    expect(state.get(keys[0]!.address)).toEqual({ balance: 65, nonce: 1 });
    expect(state.get(keys[1]!.address)).toEqual({ balance: 30, nonce: 0 });
    expect(state.get(proposer)).toEqual({ balance: 5, nonce: 0 });
    expect(state.supply()).toBe(100);
  });

  it('refuses wrong nonces and overspending without changing anything', () => {
    const state = LedgerState.fromBalances({ [keys[0]!.address]: 100 });
    const root = state.root();
    const base = { chainId: 'c', from: keys[0]!.address, to: keys[1]!.address, fee: 1 };
    expect(state.applyTx(signers[0]!({ ...base, amount: 1, nonce: 1 }), proposer)).toBe('bad_nonce');
    expect(state.applyTx(signers[0]!({ ...base, amount: 100, nonce: 0 }), proposer)).toBe(
      'insufficient_funds',
    );
    expect(state.root()).toBe(root);
  });

  it('self-transfers only cost the fee', () => {
    const state = LedgerState.fromBalances({ [keys[0]!.address]: 100 });
    expect(
      state.applyTx(
        signers[0]!({
          chainId: 'c',
          from: keys[0]!.address,
          to: keys[0]!.address,
          amount: 50,
          fee: 2,
          nonce: 0,
        }),
        proposer,
      ),
    ).toBeUndefined();
    expect(state.get(keys[0]!.address)).toEqual({ balance: 98, nonce: 1 });
  });

  it('children are independent copies and the root covers every account', () => {
    const parent = LedgerState.fromBalances({ [keys[0]!.address]: 100, [keys[1]!.address]: 7 });
    const child = parent.child();
    child.applyTx(
      signers[0]!({
        chainId: 'c',
        from: keys[0]!.address,
        to: keys[2]!.address,
        amount: 1,
        fee: 1,
        nonce: 0,
      }),
      proposer,
    );
    expect(parent.get(keys[0]!.address).balance).toBe(100);
    expect(child.root()).not.toBe(parent.root());
    expect(LedgerState.fromBalances({ [keys[1]!.address]: 7, [keys[0]!.address]: 100 }).root()).toBe(
      parent.root(),
    );
  });

  it('conserves supply over any sequence of transfers (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            from: fc.nat(2),
            to: fc.nat(2),
            amount: fc.integer({ min: 1, max: 60 }),
            fee: fc.nat(10),
          }),
          { maxLength: 40 },
        ),
        (transfers) => {
          const state = LedgerState.fromBalances({
            [keys[0]!.address]: 100,
            [keys[1]!.address]: 50,
            [keys[2]!.address]: 10,
          });
          for (const t of transfers) {
            const nonce = state.get(keys[t.from]!.address).nonce;
            const tx = signers[t.from]!({
              chainId: 'c',
              from: keys[t.from]!.address,
              to: keys[t.to]!.address,
              amount: t.amount,
              fee: t.fee,
              nonce,
            });
            state.applyTx(tx, proposer);
            for (const account of state.accounts.values()) expect(account.balance).toBeGreaterThanOrEqual(0);
          }
          expect(state.supply()).toBe(160);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('mint adds supply (only the mint-on-propose bug uses it)', () => {
    const state = LedgerState.fromBalances({ [keys[0]!.address]: 100 });
    state.mint(proposer, 1);
    expect(state.supply()).toBe(101);
  });
});
