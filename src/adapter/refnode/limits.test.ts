import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveNodeConfig } from '../../../refnode/src/config.ts';
import { applyLimits, defaultRefnodeLimits, readNodeLimits, refnodeMaxPendingTxs } from './limits.ts';

it("the defaults this module assumes are refnode's own", () => {
  const { admission, api, mempool } = resolveNodeConfig(
    { nodeId: 'val-0', secretKey: 'ab'.repeat(32) },
    '/tmp',
  );
  expect(refnodeMaxPendingTxs).toBe(admission.maxPendingTxs);
  expect(defaultRefnodeLimits).toEqual({ maxBodyBytes: api.maxBodyBytes, maxNonceGap: mempool.maxNonceGap });
});

describe('applyLimits', () => {
  let dir: string;
  const config = (index: number) => JSON.parse(readFileSync(join(dir, `node-${index}.json`), 'utf8'));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'limits-'));
    for (const index of [0, 1])
      writeFileSync(
        join(dir, `node-${index}.json`),
        JSON.stringify({ nodeId: `val-${index}`, mempool: { maxNonceGap: 64 }, api: { maxBodyBytes: 2048 } }),
      );
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes mempool, block and API limits into every node config, keeping the rest', async () => {
    await applyLimits(dir, [0, 1], {
      mempoolMaxCount: 150,
      mempoolMaxBytes: 100_000,
      blockMaxTxs: 25,
      apiRatePerSecond: 50,
      apiRequestTimeoutMs: 5000,
    });
    for (const index of [0, 1]) {
      expect(config(index)).toEqual({
        nodeId: `val-${index}`,
        mempool: { maxNonceGap: 64, maxCount: 150, maxBytes: 100_000 },
        block: { maxTxs: 25 },
        api: { maxBodyBytes: 2048, rateLimit: { perSecond: 50 }, requestTimeoutMs: 5000 },
      });
    }
    expect(await readNodeLimits(dir)).toEqual({ maxBodyBytes: 2048, maxNonceGap: 64 });
  });

  it("raises refnode's pending-txs limit with a mempool sized above it, so the API can fill it", async () => {
    await applyLimits(dir, [0], { mempoolMaxCount: refnodeMaxPendingTxs + 1 });
    expect(config(0).admission).toEqual({ maxPendingTxs: refnodeMaxPendingTxs + 1 });
    await applyLimits(dir, [1], { mempoolMaxCount: refnodeMaxPendingTxs });
    expect(config(1).admission).toBeUndefined();
  });

  it('leaves the configs untouched when no limit is set', async () => {
    const before = readFileSync(join(dir, 'node-0.json'), 'utf8');
    await applyLimits(dir, [0], {});
    await applyLimits(dir, [0], undefined);
    expect(readFileSync(join(dir, 'node-0.json'), 'utf8')).toBe(before);
  });
});
