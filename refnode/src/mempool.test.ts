import { describe, expect, it } from 'vitest';
import { type Account, LedgerState } from './chain/ledger.ts';
import { type CheckedTx, checkTxShape, isRejection } from './chain/tx-check.ts';
import { createTxSigner, keyPairFromSeed } from './codec.ts';
import { Mempool } from './mempool.ts';

const wallets = Array.from({ length: 6 }, (_, i) =>
  keyPairFromSeed((i + 1).toString(16).padStart(2, '0').repeat(32)),
);
const signers = wallets.map((w) => createTxSigner(w.secretKey));
const rich: Account = { balance: 1_000_000, nonce: 0 };

function tx(from: number, nonce: number, fee: number, amount = 1): CheckedTx {
  const checked = checkTxShape(
    signers[from]!({
      chainId: 'c',
      from: wallets[from]!.address,
      to: wallets[0]!.address,
      amount,
      fee,
      nonce,
    }),
    'c',
    0,
  );
  if (isRejection(checked)) throw new Error(checked.message);
  return checked;
}

describe('Mempool', () => {
  it('stays within its count bound, evicting the lowest fee first, and refuses txs that do not beat it', () => {
    const pool = new Mempool({ maxCount: 3, maxBytes: 1_000_000, maxNonceGap: 10 });
    expect(pool.add(tx(1, 0, 5), rich).ok).toBe(true);
    expect(pool.add(tx(2, 0, 2), rich).ok).toBe(true);
    expect(pool.add(tx(3, 0, 9), rich).ok).toBe(true);
    const full = pool.add(tx(4, 0, 2), rich);
    expect(full).toMatchObject({ ok: false, code: 'mempool_full' });
    const evicting = pool.add(tx(4, 0, 3), rich);
    expect(evicting.ok).toBe(true);
    expect(evicting.ok && evicting.evicted.map((t) => t.fee)).toEqual([2]);
    expect(pool.size).toBe(3);
    expect(pool.lowestFee).toBe(3);
    expect(pool.evictedTotal).toBe(1);
  });

  it('counts the txs a block could take: each sender’s consecutive nonces from its account nonce', () => {
    const pool = new Mempool({ maxCount: 100, maxBytes: 1_000_000, maxNonceGap: 10 });
    for (const [from, nonce] of [
      [1, 0],
      [1, 1],
      [1, 3], // waits for nonce 2
      [2, 2], // sender 2 is at nonce 2: executable
      [2, 3],
      [3, 1], // sender 3 is at nonce 0: waits
    ] as const)
      expect(pool.add(tx(from, nonce, 1), { ...rich, nonce: from === 2 ? 2 : 0 }).ok).toBe(true);
    const state = new LedgerState(
      new Map([
        [wallets[1]!.address, rich],
        [wallets[2]!.address, { ...rich, nonce: 2 }],
        [wallets[3]!.address, rich],
      ]),
    );
    expect(pool.size).toBe(6);
    expect(pool.executableCount(state)).toBe(4);
    expect([...pool.candidates(state)]).toHaveLength(4);
    // Once sender 3's nonce 0 is in a block (its account at nonce 1), its nonce 1 counts.
    state.accounts.set(wallets[3]!.address, { ...rich, nonce: 1 });
    expect(pool.executableCount(state)).toBe(5);
  });

  it('stays within its byte bound', () => {
    const size = tx(1, 0, 1).size;
    const pool = new Mempool({ maxCount: 100, maxBytes: size * 2 + 10, maxNonceGap: 10 });
    pool.add(tx(1, 0, 1), rich);
    pool.add(tx(2, 0, 1), rich);
    expect(pool.add(tx(3, 0, 1), rich)).toMatchObject({ ok: false, code: 'mempool_full' });
    expect(pool.add(tx(3, 0, 4), rich).ok).toBe(true);
    expect(pool.bytes).toBeLessThanOrEqual(size * 2 + 10);
    expect(pool.size).toBe(2);
  });

  it('evicting a nonce also evicts the same sender’s later nonces (they could no longer apply)', () => {
    const pool = new Mempool({ maxCount: 3, maxBytes: 1_000_000, maxNonceGap: 10 });
    pool.add(tx(1, 0, 1), rich);
    pool.add(tx(1, 1, 1), rich);
    pool.add(tx(2, 0, 8), rich);
    const result = pool.add(tx(3, 0, 5), rich);
    expect(result.ok && result.evicted.map((t) => t.nonce)).toEqual([1]);
    expect(pool.size).toBe(3);
  });

  it('at an equal fee, a tx nearer to executable displaces one further ahead (no lock-out by future nonces)', () => {
    const pool = new Mempool({ maxCount: 2, maxBytes: 1_000_000, maxNonceGap: 10 });
    expect(pool.add(tx(1, 3, 1), rich).ok).toBe(true); // gap 3: waits for nonces 0..2
    expect(pool.add(tx(2, 5, 1), rich).ok).toBe(true); // gap 5
    const executable = pool.add(tx(3, 0, 1), rich);
    expect(executable.ok && executable.evicted.map((t) => t.nonce)).toEqual([5]);
    expect(pool.add(tx(4, 4, 1), rich)).toMatchObject({ ok: false, code: 'mempool_full' });
    expect(pool.size).toBe(2);
  });

  it('yields candidates by fee while keeping each sender’s nonce order', () => {
    const pool = new Mempool({ maxCount: 100, maxBytes: 1_000_000, maxNonceGap: 10 });
    pool.add(tx(1, 1, 100), rich); // high fee but waits for nonce 0
    pool.add(tx(1, 0, 1), rich);
    pool.add(tx(2, 0, 50), rich);
    pool.add(tx(3, 0, 10), rich);
    pool.add(tx(4, 2, 99), rich); // nonce gap: not executable
    const state = LedgerState.fromBalances({});
    const order = [...pool.candidates(state)].map(
      (t) => `${wallets.findIndex((w) => w.address === t.from)}:${t.nonce}`,
    );
    expect(order).toEqual(['2:0', '3:0', '1:0', '1:1']);
  });

  it('refuses bad nonces, duplicates, unaffordable txs and equal-fee replacements with typed reasons', () => {
    const pool = new Mempool({ maxCount: 100, maxBytes: 1_000_000, maxNonceGap: 2 });
    const account: Account = { balance: 100, nonce: 5 };
    expect(pool.add(tx(1, 4, 1), account)).toMatchObject({ ok: false, code: 'bad_nonce' });
    expect(pool.add(tx(1, 8, 1), account)).toMatchObject({ ok: false, code: 'bad_nonce' });
    expect(pool.add(tx(1, 5, 1, 60), account).ok).toBe(true);
    expect(pool.add(tx(1, 5, 1, 60), account)).toMatchObject({ ok: false, code: 'duplicate' });
    expect(pool.add(tx(1, 6, 1, 60), account)).toMatchObject({ ok: false, code: 'insufficient_funds' });
    expect(pool.add(tx(1, 5, 1, 10), account)).toMatchObject({ ok: false, code: 'bad_nonce' });
    const replaced = pool.add(tx(1, 5, 3, 10), account);
    expect(replaced.ok).toBe(true);
    expect(pool.size).toBe(1);
    expect(pool.add(tx(1, 6, 1, 60), account).ok).toBe(true);
  });

  it('drops stale nonces after a block applied them', () => {
    const pool = new Mempool({ maxCount: 100, maxBytes: 1_000_000, maxNonceGap: 10 });
    pool.add(tx(1, 0, 1), rich);
    pool.add(tx(1, 1, 1), rich);
    pool.add(tx(1, 2, 1), rich);
    expect(pool.dropStale(wallets[1]!.address, 2).map((t) => t.nonce)).toEqual([0, 1]);
    expect(pool.size).toBe(1);
    expect(pool.bytes).toBe(tx(1, 2, 1).size);
  });
});

describe('checkTxShape', () => {
  const good = signers[1]!({
    chainId: 'c',
    from: wallets[1]!.address,
    to: wallets[2]!.address,
    amount: 5,
    fee: 2,
    nonce: 0,
  });
  it.each([
    ['not an object', 5, 'malformed'],
    ['missing field', { ...good, amount: undefined }, 'malformed'],
    ['zero amount', { ...good, amount: 0 }, 'malformed'],
    ['fractional fee', { ...good, fee: 1.5 }, 'malformed'],
    ['bad address', { ...good, to: 'xyz' }, 'malformed'],
    ['extra field', { ...good, memo: 'hi' }, 'malformed'],
    ['huge', { ...good, chainId: 'c'.repeat(5000) }, 'too_large'],
    ['other chain', { ...good, chainId: 'd' }, 'wrong_chain'],
    ['fee below min', { ...good, fee: 1 }, 'fee_too_low'],
  ])('%s → %s', (_name, raw, code) => {
    const result = checkTxShape(raw, 'c', 2);
    expect(isRejection(result) && result.code).toBe(code);
  });
  it('accepts a good tx and gives its id and size', () => {
    const result = checkTxShape(good, 'c', 2);
    expect(isRejection(result)).toBe(false);
  });
  it('hands out executable txs pending for ageMs for re-gossip, once per ageMs, and none while all are young', () => {
    const pool = new Mempool({ maxCount: 100, maxBytes: 1_000_000, maxNonceGap: 10 });
    const accounts = new Map(wallets.map((w) => [w.address, rich]));
    const state = new LedgerState(accounts);
    pool.add(tx(1, 0, 1), rich);
    pool.add(tx(1, 1, 1), rich);
    pool.add(tx(2, 3, 1), rich); // nonce gap: not executable, never re-gossiped
    const now = Date.now();
    expect(pool.takeStale(state, 3000, 10, now)).toEqual([]);
    const stale = pool.takeStale(state, 3000, 10, now + 5000);
    expect(stale.map((t) => [t.from, t.nonce])).toEqual([
      [wallets[1]!.address, 0],
      [wallets[1]!.address, 1],
    ]);
    // Marked as sent: not again until another ageMs has passed.
    expect(pool.takeStale(state, 3000, 10, now + 6000)).toEqual([]);
    expect(pool.takeStale(state, 3000, 1, now + 9000)).toHaveLength(1);
  });
  it('evicts exactly the tx a full scan would pick, through any mix of adds, evictions and removals', () => {
    // A shadow of the pool checks every eviction against the rule itself: lowest fee, then the
    // furthest ahead of its sender's nonce, then the newest.
    let state = 7;
    const rand = (n: number) => {
      state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
      return (state >>> 8) % n;
    };
    const senders = Array.from({ length: 24 }, (_, i) =>
      keyPairFromSeed((i + 100).toString(16).padStart(2, '0').repeat(32)),
    );
    const sign = senders.map((w) => createTxSigner(w.secretKey));
    const pool = new Mempool({ maxCount: 40, maxBytes: 1_000_000, maxNonceGap: 8 });
    const shadow = new Map<string, { fee: number; gap: number; seq: number; from: number; nonce: number }>();
    let seq = 0;
    let evictions = 0;
    for (let step = 0; step < 3000; step++) {
      if (rand(5) === 0 && shadow.size > 0) {
        const ids = [...shadow.keys()];
        const id = ids[rand(ids.length)]!;
        pool.remove(id);
        shadow.delete(id);
        continue;
      }
      const from = rand(senders.length);
      const nonce = rand(9);
      const fee = 1 + rand(3);
      const checked = checkTxShape(
        sign[from]!({
          chainId: 'c',
          from: senders[from]!.address,
          to: wallets[0]!.address,
          amount: 1,
          fee,
          nonce,
        }),
        'c',
        0,
      );
      if (isRejection(checked)) throw new Error(checked.message);
      const pending = [...shadow.values()].find((e) => e.from === from && e.nonce === nonce);
      const live = [...shadow.entries()];
      const lowest = Math.min(...live.map(([, e]) => e.fee));
      const expected = live
        .filter(([, e]) => e.fee === lowest)
        .sort(([, a], [, b]) => b.gap - a.gap || b.seq - a.seq)[0];
      const result = pool.add(checked, rich);
      if (!result.ok) continue;
      if (pending !== undefined) {
        for (const [id, e] of shadow) if (e === pending) shadow.delete(id);
      }
      if (result.evicted.length > 0) {
        evictions++;
        const victim = [...result.evicted].sort((a, b) => a.nonce - b.nonce)[0]!;
        expect(victim.id).toBe(expected![0]);
        for (const tx of result.evicted) shadow.delete(tx.id);
      }
      shadow.set(checked.id, { fee, gap: nonce, seq: seq++, from, nonce });
    }
    expect(evictions).toBeGreaterThan(50);
    expect(pool.size).toBe(shadow.size);
  });
});
