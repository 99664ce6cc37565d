// The mempool watch on a real refnode cluster: its samples carry the metrics' tx counters, and
// a node killed under it turns its samples into 'mempool-sample-failed' node events, with no
// request of a failed sample left to reject unhandled.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Cluster } from '../cluster/cluster.ts';
import type { StartedCluster } from '../cluster/types.ts';
import { watchMempools } from './mempool-watch.ts';

describe('watchMempools on a real cluster', () => {
  let cluster: StartedCluster;
  beforeAll(async () => {
    cluster = await Cluster.of({
      validators: 2,
      executors: 0,
      wallets: 2,
      slotMs: 250,
      activeSlotCoeff: 0.5,
      name: 'mempool-watch',
    }).start();
  }, 120_000);
  afterAll(async () => {
    await cluster?.dispose();
  });

  test('a node killed under a watch with counters: its samples fail as node events, nothing rejects unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const rec = cluster.recording;
    const failed = () =>
      rec.events.filter((e) => e.node === 'val-1' && e.event === 'mempool-sample-failed').length;
    try {
      const watch = watchMempools(cluster, 100, { counters: true });
      await expect
        .poll(
          () => rec.samples.filter((s) => s.node === 'val-1' && s.mempool?.counters !== undefined).length,
          {
            timeout: 10_000,
          },
        )
        .toBeGreaterThanOrEqual(3);
      await cluster.kill('val-1');
      // Every sample of the dead node fails on all three requests (/info, /mempool, /metrics).
      await expect.poll(failed, { timeout: 10_000 }).toBeGreaterThanOrEqual(5);
      await watch.stop();
      // Rejections of requests still in flight at the stop reach the event loop by the next turn.
      await new Promise((ok) => setImmediate(ok));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    // val-0 went on being sampled, counters and all.
    const last = rec.samples.filter((s) => s.node === 'val-0').at(-1);
    expect(last?.mempool?.counters).toBeDefined();
  });
});
