import { afterEach, describe, expect, it } from 'vitest';
import { createTxSigner, keyPairFromSeed, type SignedTx, txId } from '../codec.ts';
import { VerifyCache } from './tx-check.ts';
import { VerifyPool, VerifyPoolStopped } from './verify-pool.ts';

const seeds = ['11', '22', '33'].map((b) => b.repeat(32));
const keys = seeds.map(keyPairFromSeed);
const signers = seeds.map(createTxSigner);

function tx(from: number, nonce: number): SignedTx {
  return signers[from]!({
    chainId: 'refnode-test',
    from: keys[from]!.address,
    to: keys[(from + 1) % 3]!.address,
    amount: 1,
    fee: 1,
    nonce,
  });
}
const entry = (t: SignedTx) => ({ tx: t, id: txId(t) });

const pools: VerifyPool[] = [];
function pool(workers: number, cache = new VerifyCache()): VerifyPool {
  const created = new VerifyPool({ cache, workers });
  pools.push(created);
  return created;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.stop()));
});

describe('VerifyPool', () => {
  for (const workers of [1, 0]) {
    it(`gives each tx its verdict in order, with ${workers} worker(s)`, async () => {
      const good = Array.from({ length: 300 }, (_, i) => tx(i % 3, i));
      const forged = { ...tx(0, 1000), amount: 2 };
      const wrongKey = { ...tx(1, 1001), from: keys[2]!.address };
      const notHex = { ...tx(2, 1002), sig: 'zz' };
      const notAPoint = { ...tx(0, 1003), from: 'ff'.repeat(32) };
      const all = [...good.slice(0, 150), forged, wrongKey, notHex, notAPoint, ...good.slice(150)];
      const verdicts = await pool(workers).verify(all.map(entry), 'tx');
      expect(verdicts).toEqual([
        ...good.slice(0, 150).map(() => true),
        false,
        false,
        false,
        false,
        ...good.slice(150).map(() => true),
      ]);
    });
  }

  it('remembers valid pairs in the cache and does not verify them again', async () => {
    const cache = new VerifyCache();
    const verifier = pool(1, cache);
    const txs = Array.from({ length: 50 }, (_, i) => tx(0, i));
    await verifier.verify(txs.map(entry), 'tx');
    expect(txs.every((t) => cache.has(txId(t), t.sig))).toBe(true);
    const forged = { ...txs[0]!, sig: txs[1]!.sig };
    expect(cache.has(txId(forged), forged.sig)).toBe(false);
    // The second round is answered by the cache: nothing waits.
    const again = verifier.verify(txs.map(entry), 'tx');
    expect(verifier.backlog).toBe(0);
    expect(await again).toEqual(txs.map(() => true));
  });

  it('verifies a tx submitted twice while waiting only once, and a forged copy separately', async () => {
    const verifier = pool(1);
    const t = tx(1, 7);
    const forged = { ...t, sig: tx(1, 8).sig };
    const first = verifier.verify([entry(t)], 'tx');
    const second = verifier.verify([entry(t), { tx: forged, id: txId(t) }], 'tx');
    expect(verifier.backlog).toBe(2);
    expect(await first).toEqual([true]);
    expect(await second).toEqual([true, false]);
    expect(verifier.backlog).toBe(0);
  });

  it('lets block txs overtake queued admissions', async () => {
    const verifier = pool(1);
    const order: string[] = [];
    const admissions = Array.from({ length: 2000 }, (_, i) => tx(0, i));
    const queued = verifier.verify(admissions.map(entry), 'tx').then(() => order.push('admissions'));
    const block = verifier.verify([entry(tx(2, 5))], 'block').then(() => order.push('block'));
    // A block tx that is already queued as an admission is promoted too.
    const promoted = verifier.verify([entry(admissions[1999]!)], 'block').then(() => order.push('promoted'));
    await Promise.all([queued, block, promoted]);
    expect(order.at(-1)).toBe('admissions');
    expect(order.toSorted()).toEqual(['admissions', 'block', 'promoted']);
  });

  it('estimates the wait from its backlog and measured rate', async () => {
    const verifier = pool(1);
    const txs = Array.from({ length: 1500 }, (_, i) => tx(i % 3, i));
    const done = verifier.verify(txs.map(entry), 'tx');
    expect(verifier.backlog).toBe(1500);
    expect(verifier.expectedWaitMs()).toBeGreaterThan(0);
    await done;
    expect(verifier.backlog).toBe(0);
    expect(verifier.expectedWaitMs()).toBe(0);
    // Measured, not the starting guess: ed25519 on any machine this runs on is 1k..100k/s per core.
    expect(verifier.rate).toBeGreaterThan(1000);
    expect(verifier.rate).toBeLessThan(100_000);
  });

  it('times batches on the worker, so answers that reach a busy event loop together do not inflate the rate', async () => {
    const verifier = pool(1);
    // Four batches of 64, all in flight at once; the event loop stays busy until the worker has
    // long finished them, so their answers arrive back to back (the rate was once timed by
    // their arrival: the second to fourth then looked verified in microseconds).
    const done = verifier.verify(
      Array.from({ length: 256 }, (_, i) => entry(tx(i % 3, i))),
      'tx',
    );
    const until = performance.now() + 500;
    while (performance.now() < until);
    await done;
    expect(verifier.rate).toBeGreaterThan(1000);
    expect(verifier.rate).toBeLessThan(100_000);
  });

  it('fails waiting callers with VerifyPoolStopped when stopped, and refuses new work', async () => {
    const verifier = pool(1);
    const waiting = verifier.verify(
      Array.from({ length: 3000 }, (_, i) => entry(tx(0, i))),
      'tx',
    );
    const outcome = expect(waiting).rejects.toBeInstanceOf(VerifyPoolStopped);
    await verifier.stop();
    await outcome;
    await expect(verifier.verify([entry(tx(0, 1))], 'tx')).rejects.toBeInstanceOf(VerifyPoolStopped);
    expect(verifier.backlog).toBe(0);
  });
});
