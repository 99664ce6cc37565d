/**
 * Every kind of invalid tx litecoind can be sent, built from real coins, is refused with
 * its canonical reason; none of them ever reaches a block; and a double spend found only
 * after its rival is mined is still told apart from a tx of another chain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RegtestNodes, startRegtestNodes } from '../../../test/litecoind/regtest-nodes.ts';
import { Rng } from '../../support/rng.ts';
import { type ForgedTx, forgeInvalidTx, forgeKinds } from './forge.ts';
import { type FundedWallets, fundWallets } from './fund-wallets.ts';
import { decodeTx, txidOf } from './raw-tx.ts';
import { waitForSameTip } from './sync.ts';

describe('litecoind invalid txs', () => {
  let net: RegtestNodes;
  let funded: FundedWallets;
  const rng = new Rng(4242).fork('forge');

  beforeAll(async () => {
    net = await startRegtestNodes(2);
    funded = await fundWallets(net.nodes, { wallets: 2, balance: 100_000_000n, utxosPerWallet: 8 });
  });
  afterAll(async () => {
    await net?.[Symbol.asyncDispose]();
  });

  it('refuses each kind with its canonical reason, and none is ever mined', async () => {
    const wallet = funded.wallets[0]!;
    const forged: ForgedTx[] = [];
    const seen: Record<string, string> = {};
    for (const kind of forgeKinds) {
      const tx = await forgeInvalidTx(wallet, kind, rng);
      forged.push(tx);
      const outcome = await wallet.client.submit(tx.hex);
      expect(outcome.ok, `${kind}: ${tx.note}`).toBe(false);
      if (!outcome.ok) {
        seen[kind] = `${outcome.reason} (${outcome.code})`;
        expect(outcome.reason, `${kind}: ${outcome.message}`).toBe(tx.expect);
      }
    }
    expect(seen).toEqual({
      double_spend: 'double_spend (txn-mempool-conflict)',
      insufficient_funds: 'insufficient_funds (bad-txns-in-belowout)',
      fee_too_low: 'fee_too_low (min relay fee not met)',
      bad_signature: 'bad_signature (non-mandatory-script-verify-flag)',
      malformed: 'malformed (TX decode failed)',
      too_large: 'too_large (tx-size)',
      wrong_chain: 'wrong_chain (bad-txns-inputs-missingorspent)',
      duplicate: 'duplicate (Transaction already in block chain)',
    });
    const [hash] = await wallet.client.generateToAddress(1, funded.funder.address);
    await waitForSameTip(net.nodes, { timeoutMs: 10_000 });
    const block = await net.nodes[1]!.client.block(hash!);
    const ids = new Set(
      forged.flatMap((f) => {
        try {
          return [txidOf(decodeTx(f.hex))];
        } catch {
          return []; // malformed: it has no id
        }
      }),
    );
    // the double spend's first (valid) spend is mined; no forged tx is
    expect(block!.txIds.filter((id) => ids.has(id))).toEqual([]);
    expect(block!.txIds).toHaveLength(2);
  });

  it('a double spend of a mined output is a double spend, not a foreign tx', async () => {
    const wallet = funded.wallets[1]!;
    const forged = await forgeInvalidTx(wallet, 'double_spend', rng);
    await wallet.client.generateToAddress(1, funded.funder.address);
    // its rival is now in a block: litecoind says only "missing or spent"
    const outcome = await wallet.client.submit(forged.hex);
    expect(outcome).toMatchObject({
      ok: false,
      reason: 'double_spend',
      code: 'bad-txns-inputs-missingorspent',
    });
  });
});
