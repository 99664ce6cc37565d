/**
 * The API flood and the control probe are workloads like every other: a test that throws
 * mid-flood — with the flood from `background(…)` or held by `await using` — leaves no
 * flood thread running (counted as the operating system lists this process's threads), the
 * flood's and the probe's windows are closed in the recording, and the matchers still judge
 * what they recorded. A flood started without either ends when its cluster is disposed.
 */
import { describe, expect, it } from 'vitest';
import { Cluster } from '../src/cluster/cluster.ts';
import { createClusterTest } from '../src/fixtures/vitest.ts';
import { apiFlood, type StartedApiFlood } from '../src/workloads/api-flood/api-flood.ts';
import { controlProbe, type StartedControlProbe } from '../src/workloads/api-flood/control-probe.ts';
import { floodThreadName } from '../src/workloads/api-flood/flood-thread.ts';
import { eventually } from './helpers.ts';
import { threadsNamed } from './threads.ts';

// A low per-client API limit (as in examples/api-flood.test.ts) so a short flood is rate-limited.
const chain = {
  validators: 2,
  slotMs: 250,
  securityParam: 4,
  wallets: 4,
  apiLimits: { ratePerSecond: 30, burst: 60 },
} as const;

/** A flood far longer than any test here: only a stop can end it in time. */
const longFlood = () => apiFlood({ qps: 'max', durationMs: 120_000, connections: 2 });

/** Waits until the flood runs in its thread and every node it floods has rate-limited it. */
async function floodingAndLimited(flood: StartedApiFlood): Promise<void> {
  const limited = await eventually(async () => {
    const byNode = flood.outcome().byNode;
    return byNode.length === chain.validators && byNode.every((n) => n.rateLimited > 0);
  }, 20_000);
  expect(limited, 'every node rate-limited the flood').toBe(true);
  expect(threadsNamed(floodThreadName)).toBe(1);
}

/** What must hold once a test that threw mid-flood has ended. */
function expectStopped(flood: StartedApiFlood): void {
  expect(threadsNamed(floodThreadName)).toBe(0);
  // Its window closed when its thread ended: long before its 120 s.
  expect(flood.record.end).toBeDefined();
  expect(flood.record.end! - flood.record.start).toBeLessThan(60_000);
}

describe('a flood held by no test', () => {
  it('ends when its cluster is disposed', { timeout: 120_000 }, async () => {
    let flood: StartedApiFlood | undefined;
    {
      await using cluster = await Cluster.of({ ...chain, name: 'flood-lifecycle-dispose' }).start();
      flood = await longFlood().start(cluster);
      await floodingAndLimited(flood);
    }
    expectStopped(flood);
    await expect(flood.done).resolves.toBeUndefined();
  });
});

const test = createClusterTest({ ...chain, name: 'flood-lifecycle' });

let flood: StartedApiFlood | undefined;
let probe: StartedControlProbe | undefined;

describe('a test that throws mid-flood', () => {
  test.fails('throws mid-flood (flood and probe from background)', async ({ background }) => {
    probe = await background(controlProbe({ rate: 5, name: 'bg-probe' }));
    flood = await background(longFlood());
    await floodingAndLimited(flood);
    throw new Error('the test failed mid-flood');
  });

  test('…left no flood thread, closed both windows, and the matchers read them', async ({ cluster }) => {
    expectStopped(flood!);
    await expect(flood!.done).resolves.toBeUndefined();
    expect(probe!.record.end).toBeDefined();
    expect(probe!.record.observations.length).toBeGreaterThan(0);
    await expect(cluster).toRateLimit(flood!);
    await expect(cluster).toStayResponsive({ probe: 'bg-probe', since: probe!.record.start });
  });

  test.fails('throws mid-flood (flood held by await using)', async ({ cluster }) => {
    await using held = await longFlood().start(cluster);
    flood = held;
    await floodingAndLimited(held);
    throw new Error('the test failed mid-flood');
  });

  test('…left no flood thread and closed its window', async ({ cluster }) => {
    expectStopped(flood!);
    await expect(flood!.done).resolves.toBeUndefined();
    await expect(cluster).toRateLimit(flood!);
  });
});
