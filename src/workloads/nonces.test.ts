import { describe, expect, test } from 'vitest';
import type { Wallet } from '../adapter/types.ts';
import { NonceBook } from './nonces.ts';

const wallet = { address: 'a'.repeat(64) } as Wallet;

describe('NonceBook', () => {
  test('starts at the account nonce, learned once, and hands out a dense sequence', async () => {
    const book = new NonceBook();
    let asked = 0;
    const fetch = async () => {
      asked++;
      return 7;
    };
    await Promise.all([book.ensure(wallet, fetch), book.ensure(wallet, fetch)]);
    expect(asked).toBe(1);
    expect([book.take(wallet.address), book.take(wallet.address), book.take(wallet.address)]).toEqual([
      7, 8, 9,
    ]);
  });

  test('a nonce given back is handed out again first, lowest first', async () => {
    const book = new NonceBook();
    await book.ensure(wallet, async () => 0);
    for (let i = 0; i < 4; i++) book.take(wallet.address);
    book.giveBack(wallet.address, 3);
    book.giveBack(wallet.address, 1);
    expect([book.take(wallet.address), book.take(wallet.address), book.take(wallet.address)]).toEqual([
      1, 3, 4,
    ]);
  });

  test('an unreachable node means a fresh wallet: nonce 0', async () => {
    const book = new NonceBook();
    await book.ensure(wallet, async () => {
      throw new Error('ECONNREFUSED');
    });
    expect(book.take(wallet.address)).toBe(0);
  });
});
