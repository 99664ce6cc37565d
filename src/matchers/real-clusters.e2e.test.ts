// End to end: every matcher passes on a healthy refnode cluster and fails, with a message
// naming the node, the values, the window and the seed, on a really broken one.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventually, matcherFailure as failure } from '../../test/helpers.ts';
import { Cluster } from '../cluster/cluster.ts';
import type { StartedCluster } from '../cluster/types.ts';
import { startObserver } from '../observe/observer.ts';
import { Recording } from '../observe/recording.ts';
import { systemClock } from '../support/clock.ts';
import { transactions } from '../workloads/transactions.ts';
import './vitest.ts';

// k = 6: with k = 3 two validators that meet late can each finalize a private chain at start
// (a refnode start-up split this suite found), which is not what these tests are about.
const base = { slotMs: 200, securityParam: 6, wallets: 8 } as const;

describe('a healthy cluster, then its validators stopped', () => {
  let cluster: StartedCluster;
  // Failure reports of this suite go to a temp dir, removed afterwards.
  const artifacts = mkdtempSync(join(tmpdir(), 'chainlab-matchers-'));
  const previous = process.env.CHAINLAB_ARTIFACTS;
  beforeAll(async () => {
    process.env.CHAINLAB_ARTIFACTS = artifacts;
    cluster = await Cluster.of({ ...base, validators: 3, executors: 1, name: 'matchers-healthy' }).start();
  }, 120_000);
  afterAll(async () => {
    await cluster?.dispose();
    if (previous === undefined) delete process.env.CHAINLAB_ARTIFACTS;
    else process.env.CHAINLAB_ARTIFACTS = previous;
    rmSync(artifacts, { recursive: true, force: true });
  });

  test('all four matchers pass on a healthy cluster under load', async () => {
    const since = cluster.recording.now();
    const load = await transactions({ rate: 10, users: 4, durationMs: 6000, name: 'e2e-load' }).start(
      cluster,
    );
    await expect(cluster).toStayLive({ for: 8000, since });
    await load.done;
    await load.stop();
    expect(load.submitted().length).toBeGreaterThan(40);
    await expect(cluster).toIncludeAll(load, { within: 10_000 });
    await expect(cluster).toConverge({ within: 10_000 });
    await expect(cluster).toConserveSupply();
    // And .not fails on the same healthy cluster, saying why.
    const notLive = await failure(() => expect(cluster).not.toStayLive({ since }));
    expect(notLive.message).toMatch(
      /^expected val-0, val-1, val-2 and exe-0 not to stay live between t=\d+\.\ds and t=\d+\.\ds, but every node finalized at pace/,
    );
  });

  test('toIncludeAll names txs that were signed but never sent', async () => {
    const [a, b] = cluster.wallets;
    const unsent = await Promise.all([
      a!.transfer({ to: b!.address, amount: 5n, nonce: 10_000 }),
      a!.transfer({ to: b!.address, amount: 6n, nonce: 10_001 }),
    ]);
    const error = await failure(() => expect(cluster).toIncludeAll(unsent, { within: 1500 }));
    expect(error.message).toContain(`expected at least 100% of 2 txs (given) to be included within 1.5s`);
    expect(error.message).toContain(
      `0 were (0%), 2 missing: ${unsent[0]!.id!.slice(0, 8)}… was never submitted (not in the recording)`,
    );
    expect(error.message).toContain(`(seed ${cluster.seed})\nreplay: CHAINLAB_SEED=${cluster.seed}`);
    // The run report and the recording are kept where the fixtures keep a failed run's logs.
    const report = /\nreport: (\S+\.txt) \(recording: (\S+\.json)\)/.exec(error.message);
    expect(report?.[1]).toContain(join(artifacts, cluster.runId, 'reports', 'toIncludeAll-'));
    expect(readFileSync(report![1]!, 'utf8')).toContain(`chainlab run report: seed ${cluster.seed}`);
    expect(Recording.fromJSON(readFileSync(report![2]!, 'utf8')).seed).toBe(cluster.seed);
    // So is the HTML report, with this failure highlighted.
    const html = /\nhtml report: (\S+\.html)$/.exec(error.message)?.[1];
    expect(readFileSync(html!, 'utf8')).toContain('toIncludeAll');
  });

  test('toStayLive fails while the validators are stopped, naming the executor that stalls', async () => {
    const since = cluster.recording.now();
    await Promise.all(cluster.validators.map((v) => v.stop()));
    const started = systemClock.monotonic();
    const error = await failure(() => expect(cluster).toStayLive({ for: 30_000, since }));
    // It failed as soon as the stall bound (6.8 s) was exceeded, not at the end of the 30 s.
    expect(systemClock.monotonic() - started).toBeLessThan(20_000);
    expect(error.message).toMatch(
      /^expected node exe-0 to finalize a block between t=\d+\.\ds and t=\d+\.\ds \(at least every 6\.8s\); final height stayed \d+ from t=\d+\.\ds \(\d+\.\ds so far\) \(seed \d+\)\n/,
    );
    expect(error.message).toContain('timeline exe-0: final');
    expect(error.actual).toMatchObject({ kind: 'stalled', node: 'exe-0' });
    // The stopped validators are excused (declared fault windows), the executor is not.
    await expect(cluster).not.toStayLive({ since });
    const converge = await failure(() => expect(cluster).toConverge({ within: 1000 }));
    expect(converge.message).toMatch(
      /^expected all 4 nodes to agree on the final block between .*; val-0(, val-1 and val-2)? did not answer since t=\d+\.\ds \(declared fault stop\(val-0\)/,
    );
  });
});

describe('a node on a different genesis', () => {
  let main: StartedCluster;
  let other: StartedCluster;
  beforeAll(async () => {
    main = await Cluster.of({
      ...base,
      validators: 2,
      executors: 0,
      seed: 11,
      name: 'matchers-main',
    }).start();
    other = await Cluster.of({
      ...base,
      validators: 1,
      executors: 0,
      seed: 12,
      name: 'matchers-other',
    }).start();
  }, 180_000);
  afterAll(async () => {
    await Promise.allSettled([main?.dispose(), other?.dispose()]);
  });

  test('toConverge fails naming the odd node and both blocks', async () => {
    // One observer over the main cluster plus the foreign node, as if it were part of it.
    const stranger = other.node('val-0');
    const observer = startObserver({
      nodes: () => [...main.nodes, { name: 'val-x', role: 'validator', client: stranger.client }],
      facts: main.facts,
      seed: main.seed,
    });
    await using _stop = observer;
    const subject = { recording: observer.recording, observer };
    // Once every node has final blocks past genesis the verdict cannot change (the chains
    // have different genesis blocks), so the matcher needs no more than a short window.
    const finalPastGenesis = await eventually(
      async () =>
        Math.min(...['val-0', 'val-1', 'val-x'].map((n) => observer.recording.finalHeightAt(n))) >= 2,
      30_000,
    );
    expect(finalPastGenesis, 'every node final past height 2').toBe(true);
    const error = await failure(() => expect(subject).toConverge({ within: 1000 }));
    expect(error.actual).toMatchObject({ kind: 'diverged' });
    expect(error.message).toMatch(
      /^expected all 3 nodes to agree on the final block between t=\d+\.\ds and t=\d+\.\ds; at final height \d+ val-0 and val-1 have [0-9a-f]{8}… \(state root [0-9a-f]{8}…\) while val-x has [0-9a-f]{8}… \(state root [0-9a-f]{8}…\)/,
    );
    expect(error.message).toContain('(seed 11)\nreplay: CHAINLAB_SEED=11');
    // Without the stranger they agree.
    await expect(subject).toConverge({ within: 3000, nodes: ['val-0', 'val-1'] });
  });
});

describe('a chain whose proposers mint (refnode --bug mint-on-propose)', () => {
  let cluster: StartedCluster;
  beforeAll(async () => {
    const bug = ['mint-on-propose'];
    cluster = await Cluster.of({
      ...base,
      validators: 2,
      executors: 0,
      name: 'matchers-mint',
      bugs: { 'val-0': bug, 'val-1': bug },
    }).start();
  }, 120_000);
  afterAll(async () => {
    await cluster?.dispose();
  });

  test('toConserveSupply fails with the supply, the excess and the minting proposer', async () => {
    // Minted units show only in final state: wait for finality past genesis (a loaded machine
    // may take longer than a fixed sleep to finalize the first blocks).
    const final = await eventually(
      async () => Math.min(...cluster.nodes.map((n) => cluster.recording.finalHeightAt(n.name))) >= 2,
      30_000,
    );
    expect(final, `every node final past height 2 (seed ${cluster.seed})`).toBe(true);
    const error = await failure(() => expect(cluster).toConserveSupply());
    expect(error.actual).toMatchObject({
      kind: 'supply-changed',
      node: 'val-0',
      expected: cluster.facts.supply!.genesis,
    });
    const v = error.actual as { height: number; observed: bigint };
    // One unit per block: the excess equals the final height.
    expect(v.observed - cluster.facts.supply!.genesis).toBe(BigInt(v.height));
    expect(error.message).toMatch(
      new RegExp(
        `^expected total supply on val-0 at final height ${v.height} \\(t=\\d+\\.\\ds\\) to equal genesis ${cluster.facts.supply!.genesis}; it is ${v.observed} \\(\\+${v.height}\\); e\\.g\\. [0-9a-f]{8}… has \\d+, the replay gives \\d+ \\(\\+\\d+, it proposed \\d+ blocks?\\); also changed on val-1 \\(seed ${cluster.seed}\\)`,
      ),
    );
    await expect(cluster).not.toConserveSupply();
  });
});
