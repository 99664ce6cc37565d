/**
 * The Jest helpers, run here under vitest with its hooks installed as the globals Jest
 * provides: beforeAll starts the cluster, afterEach stops background workloads, afterAll
 * disposes everything.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { listRunProcesses } from '../src/cluster/cleanup/sweeper.ts';
import { systemClock } from '../src/support/clock.ts';
import type { StartedTransactions } from '../src/workloads/transactions.ts';
import { transactions } from '../src/workloads/transactions.ts';

Object.assign(globalThis, { beforeAll, afterAll, beforeEach, afterEach, expect });
const { useCluster } = await import('../src/fixtures/jest.ts');

let load: StartedTransactions | undefined;
let runId = '';

describe('useCluster', () => {
  const env = useCluster({ validators: 2, wallets: 3 });

  test('starts the cluster in beforeAll', async () => {
    runId = env.cluster.runId;
    expect((await env.cluster.client('val-1').info()).nodeId).toBe('val-1');
    load = await env.background(transactions({ rate: 20, users: 2 }));
    await systemClock.sleep(500);
    expect(load.sent).toBeGreaterThan(0);
  });

  test('stopped the last test’s workload in afterEach and marked this test’s start', async () => {
    const sent = load!.sent;
    await systemClock.sleep(300);
    expect(load!.sent).toBe(sent);
    expect(env.cluster.recording.lastMark('test-start')?.detail).toContain('marked this test’s start');
  });
});

afterAll(async () => {
  // Registered after useCluster's afterAll, so it runs once the cluster is disposed.
  expect((await listRunProcesses()).filter((p) => p.runId === runId)).toEqual([]);
});
