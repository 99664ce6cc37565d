/**
 * The start step that gives a regtest cluster funded users: a funder wallet on the first
 * node mines coinbases until enough of them are mature (regtest maturity: 100 blocks), one
 * `sendmany` pays every user wallet (each on a node in turn, each with several outputs so
 * it can send several txs before the next block), one block confirms it, and the step
 * waits until every node has that block and every wallet sees its money. All of it within
 * one deadline.
 */
import { z } from 'zod';
import { type Clock, systemClock } from '../../support/clock.ts';
import { AdapterError } from '../../support/errors.ts';
import { parseOptions } from '../../support/validate.ts';
import { formatLtc } from './amount.ts';
import { type LitecoinChainParams, litecoinRegtest } from './chain-params.ts';
import type { LitecoindClient } from './client.ts';
import { blockSubsidy } from './emission.ts';
import { hashSchema } from './rpc-json.ts';
import { waitForBlockOnAll } from './sync.ts';
import { DEFAULT_FEE_RATE, LitecoindWallet } from './wallet.ts';

/** A node the step may use. */
export interface FundingNode {
  name: string;
  client: LitecoindClient;
}

const fundOptionsSchema = z.strictObject({
  wallets: z.number().int().min(1).max(1000),
  balance: z.bigint().positive().default(1_000_000_000n),
  utxosPerWallet: z.number().int().min(1).max(50).default(4),
  feeRate: z.bigint().positive().default(DEFAULT_FEE_RATE),
  timeoutMs: z.number().int().min(1000).max(3_600_000).default(60_000),
  walletPrefix: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/)
    .default('user'),
  funderName: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/)
    .default('funder'),
});

const allowed = {
  wallets: 'an integer 1..1000',
  balance: 'a positive bigint of litoshis per wallet',
  utxosPerWallet: 'an integer 1..50',
  feeRate: 'a positive bigint of litoshis per vbyte',
  timeoutMs: 'an integer 1000..3600000',
  walletPrefix: 'lowercase letters, digits and -, starting with a letter',
  funderName: 'lowercase letters, digits and -, starting with a letter',
};

/** Options of {@link fundWallets}; the zod schema is the source of types and defaults. */
export type FundWalletsOptions = z.input<typeof fundOptionsSchema>;

/** What the step made. */
export interface FundedWallets {
  /** User wallets, `index` 0.., on nodes in turn. */
  wallets: LitecoindWallet[];
  /** The wallet that mined and paid (on the first node); coinbases may keep going to it. */
  funder: LitecoindWallet;
  /** Txid of the payment to all users. */
  fundingTx: string;
  /** Height of the block that confirmed it (on every node when the step returns). */
  height: number;
}

/** Extra ctx: story log, abort signal, clock, chain params (default regtest). */
export interface FundWalletsContext {
  log?: (line: string) => void;
  signal?: AbortSignal;
  clock?: Clock;
  params?: LitecoinChainParams;
}

/**
 * Funds `wallets` users with `balance` litoshis each. Defaults: 10 LTC each, 4 outputs per
 * wallet, fee 2 litoshis/vB, 60 s deadline, wallet names `user-0…`, funder `funder`.
 *
 * @example
 * const { wallets } = await fundWallets(nodes, { wallets: 10 }, { log: console.log });
 */
export async function fundWallets(
  nodes: readonly FundingNode[],
  options: FundWalletsOptions,
  ctx: FundWalletsContext = {},
): Promise<FundedWallets> {
  const opts = parseOptions(fundOptionsSchema, options, 'wallet funding options', allowed);
  if (nodes.length === 0) throw new AdapterError('litecoind', 'funding wallets needs at least one node');
  const clock = ctx.clock ?? systemClock;
  const started = clock.monotonic();
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, deadline]) : deadline;
  let step = 'opening wallets';
  try {
    const head = nodes[0]!;
    const funder = await LitecoindWallet.open(
      -1,
      { node: head.name, client: head.client, name: opts.funderName },
      { signal },
    );
    const wallets = await Promise.all(
      Array.from({ length: opts.wallets }, (_, i) => {
        const node = nodes[i % nodes.length]!;
        const name = `${opts.walletPrefix}-${i}`;
        return LitecoindWallet.open(i, { node: node.name, client: node.client, name }, { signal });
      }),
    );
    const outputs = await paymentOutputs(wallets, opts.balance, opts.utxosPerWallet, signal);
    const need = opts.balance * BigInt(opts.wallets);

    step = 'mining coinbases to maturity';
    await mineUntilSpendable(funder, need, ctx.params ?? litecoinRegtest, signal, ctx.log);

    step = 'paying the wallets';
    const fundingTx = await funder.client.rpc.typed(
      'sendmany',
      { dummy: '', amounts: outputs, fee_rate: String(opts.feeRate) },
      hashSchema,
      { wallet: funder.name, signal },
    );
    const [blockHash] = await funder.client.generateToAddress(1, funder.address, { signal });
    const header = (await funder.client.rpc.call('getblockheader', [blockHash, true], { signal })) as {
      height: number;
    };

    step = 'waiting for every node and wallet to see the payment';
    await waitForBlockOnAll(
      nodes,
      { height: header.height, hash: blockHash! },
      {
        timeoutMs: Math.max(1000, opts.timeoutMs - (clock.monotonic() - started)),
        signal,
        clock,
      },
    );
    await Promise.all(wallets.map((w) => waitForBalance(w, opts.balance, signal, clock)));
    ctx.log?.(
      `funded ${opts.wallets} wallets with ${formatLtc(opts.balance)} LTC each in ${Math.round(clock.monotonic() - started)} ms (tx ${fundingTx.slice(0, 12)}…, height ${header.height})`,
    );
    return { wallets, funder, fundingTx, height: header.height };
  } catch (error) {
    if (deadline.aborted && !ctx.signal?.aborted) {
      throw new AdapterError(
        'litecoind',
        `funding wallets did not finish within ${opts.timeoutMs} ms (while ${step})`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}

/** `utxos` outputs per wallet (fresh addresses) that add up to `balance` each. */
async function paymentOutputs(
  wallets: readonly LitecoindWallet[],
  balance: bigint,
  utxos: number,
  signal: AbortSignal,
): Promise<Record<string, string>> {
  const share = balance / BigInt(utxos);
  const outputs: Record<string, string> = {};
  for (const wallet of wallets) {
    const addresses = [wallet.address];
    while (addresses.length < utxos) addresses.push(await wallet.newAddress({ signal }));
    addresses.forEach((address, i) => {
      // the first output takes the remainder so the outputs add up to `balance` exactly
      outputs[address] = formatLtc(i === 0 ? balance - share * BigInt(utxos - 1) : share);
    });
  }
  return outputs;
}

/** Mines to the funder until its spendable balance covers `need` plus a fee margin. */
async function mineUntilSpendable(
  funder: LitecoindWallet,
  need: bigint,
  params: LitecoinChainParams,
  signal: AbortSignal,
  log: ((line: string) => void) | undefined,
): Promise<void> {
  // a margin for the payment's fee: far more than any sendmany pays at a few litoshis/vB
  const target = need + 10_000_000n;
  for (let round = 0; round < 4; round++) {
    const { trusted, immature } = await funder.balances({ signal });
    if (trusted >= target) return;
    const tip = await funder.client.tip({ signal });
    // coinbases needed beyond what is mature or maturing, then enough blocks to mature them all
    let coinbases = 0;
    let expected = trusted + immature;
    while (expected < target) {
      coinbases++;
      const subsidy = blockSubsidy(tip.height + coinbases, params);
      if (subsidy === 0n)
        throw new AdapterError('litecoind', 'the chain pays no subsidy any more: cannot fund wallets');
      expected += subsidy;
    }
    const blocks = coinbases + params.coinbaseMaturity;
    const what =
      coinbases === 0
        ? 'its coinbases mature'
        : coinbases === 1
          ? '1 coinbase matures'
          : `${coinbases} coinbases mature`;
    log?.(`mining ${blocks} blocks on ${funder.node} so that ${what}`);
    await funder.client.generateToAddress(blocks, funder.address, { signal, timeoutMs: 60_000 });
  }
  throw new AdapterError(
    'litecoind',
    `the funder's spendable balance stays below ${formatLtc(target)} LTC after mining`,
  );
}

async function waitForBalance(wallet: LitecoindWallet, balance: bigint, signal: AbortSignal, clock: Clock) {
  // the wallet learns of a block from a queue after the node connects it
  for (;;) {
    const { trusted } = await wallet.balances({ signal });
    if (trusted >= balance) return;
    await clock.sleep(100, signal);
  }
}
