/**
 * Litecoin's emission rule: each block's coinbase may claim the subsidy
 * `initialSubsidy >> floor(height / halvingInterval)` (zero after 64 halvings) plus the
 * fees of its txs. Fees move value rather than create it, and the genesis coinbase is
 * unspendable, so the UTXO-set total at height h is exactly the sum of the subsidies of
 * blocks 1..h (when no miner claims less than allowed and nothing is burnt in an
 * unspendable output, which chainlab's miners and wallets never do).
 */
import { type LitecoinChainParams, litecoinRegtest } from './chain-params.ts';

/**
 * The subsidy of the block at `height`, in litoshis.
 *
 * @example
 * blockSubsidy(149) // 5_000_000_000n (50 LTC); blockSubsidy(150) // 2_500_000_000n
 */
export function blockSubsidy(height: number, params: LitecoinChainParams = litecoinRegtest): bigint {
  checkHeight(height);
  const halvings = Math.floor(height / params.halvingInterval);
  return halvings >= 64 ? 0n : params.initialSubsidy >> BigInt(halvings);
}

/**
 * Coins in existence at `height`: the subsidies of blocks 1..height (genesis excluded), in
 * litoshis. What `gettxoutsetinfo.total_amount` must equal at that height.
 *
 * @example
 * emittedSupply(101) // 505_000_000_000n (101 × 50 LTC)
 */
export function emittedSupply(height: number, params: LitecoinChainParams = litecoinRegtest): bigint {
  checkHeight(height);
  let total = 0n;
  // Sum era by era: blocks [era·interval, (era+1)·interval) share one subsidy.
  for (let era = 0; era < 64; era++) {
    const first = Math.max(1, era * params.halvingInterval);
    const last = Math.min(height, (era + 1) * params.halvingInterval - 1);
    if (last < first) break;
    total += BigInt(last - first + 1) * (params.initialSubsidy >> BigInt(era));
  }
  return total;
}

function checkHeight(height: number): void {
  if (!Number.isSafeInteger(height) || height < 0) {
    throw new RangeError(`a block height is an integer >= 0, got ${height}`);
  }
}
