/**
 * Litecoin Core 0.21 regtest consensus constants chainlab relies on, as set in
 * `CRegTestParams` (src/chainparams.cpp) and src/consensus/consensus.h of Litecoin Core.
 */

/** One LTC in litoshis (the smallest unit, 10^-8 LTC). */
export const LITOSHIS_PER_LTC = 100_000_000n;

/** Regtest parameters of Litecoin Core 0.21. */
export interface LitecoinChainParams {
  /** Network name as `getblockchaininfo.chain` reports it. */
  chain: 'regtest';
  /** Subsidy of a block before any halving: 50 LTC. */
  initialSubsidy: bigint;
  /** Blocks between halvings (`nSubsidyHalvingInterval`): 150 on regtest (840 000 on mainnet). */
  halvingInterval: number;
  /** Confirmations before a coinbase output may be spent (`COINBASE_MATURITY`). */
  coinbaseMaturity: number;
  /** Target time between blocks (`nPowTargetSpacing`): 2.5 minutes. */
  targetSpacingMs: number;
  /** bech32 prefix of regtest addresses. */
  bech32Prefix: 'rltc';
  /** Default P2P port (chainlab always passes its own). */
  defaultP2pPort: number;
}

/**
 * The regtest parameters. The genesis coinbase is not in the UTXO set (a Bitcoin-family
 * rule), so emission counts from block 1.
 *
 * @example
 * blockSubsidy(150, litecoinRegtest) // 25 LTC: the first halving
 */
export const litecoinRegtest: LitecoinChainParams = {
  chain: 'regtest',
  initialSubsidy: 50n * LITOSHIS_PER_LTC,
  halvingInterval: 150,
  coinbaseMaturity: 100,
  targetSpacingMs: 150_000,
  bech32Prefix: 'rltc',
  defaultP2pPort: 19444,
};
