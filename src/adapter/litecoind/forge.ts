/**
 * Deliberately invalid txs for fuzzing, each built from a wallet's real coins so that it
 * breaks exactly one rule, with the canonical reason litecoind must refuse it for. A UTXO
 * chain has no nonces, so there is no `bad_nonce` kind.
 *
 * | kind | how it is built | litecoind's reason |
 * |---|---|---|
 * | `double_spend` | a coin spent by a tx already in the mempool (submitted here first), spent again | `txn-mempool-conflict` |
 * | `insufficient_funds` | outputs worth 1 litoshi more than the input | `bad-txns-in-belowout` |
 * | `fee_too_low` | a fee of 1 litoshi | `min relay fee not met` |
 * | `bad_signature` | a valid signature with one bit of `r` flipped | `non-mandatory-script-verify-flag (Signature must be zero …)` |
 * | `malformed` | random bytes, or a valid tx cut short | `TX decode failed` |
 * | `too_large` | an extra 101 kB output (standard limit: 400 000 weight) | `tx-size` |
 * | `wrong_chain` | spends an output of a tx this chain never had, as a tx of another chain would | `bad-txns-inputs-missingorspent`, inputs unknown |
 * | `duplicate` | a tx already in a block, sent again | `Transaction already in block chain` |
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { AdapterError } from '../../support/errors.ts';
import type { Rng } from '../../support/rng.ts';
import { formatLtc } from './amount.ts';
import { cloneTx, decodeTx, encodeTx, type RawTx } from './raw-tx.ts';
import type { CanonicalReason } from './reject-reasons.ts';
import type { LitecoindWallet, WalletUtxo } from './wallet.ts';

/** Kinds of invalid tx litecoind can be sent. */
export type ForgeKind =
  | 'double_spend'
  | 'insufficient_funds'
  | 'fee_too_low'
  | 'bad_signature'
  | 'malformed'
  | 'too_large'
  | 'wrong_chain'
  | 'duplicate';

/** Every kind, in a stable order (for seeded choices). */
export const forgeKinds: readonly ForgeKind[] = [
  'double_spend',
  'insufficient_funds',
  'fee_too_low',
  'bad_signature',
  'malformed',
  'too_large',
  'wrong_chain',
  'duplicate',
];

/** An invalid tx ready to submit, and what the node must say. */
export interface ForgedTx {
  kind: ForgeKind;
  /** Serialized tx (hex) to send with `sendrawtransaction`. */
  hex: string;
  /** The canonical reason of the refusal. */
  expect: CanonicalReason;
  /** What was done, for messages (`spends 3f2a…:1 again`). */
  note: string;
  /** `double_spend`: the valid first spend, already in the wallet node's mempool. */
  first?: string;
}

/** A fee comfortably above the minimum relay fee for a one-input, one-output tx. */
const SAFE_FEE = 10_000n;

/**
 * Builds an invalid tx of `kind` from `wallet`'s confirmed coins; `rng` picks the coin and
 * the details. `double_spend` submits its first, valid spend itself (a self-transfer).
 *
 * @example
 * const forged = await forgeInvalidTx(wallet, 'fee_too_low', rng.fork('forge'));
 * const outcome = await client.submit(forged.hex); // { ok: false, reason: 'fee_too_low', … }
 */
export async function forgeInvalidTx(wallet: LitecoindWallet, kind: ForgeKind, rng: Rng): Promise<ForgedTx> {
  switch (kind) {
    case 'malformed':
      return malformed(wallet, rng);
    case 'wrong_chain':
      return wrongChain(wallet);
    case 'duplicate':
      return duplicate(wallet, rng);
    case 'double_spend':
      return doubleSpend(wallet, rng);
  }
  const coin = await pickCoin(wallet, rng);
  const to = await wallet.newAddress();
  switch (kind) {
    case 'insufficient_funds': {
      const tx = await spend(wallet, coin, { [to]: coin.amount + 1n });
      return {
        kind,
        hex: tx,
        expect: 'insufficient_funds',
        note: `pays 1 litoshi more than ${coinName(coin)} holds`,
      };
    }
    case 'fee_too_low': {
      const tx = await spend(wallet, coin, { [to]: coin.amount - 1n });
      return { kind, hex: tx, expect: 'fee_too_low', note: `spends ${coinName(coin)} with a 1-litoshi fee` };
    }
    case 'bad_signature': {
      const tx = decodeTx(await spend(wallet, coin, { [to]: coin.amount - SAFE_FEE }));
      return {
        kind,
        hex: encodeTx(flipSignatureBit(tx)),
        expect: 'bad_signature',
        note: `spends ${coinName(coin)} with r's last bit flipped`,
      };
    }
    case 'too_large': {
      const tx = decodeTx(await spend(wallet, coin, { [to]: coin.amount - SAFE_FEE }));
      // OP_RETURN then 101 kB: 404 000 weight units without witness, over the 400 000 standard limit
      tx.outputs.push({ value: 0n, scriptPubKey: Uint8Array.of(0x6a, ...randomBytes(101_000)) });
      return {
        kind,
        hex: encodeTx(tx),
        expect: 'too_large',
        note: `spends ${coinName(coin)} with a 101 kB output`,
      };
    }
  }
}

function coinName(coin: WalletUtxo): string {
  return `${coin.txid.slice(0, 12)}…:${coin.vout}`;
}

async function pickCoin(wallet: LitecoindWallet, rng: Rng): Promise<WalletUtxo> {
  const coins = (await wallet.unspent(1)).filter((c) => c.amount > 2n * SAFE_FEE);
  if (coins.length === 0) {
    throw new AdapterError(
      'litecoind',
      `wallet ${wallet.name} on ${wallet.node} has no confirmed coin to forge a tx from`,
    );
  }
  // sorted so that the seeded pick does not depend on the order the node lists coins in
  return rng.pick(coins.sort((a, b) => (a.txid + a.vout).localeCompare(b.txid + b.vout)));
}

/** A tx spending `coin` to `outputs` (litoshis), signed by the wallet. */
async function spend(
  wallet: LitecoindWallet,
  coin: WalletUtxo,
  outputs: Record<string, bigint>,
): Promise<string> {
  const amounts = Object.fromEntries(Object.entries(outputs).map(([a, v]) => [a, formatLtc(v)]));
  const unsigned = await wallet.client.rpc.typed(
    'createrawtransaction',
    [[{ txid: coin.txid, vout: coin.vout }], amounts],
    z.string(),
  );
  const signed = await wallet.sign(unsigned);
  if (!signed.complete)
    throw new AdapterError('litecoind', `wallet ${wallet.name} could not sign a spend of ${coinName(coin)}`);
  return signed.hex;
}

/** Flips the lowest bit of `r` in the first input's DER signature (witness or scriptSig). */
function flipSignatureBit(tx: RawTx): RawTx {
  const out = cloneTx(tx);
  const input = out.inputs[0]!;
  // P2WPKH: witness [sig, pubkey]; P2PKH: scriptSig <push sig> <push pubkey>
  const sig =
    input.witness.length > 0 ? input.witness[0]! : input.scriptSig.subarray(1, 1 + input.scriptSig[0]!);
  // DER: 0x30 len 0x02 rLen r… 0x02 sLen s… sighash
  if (sig[0] !== 0x30 || sig[2] !== 0x02)
    throw new AdapterError('litecoind', 'the wallet signed with an unexpected signature encoding');
  const rLen = sig[3]!;
  sig[3 + rLen] = sig[3 + rLen]! ^ 0x01;
  return out;
}

async function malformed(wallet: LitecoindWallet, rng: Rng): Promise<ForgedTx> {
  if (rng.next() < 0.5) {
    const bytes = Buffer.from(Array.from({ length: rng.int(1, 64) }, () => rng.int(0, 255)));
    return {
      kind: 'malformed',
      hex: bytes.toString('hex'),
      expect: 'malformed',
      note: `${bytes.length} random bytes`,
    };
  }
  const coin = await pickCoin(wallet, rng);
  const hex = await spend(wallet, coin, { [wallet.address]: coin.amount - SAFE_FEE });
  const cut = rng.int(1, 20);
  return {
    kind: 'malformed',
    hex: hex.slice(0, -2 * cut),
    expect: 'malformed',
    note: `a valid tx cut ${cut} bytes short`,
  };
}

async function wrongChain(wallet: LitecoindWallet): Promise<ForgedTx> {
  const foreignTxid = randomBytes(32).toString('hex');
  const unsigned = await wallet.client.rpc.typed(
    'createrawtransaction',
    [[{ txid: foreignTxid, vout: 0 }], { [wallet.address]: formatLtc(100_000_000n) }],
    z.string(),
  );
  return {
    kind: 'wrong_chain',
    hex: unsigned,
    expect: 'wrong_chain',
    note: `spends ${foreignTxid.slice(0, 12)}…:0, an output this chain never had`,
  };
}

async function duplicate(wallet: LitecoindWallet, rng: Rng): Promise<ForgedTx> {
  // a confirmed tx with an output still unspent: litecoind recognises it as already in the chain
  const coin = await pickCoin(wallet, rng);
  const hex = await wallet.client.rpc.typed('getrawtransaction', [coin.txid, false], z.string());
  return {
    kind: 'duplicate',
    hex,
    expect: 'duplicate',
    note: `${coin.txid.slice(0, 12)}…, already in a block`,
  };
}

async function doubleSpend(wallet: LitecoindWallet, rng: Rng): Promise<ForgedTx> {
  const coin = await pickCoin(wallet, rng);
  const first = await spend(wallet, coin, { [await wallet.newAddress()]: coin.amount - SAFE_FEE });
  const sent = await wallet.client.submit(first);
  if (!sent.ok) {
    throw new AdapterError(
      'litecoind',
      `the first spend of ${coinName(coin)} was refused (${sent.code}): cannot forge a double spend`,
    );
  }
  const second = await spend(wallet, coin, { [await wallet.newAddress()]: coin.amount - 2n * SAFE_FEE });
  return {
    kind: 'double_spend',
    hex: second,
    expect: 'double_spend',
    note: `spends ${coinName(coin)} again (first spend ${sent.id.slice(0, 12)}…)`,
    first: sent.id,
  };
}
