/**
 * litecoind's forging facet: the eight kinds of invalid tx `forge.ts` builds from real
 * coins, as fast-check cases of plain data (kind, target, a seed for the coin and details),
 * each with the canonical reason litecoind must give. A case becomes a serialized tx when
 * it runs, from the fuzz wallet's confirmed coins; one that decodes carries its txid, so
 * `toNeverInclude` can check it never reaches a block.
 */
import fc from 'fast-check';
import { systemClock } from '../../support/clock.ts';
import { AdapterError } from '../../support/errors.ts';
import { Rng } from '../../support/rng.ts';
import type { CanonicalReason } from '../reasons.ts';
import type { ForgeCase, ForgeContext, Forged, Forger, PreparedTx, Wallet } from '../types.ts';
import { type ForgeKind, forgeInvalidTx, forgeKinds } from './forge.ts';
import { decodeTx, txidOf } from './raw-tx.ts';
import { type LitecoindRawTx, LitecoindUserWallet } from './user-wallet.ts';
import { LitecoindWallet } from './wallet.ts';

/** Amount of the priming transfer (0.01 LTC). */
const PRIME_AMOUNT = 1_000_000n;
/** How long the target may take to see a double spend's first spend. */
const RELAY_WAIT_MS = 5000;

function userWallet(w: Wallet): LitecoindUserWallet {
  if (!(w instanceof LitecoindUserWallet))
    throw new AdapterError('litecoind', 'the litecoind forger needs a wallet of the litecoind adapter');
  return w;
}

/** The fuzz wallet as the RPC wallet `forge.ts` builds from. */
function rpcWallet(w: LitecoindUserWallet): LitecoindWallet {
  return new LitecoindWallet(w.index, { node: w.node, client: w.client, name: w.name }, w.address);
}

function isKind(kind: string): kind is ForgeKind {
  return (forgeKinds as readonly string[]).includes(kind);
}

/** The serialized tx as something to submit: with its txid when it decodes, raw otherwise. */
function toForged(hex: string, expect: CanonicalReason): Forged {
  let id: string;
  try {
    id = txidOf(decodeTx(hex));
  } catch {
    return { raw: hex, expect: [expect] };
  }
  const payload: LitecoindRawTx = { kind: 'raw', hex };
  return { tx: { payload, id, summary: {} } satisfies PreparedTx, expect: [expect] };
}

/**
 * The litecoind {@link Forger}. Kinds are named by the canonical reason they must get:
 * `double_spend`, `insufficient_funds`, `fee_too_low`, `bad_signature`, `malformed`,
 * `too_large`, `wrong_chain`, `duplicate` (no `bad_nonce`: a UTXO chain has no nonces).
 *
 * @example
 * const fuzz = await background(invalidTxs({ count: 16 })); // on a litecoind cluster
 */
export function litecoindForger(): Forger {
  return {
    kinds: forgeKinds.map((kind) => ({ kind, reason: kind })),

    arbitrary(kind, ctx) {
      if (!isKind(kind)) throw new AdapterError('litecoind', `no forge kind ${kind}`);
      return fc.record({
        kind: fc.constant(kind),
        node: fc.nat(Math.max(0, ctx.targets - 1)),
        seed: fc.nat(),
      }) as fc.Arbitrary<ForgeCase>;
    },

    async build(c: ForgeCase, ctx: ForgeContext): Promise<Forged> {
      if (!isKind(c.kind)) throw new AdapterError('litecoind', `no forge kind ${c.kind}`);
      const wallet = rpcWallet(userWallet(ctx.wallet));
      const forged = await forgeInvalidTx(wallet, c.kind, new Rng(Number(c.seed)));
      if (forged.first !== undefined) await seenBy(ctx, forged.first);
      // A re-sent tx that is in a block must stay there once: it gets no id of its own to never include.
      if (c.kind === 'duplicate') return { raw: forged.hex, expect: [forged.expect] };
      return toForged(forged.hex, forged.expect);
    },

    prime(ctx) {
      return userWallet(ctx.wallet).transfer({ to: ctx.other.address, amount: PRIME_AMOUNT });
    },
  };
}

/** Waits until the target node holds `txid` (a double spend is one only once its rival is known there). */
async function seenBy(ctx: ForgeContext, txid: string): Promise<void> {
  const deadline = systemClock.monotonic() + RELAY_WAIT_MS;
  while (systemClock.monotonic() < deadline) {
    const s = await ctx.client.txStatus(txid).catch(() => undefined);
    if (s !== undefined && s.status !== 'unknown') return;
    await systemClock.sleep(50);
  }
  throw new AdapterError(
    'litecoind',
    `${ctx.client.url} did not see the first spend ${txid.slice(0, 12)}… within ${RELAY_WAIT_MS} ms`,
  );
}
