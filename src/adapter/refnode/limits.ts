/**
 * refnode node limits: the ones a cluster sets, written into the node configs the genesis step
 * wrote, and the ones fuzzing must know to reach past them (the API's body limit and the
 * mempool's nonce window), read back from those configs.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeLimits } from '../types.ts';

/** The node limits fuzzing must reach past (refnode's defaults when a node config is not at hand). */
export interface RefnodeLimits {
  /** The API's largest request body (`api.maxBodyBytes`); default 1 MiB. */
  maxBodyBytes: number;
  /** How far ahead of its account nonce a tx may be pending (`mempool.maxNonceGap`); default 64. */
  maxNonceGap: number;
}

/** refnode's own defaults (refnode/src/config.ts), for a chain dir without node configs. */
export const defaultRefnodeLimits: RefnodeLimits = { maxBodyBytes: 1024 * 1024, maxNonceGap: 64 };

/** refnode's default `admission.maxPendingTxs` (refnode/src/config.ts). */
export const refnodeMaxPendingTxs = 4000;

/**
 * Writes a cluster's limits into every node config (`node-<index>.json` in `dir`): mempool
 * bounds, block size, and the API's per-client rate limit and request timeout. A mempool sized
 * above refnode's pending-txs limit raises that limit with it, so that the API can fill it
 * (refnode would refuse `overloaded` first).
 *
 * @example
 * await applyLimits(chainDir, [0, 1, 2], { mempoolMaxCount: 150, blockMaxTxs: 25 });
 */
export async function applyLimits(
  dir: string,
  indexes: readonly number[],
  l: NodeLimits | undefined,
): Promise<void> {
  if (!l || Object.values(l).every((v) => v === undefined)) return;
  await Promise.all(
    indexes.map(async (index) => {
      const file = join(dir, `node-${index}.json`);
      const config = JSON.parse(await readFile(file, 'utf8')) as {
        mempool?: Record<string, number>;
        block?: Record<string, number>;
        admission?: Record<string, number>;
        api?: { rateLimit?: Record<string, number>; requestTimeoutMs?: number };
      };
      config.mempool = { ...config.mempool };
      if (l.mempoolMaxCount !== undefined) config.mempool.maxCount = l.mempoolMaxCount;
      if (l.mempoolMaxCount !== undefined && l.mempoolMaxCount > refnodeMaxPendingTxs)
        config.admission = { ...config.admission, maxPendingTxs: l.mempoolMaxCount };
      if (l.mempoolMaxBytes !== undefined) config.mempool.maxBytes = l.mempoolMaxBytes;
      if (l.blockMaxTxs !== undefined) config.block = { ...config.block, maxTxs: l.blockMaxTxs };
      const api: NonNullable<typeof config.api> = { ...config.api };
      const rate = { ...config.api?.rateLimit };
      if (l.apiRatePerSecond !== undefined) rate.perSecond = l.apiRatePerSecond;
      if (l.apiRateBurst !== undefined) rate.burst = l.apiRateBurst;
      api.rateLimit = rate;
      if (l.apiRequestTimeoutMs !== undefined) api.requestTimeoutMs = l.apiRequestTimeoutMs;
      config.api = api;
      await writeFile(file, `${JSON.stringify(config, null, 2)}\n`);
    }),
  );
}

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
