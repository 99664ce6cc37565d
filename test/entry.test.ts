/**
 * The public entry end to end, as a user writes it: `chainlab/vitest` gives the fixtures
 * and registers the matchers; a restart under load is judged by them.
 */
import { describe, expect } from 'vitest';
import { createClusterTest, transactions } from '../src/vitest.ts';

const test = createClusterTest({ validators: 3, wallets: 10 });

describe('chainlab/vitest', () => {
  test('a restarted validator under load: live, all txs included, converged', async ({
    cluster,
    background,
  }) => {
    const load = await background(transactions({ rate: 10, users: 5 }));
    await cluster.restart('val-2');
    await expect(cluster).toStayLive({ for: 8000 });
    await load.stop();
    await expect(cluster).toIncludeAll(load, { within: 20_000 });
    await expect(cluster).toConverge({ within: 20_000 });
    expect(cluster.recording.faults.map((f) => f.description)).toEqual(['restart(val-2)']);
  });
});
