/**
 * What chainlab knows of a litecoind regtest chain before it runs: blocks arrive like proof
 * of work (the seeded lottery's exponential gaps, mean `blockIntervalMs`), a block is final
 * `depth` confirmations deep, new coins follow the halving emission and the supply is the
 * UTXO-set total, fees are a rate per vbyte, and transfers stay clear of the dust limit.
 */
import type { ChainFacts, FacetName } from '../types.ts';
import { type LitecoinChainParams, litecoinRegtest } from './chain-params.ts';
import { DEFAULT_FEE_RATE } from './wallet.ts';

/**
 * Facets of the litecoind adapter: `supply` (halving emission, UTXO-set total), `mempool`
 * (size and vbytes), `forging` (raw invalid txs), `clock-skew` (libfaketime shifts the
 * daemon's clock; it reports it to the second) and `containers`. It has no accounts or
 * nonces (UTXO), no slots or proposers (proof of work), no DA, no deliberate bugs and no
 * gossip a peer could join through chainlab.
 */
export const litecoindFacets: readonly FacetName[] = [
  'supply',
  'mempool',
  'forging',
  'clock-skew',
  'containers',
];

/**
 * Default transfer amounts: 0.001–0.01 LTC, far above the dust limit (an output worth less
 * than spending it costs is refused as `dust`) and small beside a funded wallet.
 */
export const defaultTransferAmount = { min: 100_000n, max: 1_000_000n } as const;

/**
 * The facts of a regtest chain mined every `blockIntervalMs` on average, final `depth` deep.
 *
 * @example
 * litecoindFacts({ blockIntervalMs: 1000, depth: 6 }).production // { model: 'poisson', expectedIntervalMs: 1000 }
 */
export function litecoindFacts(
  opts: { blockIntervalMs: number; depth: number },
  params: LitecoinChainParams = litecoinRegtest,
): ChainFacts {
  return {
    adapter: 'litecoind',
    chainId: `litecoin-${params.chain}`,
    production: { model: 'poisson', expectedIntervalMs: opts.blockIntervalMs },
    finality: { rule: 'depth', depth: opts.depth },
    facets: litecoindFacets,
    defaultFee: { perVbyte: DEFAULT_FEE_RATE },
    defaultAmount: { ...defaultTransferAmount },
    // The genesis coinbase is unspendable: nothing exists at height 0, then each block mints its subsidy.
    supply: {
      genesis: 0n,
      emission: {
        kind: 'halving',
        initial: params.initialSubsidy,
        interval: params.halvingInterval,
        firstHeight: 1,
      },
      source: 'utxo-set',
    },
  };
}
