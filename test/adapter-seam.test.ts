/**
 * End to end: the adapter seam on real refnode processes. An adapter's after-start step runs
 * once every node serves, inside the start deadline, may hand over wallets, and is disposed
 * before the nodes stop; a step that overruns the deadline fails the start naming it. A
 * chain that does not declare a facet is refused up front by whatever needs it.
 */
import { describe, expect, test } from 'vitest';
import { refnodeAdapter } from '../src/adapter/refnode/adapter.ts';
import type { ChainAdapter, FacetName, PreparedChain } from '../src/adapter/types.ts';
import { Cluster } from '../src/cluster/cluster.ts';
import '../src/matchers/vitest.ts';
import { CapabilityError, ClusterStartError } from '../src/support/errors.ts';
import { dataAvailability } from '../src/workloads/data-availability.ts';
import { invalidTxs } from '../src/workloads/invalid-txs.ts';
import { transactions } from '../src/workloads/transactions.ts';
import { processesOfRun } from './helpers.ts';

/** refnode, with `step` as its after-start step. */
function withAfterStart(step: NonNullable<PreparedChain['afterStart']>): ChainAdapter {
  const base = refnodeAdapter();
  return {
    ...base,
    prepare: async (topology, dir, seed) => ({
      ...(await base.prepare(topology, dir, seed)),
      afterStart: step,
    }),
  };
}

/** refnode as a chain that declares only `facets` (its facts say so too). */
function declaring(facets: FacetName[]): ChainAdapter {
  const base = refnodeAdapter();
  return {
    ...base,
    name: 'sparse',
    facets: new Set(facets),
    prepare: async (topology, dir, seed) => {
      const p = await base.prepare(topology, dir, seed);
      return { ...p, facts: { ...p.facts, adapter: 'sparse', facets } };
    },
  };
}

describe('adapter after-start step', () => {
  test('runs once the nodes serve, hands over wallets, and is disposed before the nodes stop', async () => {
    const events: string[] = [];
    let runId = '';
    {
      await using cluster = await Cluster.of({
        validators: 2,
        wallets: 4,
        name: 'after-start',
        adapter: withAfterStart(async (ctx) => {
          const nodes = ctx.nodes();
          // Like mining to maturity: wait for the chain to move, within the start deadline.
          for (;;) {
            const heights = await Promise.all(nodes.map(async (n) => (await n.client.info()).height));
            if (Math.min(...heights) >= 2) break;
            await new Promise((r) => setTimeout(r, 100));
          }
          events.push(`started ${nodes.map((n) => n.name).join(',')}`);
          return {
            wallets: [],
            dispose: async () => {
              // Disposed while the nodes still serve.
              events.push(`disposed, val-0 serving: ${await nodes[0]!.client.health()}`);
            },
          };
        }),
      }).start();
      runId = cluster.runId;
      expect(events).toEqual(['started val-0,val-1']);
      expect(cluster.wallets).toEqual([]);
      expect((await cluster.client('val-0').info()).height).toBeGreaterThanOrEqual(2);
    }
    expect(events).toEqual(['started val-0,val-1', 'disposed, val-0 serving: true']);
    expect(await processesOfRun(runId)).toEqual([]);
  }, 120_000);

  test('a step that overruns the start deadline fails the start naming it', async () => {
    const error = await Cluster.of({
      validators: 1,
      wallets: 1,
      startTimeoutMs: 8000,
      name: 'after-start-slow',
      adapter: withAfterStart(async (ctx) => {
        await new Promise((_, reject) =>
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)),
        );
        return undefined;
      }),
    })
      .start()
      .catch((e: unknown) => e);
    expect(ClusterStartError.is(error)).toBe(true);
    expect((error as ClusterStartError).timedOut).toBe(true);
    expect((error as Error).message).toMatch(
      /^refnode adapter's after-start step did not finish within the start deadline \(8000 ms\)/,
    );
  }, 60_000);
});

describe('facets refuse up front', () => {
  test('workloads and matchers that need a facet the chain lacks name it, before anything is sent', async () => {
    await using cluster = await Cluster.of({
      validators: 1,
      wallets: 2,
      name: 'sparse',
      adapter: declaring(['accounts']),
    }).start();
    const da = await dataAvailability({ channels: 1, blobRate: 1, count: 1 })
      .start(cluster)
      .catch((e: unknown) => e);
    expect(CapabilityError.is(da)).toBe(true);
    expect((da as Error).message).toBe(
      'data-availability needs the `da` facet, which the sparse adapter does not offer',
    );
    const fuzz = await invalidTxs({ count: 1 })
      .start(cluster)
      .catch((e: unknown) => e);
    expect((fuzz as Error).message).toBe(
      'invalid-txs needs the `forging` facet, which the sparse adapter does not offer',
    );
    await expect(expect(cluster).toConserveSupply()).rejects.toThrow(
      'toConserveSupply needs the `supply` facet, which the sparse adapter does not offer',
    );
    await expect(expect(cluster).toBoundMempool()).rejects.toThrow(
      'toBoundMempool needs the `mempool` facet, which the sparse adapter does not offer',
    );
    expect(cluster.recording.txs.size).toBe(0);
    // The core is enough for a transaction load and its inclusion.
    const load = await transactions({ rate: 10, users: 2, count: 5 }).start(cluster);
    await load.done;
    await expect(cluster).toIncludeAll(load, { within: 20_000 });
  }, 120_000);
});
