/**
 * The refnode node limits that fuzzing must know to reach past them: the API's body limit
 * and the mempool's nonce window, read from the node configs the genesis step wrote.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The node limits fuzzing must reach past (refnode's defaults when a node config is not at hand). */
export interface RefnodeLimits {
  /** The API's largest request body (`api.maxBodyBytes`); default 1 MiB. */
  maxBodyBytes: number;
  /** How far ahead of its account nonce a tx may be pending (`mempool.maxNonceGap`); default 64. */
  maxNonceGap: number;
}

/** refnode's own defaults (refnode/src/config.ts), for a chain dir without node configs. */
export const defaultRefnodeLimits: RefnodeLimits = { maxBodyBytes: 1024 * 1024, maxNonceGap: 64 };

/**
 * The fee of mempool fillers: a `mempool_full` case pays less, so it cannot evict them.
 * High enough above any minimum fee a test uses; `fillerFee(minFee)` keeps it above.
 */
export function fillerFee(minFee: number): number {
  return Math.max(1000, 10 * minFee);
}

/**
 * The limits every node of the chain dir shares: the largest body limit (an oversized body
 * must pass every node's) and the smallest nonce window, from its `node-*.json` files.
 *
 * @example
 * const limits = await readNodeLimits(chainDir); // { maxBodyBytes: 1048576, maxNonceGap: 64 }
 */
export async function readNodeLimits(dir: string): Promise<RefnodeLimits> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => /^node-\d+\.json$/.test(f));
  const configs = await Promise.all(
    files.map(
      async (f) =>
        JSON.parse(await readFile(join(dir, f), 'utf8')) as {
          api?: { maxBodyBytes?: number };
          mempool?: { maxNonceGap?: number };
        },
    ),
  );
  if (configs.length === 0) return defaultRefnodeLimits;
  return {
    maxBodyBytes: Math.max(...configs.map((c) => c.api?.maxBodyBytes ?? defaultRefnodeLimits.maxBodyBytes)),
    maxNonceGap: Math.min(...configs.map((c) => c.mempool?.maxNonceGap ?? defaultRefnodeLimits.maxNonceGap)),
  };
}
