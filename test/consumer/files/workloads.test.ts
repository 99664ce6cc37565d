// Copied into the consumer project: under real Jest, one cluster serves the whole file and a
// background workload stops when the test that started it ends.
import { expect, test } from '@jest/globals';
import { type StartedTransactions, transactions, useCluster } from 'chainlab/jest';

const env = useCluster({ validators: 2, wallets: 4, slotMs: 200 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let load: StartedTransactions | undefined;
let firstRunId = '';

test('a workload runs in the background of its test', async () => {
  firstRunId = env.cluster.runId;
  load = await env.background(transactions({ rate: 20, users: 2 }));
  const deadline = Date.now() + 3000;
  while (load.sent === 0 && Date.now() < deadline) await sleep(50);
  expect(load.sent).toBeGreaterThan(0);
});

test('the same cluster; the last test’s workload stopped when it ended', async () => {
  expect(env.cluster.runId).toBe(firstRunId);
  const sent = load!.sent;
  await sleep(500);
  expect(load!.sent).toBe(sent);
});
