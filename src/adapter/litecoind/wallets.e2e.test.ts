/**
 * Wallets in the nodes' wallet RPC on two real nodes: the funding start step (coinbases
 * mined to maturity, one payment to every wallet, every node and wallet sees it), async
 * transfers whose id is the node's txid, and refusals as values with canonical reasons.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RegtestNodes, startRegtestNodes } from '../../../test/litecoind/regtest-nodes.ts';
import { AdapterError, ConfigError } from '../../support/errors.ts';
import { parseLtc } from './amount.ts';
import { emittedSupply } from './emission.ts';
import { type FundedWallets, fundWallets } from './fund-wallets.ts';
import { decodeTx, txidOf } from './raw-tx.ts';
import { waitForSameTip } from './sync.ts';

const LTC = 100_000_000n;

describe('litecoind wallets', () => {
  let net: RegtestNodes;
  let funded: FundedWallets;
  const story: string[] = [];

  beforeAll(async () => {
    net = await startRegtestNodes(2);
    funded = await fundWallets(
      net.nodes,
      { wallets: 4, balance: 5n * LTC, utxosPerWallet: 2 },
      { log: (l) => story.push(l) },
    );
  });
  afterAll(async () => {
    await net?.[Symbol.asyncDispose]();
  });

  it('funds every wallet on its node from mature coinbases, within the deadline', async () => {
    expect(funded.wallets.map((w) => [w.index, w.node, w.name])).toEqual([
      [0, 'ltc-0', 'user-0'],
      [1, 'ltc-1', 'user-1'],
      [2, 'ltc-0', 'user-2'],
      [3, 'ltc-1', 'user-3'],
    ]);
    for (const w of funded.wallets) {
      expect(await w.balances()).toEqual({ trusted: 5n * LTC, pending: 0n, immature: 0n });
      expect((await w.unspent()).map((u) => u.amount)).toEqual([250_000_000n, 250_000_000n]);
    }
    // 20 LTC need one mature 50 LTC coinbase: 1 + 100 blocks, then the payment's block
    expect(funded.height).toBe(102);
    expect(story).toEqual([
      'mining 101 blocks on ltc-0 so that 1 coinbase matures',
      expect.stringMatching(
        /^funded 4 wallets with 5\.00000000 LTC each in \d+ ms \(tx [0-9a-f]{12}…, height 102\)$/,
      ),
    ]);
    expect((await net.nodes[1]!.client.utxoTotal()).total).toBe(emittedSupply(102));
  });

  it('transfers through the wallet daemon; the id is the txid the node computed', async () => {
    const [from, to] = [funded.wallets[0]!, funded.wallets[1]!];
    const outcome = await from.transfer(to.address, 12_345_678n, { feeRate: 3n });
    expect(outcome.ok).toBe(true);
    const id = (outcome as { id: string }).id;
    const hex = String(await from.client.rpc.call('getrawtransaction', [id]));
    const tx = decodeTx(hex);
    expect(txidOf(tx)).toBe(id);
    expect(tx.outputs.map((o) => o.value)).toContain(12_345_678n);
    const entry = (await from.client.rpc.call('getmempoolentry', [id])) as {
      vsize: number;
      fees: { base: { text: string } };
    };
    // fee = rate × the size the wallet estimated before signing, in litoshis. The estimate
    // takes signatures of the usual length; one that comes out a byte or two shorter (a short
    // r or s, about 1 in 100) leaves the tx up to a vbyte per input smaller than what it paid for.
    const fee = parseLtc(entry.fees.base.text);
    expect(fee).toBeGreaterThanOrEqual(3n * BigInt(entry.vsize));
    expect(fee).toBeLessThanOrEqual(3n * BigInt(entry.vsize + tx.inputs.length));
    // the receiver's node sees it pending, then both see it in a block
    await expect.poll(async () => (await to.client.txStatus(id)).status, { timeout: 10_000 }).toBe('pending');
    const [hash] = await from.client.generateToAddress(1, funded.funder.address);
    await waitForSameTip(net.nodes, { timeoutMs: 10_000 });
    expect(await to.client.txStatus(id)).toMatchObject({ status: 'included', blockHash: hash });
    await expect
      .poll(async () => (await to.balances()).trusted, { timeout: 10_000 })
      .toBe(5n * LTC + 12_345_678n);
  });

  it('refuses with canonical reasons: insufficient funds, fee below the minimum, a bad address', async () => {
    const w = funded.wallets[2]!;
    expect(await w.transfer(funded.wallets[3]!.address, 6n * LTC)).toEqual({
      ok: false,
      reason: 'insufficient_funds',
      code: 'Insufficient funds',
      message: 'Insufficient funds',
    });
    const cheap = await w.transfer(funded.wallets[3]!.address, LTC, { feeRate: 0n });
    expect(cheap).toMatchObject({ ok: false, reason: 'fee_too_low' });
    expect(await w.transfer('rltc1qnotanaddress', LTC)).toMatchObject({ ok: false, reason: 'malformed' });
    expect((await w.balances()).trusted).toBe(5n * LTC);
  });

  it('validates funding options before touching a node, and fails a missed deadline naming the step', async () => {
    const bad = await fundWallets(net.nodes, { wallets: 0, utxosPerWallet: 99, walletPrefix: 'User' }).catch(
      (e: unknown) => e,
    );
    expect(ConfigError.is(bad) && bad.issues.map((i) => i.path)).toEqual([
      'wallets',
      'utxosPerWallet',
      'walletPrefix',
    ]);
    // a frozen node cannot open its wallets: the deadline names the step that was running
    await net.nodes[1]!.process.pause();
    try {
      const late = await fundWallets(net.nodes, { wallets: 2, walletPrefix: 'late', timeoutMs: 1000 }).catch(
        (e: unknown) => e,
      );
      expect(AdapterError.is(late)).toBe(true);
      expect((late as Error).message).toBe(
        'litecoind adapter: funding wallets did not finish within 1000 ms (while opening wallets)',
      );
    } finally {
      await net.nodes[1]!.process.resume();
    }
  });
});
