/**
 * refnode's deliberate faults (`bugs` in the node config, `--bug NAME` on `run`), all off by
 * default. Each makes one rule of the node wrong so a test can show that chainlab catches it.
 * Imports nothing, so a launcher can read the list (`bugNames`) without loading the node.
 */
export const bugDescriptions = {
  'no-sync': 'never runs block sync: a restarted or cut-off node never catches up',
  'mint-on-propose': 'credits every proposer 1 extra unit per block (supply grows)',
  'ignore-drift': 'accepts blocks from any distance in the future at once (no hold, no drift bound)',
  'no-tx-gossip': 'does not gossip txs submitted to its API (they leave it only inside its blocks)',
  'deep-reorg': 'accepts a reorg deeper than its finality, reverting final blocks',
  'no-stake-quorum':
    'proposes without seeing validators that hold a stake majority (a cut-off minority forks)',
  'no-gossip-penalty': 'never lowers a peer’s gossip score for invalid or ignored messages',
  'no-rate-limit': 'serves every API request: no per-client rate limit (no 429)',
  'no-gossip-sig-check':
    'admits txs that arrive by gossip without verifying their signature (API submissions are still checked)',
  'silent-sync': 'reads block-sync requests and never answers them: its peers wait out their request timeout',
} as const;

/** A deliberate fault's name. */
export type BugName = keyof typeof bugDescriptions;

/** Every deliberate fault, in the order of the README table. */
export const bugNames = Object.keys(bugDescriptions) as BugName[];
