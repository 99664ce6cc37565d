// `mempool-pressure.json` is a real run of examples/mempool-pressure.test.ts (3 validators,
// 150-tx mempools, 25-tx blocks, 20 → 85 → 150 tx/s), trimmed to stay small: tx ids
// shortened, pending-id lists and tx records dropped (eviction order is tested on a
// hand-written history below).
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { historyOf, txRecord } from '../../test/fixtures/mempool-history.ts';
import { Recording, type RecordingDump } from '../observe/recording.ts';
import { boundMempoolFailure, checkBoundMempool, type RampLike } from './to-bound-mempool.ts';

const dump = JSON.parse(
  readFileSync(new URL('../../test/fixtures/recordings/mempool-pressure.json', import.meta.url), 'utf8'),
) as RecordingDump;

function rampOf(rec: Recording): RampLike {
  const marks = rec.marks.filter((m) => m.label === 'ramp-step');
  const steps = marks.map((m, i) => ({
    rate: Number(/: (\d+) tx/.exec(m.detail ?? '')?.[1]),
    from: m.at,
    to: marks[i + 1]?.at ?? rec.now(),
  }));
  return { name: 'ramp', feeTiers: [1n, 2n, 4n], steps: () => steps };
}

describe('checkBoundMempool on a recorded pressure run', () => {
  const rec = Recording.fromJSON(dump);
  const ramp = rampOf(rec);
  const window = { from: ramp.steps()[0]!.from, to: rec.now() };

  test('the real run is bounded: capacity kept, evictions, full blocks, graceful throughput', () => {
    const v = checkBoundMempool(rec, window, ramp);
    expect(v.kind).toBe('bounded');
    expect(v.stats).toMatchObject({ maxSize: 150, capacity: 150, medianFill: 1 });
    expect(v.stats.evicted).toBeGreaterThan(100);
    expect(v.stats.throughput.map((t) => t.rate)).toEqual([20, 85, 150]);
  });

  test('a lower capacity than the nodes held is named with node, size and time', () => {
    const v = checkBoundMempool(rec, window, ramp, { capacity: 100 });
    expect(v).toMatchObject({ kind: 'over-capacity', capacity: 100 });
    expect(boundMempoolFailure(v, window, rec.seed)).toMatch(
      /^expected every mempool to stay within its capacity between t=\d+\.\ds and t=\d+\.\ds; val-\d held 1\d\d txs at t=\d+\.\ds, capacity 100\nobserved: max mempool 150\/100, \d+ evicted, median fill 100% of \d+ saturated blocks; per step 20\/s→[\d.]+ txs per block in \d+ \([\d.]+\/s\), 85\/s→[\d.]+ txs per block in \d+ \([\d.]+\/s\), 150\/s→[\d.]+ txs per block in \d+ \([\d.]+\/s\) \(seed \d+\)\nreplay: CHAINLAB_SEED=\d+/,
    );
  });

  test('no evictions under a ramp fails, saying what to change', () => {
    const quiet = Recording.fromJSON({
      ...dump,
      samples: dump.samples.map((s) => (s.mempool ? { ...s, mempool: { ...s.mempool, evicted: 0 } } : s)),
    });
    const v = checkBoundMempool(quiet, window, rampOf(quiet));
    expect(v.kind).toBe('no-evictions');
    expect(boundMempoolFailure(v, window, quiet.seed).split('\n')[0]).toMatch(
      /^expected the pressure to evict some txs between t=\d+\.\ds and t=\d+\.\ds; no node evicted any \(raise the ramp's rate or lower the cluster's mempool.maxCount\)$/,
    );
  });

  test('half-empty blocks while the mempools were full fail with the median fill', () => {
    const v = checkBoundMempool(rec, window, ramp, { blockTxs: 50 });
    expect(v).toMatchObject({ kind: 'blocks-not-full', medianFill: 0.5, blockTxs: 50 });
    expect(boundMempoolFailure(v, window, rec.seed).split('\n')[0]).toMatch(
      /^expected blocks to fill while every mempool held at least 50 txs between t=\d+\.\ds and t=\d+\.\ds; the median of \d+ such blocks was 50% full \(at least 80% expected\)$/,
    );
  });

  test('a stretch without blocks is a stall', () => {
    const mid = (window.from + window.to) / 2;
    const gap = Recording.fromJSON({
      ...dump,
      blocks: dump.blocks.filter((b) => b.at < mid - 4000 || b.at > mid + 4000),
    });
    const v = checkBoundMempool(gap, window, rampOf(gap), { maxStallMs: 5000 });
    expect(v).toMatchObject({ kind: 'stalled', limitMs: 5000 });
    expect(boundMempoolFailure(v, window, gap.seed).split('\n')[0]).toMatch(
      /^expected a new block at least every 5\.0s under pressure between t=\d+\.\ds and t=\d+\.\ds; none arrived between t=\d+\.\ds and t=\d+\.\ds \([89]\.\ds\)$/,
    );
  });

  test('blocks carrying under half the txs of an earlier step are a collapse; fewer blocks are chance', () => {
    // Per step (blocks by slot time): blocks filled as the rate rose and stayed full.
    const { throughput } = checkBoundMempool(rec, window, ramp).stats;
    expect(throughput.map((t) => [t.rate, t.perBlock])).toEqual([
      [20, 11.33],
      [85, 24],
      [150, 23.44],
    ]);
    const lastStep = ramp.steps()[2]!;
    const inLastStep = (b: { timestamp: number }) => b.timestamp - dump.startedAt >= lastStep.from;
    // Two of every three blocks of the last step lost: the slot lottery can do that to a few
    // seconds' step, so it is no collapse (the stall check and toStayLive judge the pace).
    const thinned = Recording.fromJSON({
      ...dump,
      blocks: dump.blocks.filter((b) => !inLastStep(b) || b.height % 3 === 0),
    });
    expect(checkBoundMempool(thinned, window, rampOf(thinned), { maxStallMs: 60_000 }).kind).toBe('bounded');
    // The last step's blocks carry a third of their txs: that is a collapse.
    const emptied = Recording.fromJSON({
      ...dump,
      blocks: dump.blocks.map((b) => (inLastStep(b) ? { ...b, txIds: b.txIds.slice(0, 8) } : b)),
    });
    const v = checkBoundMempool(emptied, window, rampOf(emptied), { fill: 0 });
    expect(v).toMatchObject({
      kind: 'throughput-collapse',
      step: { rate: 150, perBlock: 8 },
      best: { rate: 85, perBlock: 24 },
    });
    expect(boundMempoolFailure(v, window, rec.seed).split('\n')[0]).toMatch(
      /^expected throughput to degrade gracefully \(blocks carrying no less than 50% of the best earlier step's txs per block\); at 150 tx\/s the chain's \d+ blocks carried 8 txs each, at 85 tx\/s 24$/,
    );
  });
});

describe('eviction order on a hand-written history', () => {
  const low = txRecord('low', { fee: 1n, workload: 'ramp' });
  const high = txRecord('high', { fee: 4n, workload: 'ramp', from: txRecord('x').to });
  const ramp: RampLike = {
    name: 'ramp',
    feeTiers: [1n, 2n, 4n],
    steps: () => [{ rate: 100, from: 0, to: 4000 }],
  };

  test('a high-fee tx evicted while a low-fee one stays pending is named', () => {
    const rec = historyOf({
      nodes: ['val-0'],
      txs: [low, high],
      samples: [
        { node: 'val-0', at: 1000, ids: [low.id, high.id], capacity: 2, evicted: 0 },
        { node: 'val-0', at: 1250, ids: [low.id], capacity: 2, evicted: 1 },
      ],
      blocks: [{ height: 1, seenAt: { 'val-0': 900 } }],
      endedAt: 2000,
    });
    const v = checkBoundMempool(rec, { from: 0, to: 2000 }, ramp);
    expect(boundMempoolFailure(v, { from: 0, to: 2000 }, rec.seed)).toMatchInlineSnapshot(`
      "expected evictions to take the lowest fee tier first; on val-0 between t=1.0s and t=1.3s 8580cf5a… (fee 4, tier 3) was evicted while 06dcf8f4… (fee 1, tier 1) stayed pending (1 higher-tier evicted, 1 lower-tier kept)
      observed: max mempool 2/2, 1 evicted, no saturated blocks; per step 100/s→0 txs per block in 1 (0/s) (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('evicting the lowest fee first passes', () => {
    const rec = historyOf({
      nodes: ['val-0'],
      txs: [low, high],
      samples: [
        { node: 'val-0', at: 1000, ids: [low.id, high.id], capacity: 2, evicted: 0 },
        { node: 'val-0', at: 1250, ids: [high.id], capacity: 2, evicted: 1 },
      ],
      blocks: [
        { height: 1, seenAt: { 'val-0': 900 } },
        { height: 2, seenAt: { 'val-0': 1800 } },
      ],
      endedAt: 2000,
    });
    expect(checkBoundMempool(rec, { from: 0, to: 2000 }, ramp).kind).toBe('bounded');
  });

  test('a high-fee tx gone while the eviction counter stood still was not evicted (its block is not recorded yet)', () => {
    const history = (evictedAfter: number) =>
      historyOf({
        nodes: ['val-0'],
        txs: [low, high],
        samples: [
          { node: 'val-0', at: 1000, ids: [low.id, high.id], capacity: 2, evicted: 3 },
          { node: 'val-0', at: 1250, ids: [low.id], capacity: 2, evicted: evictedAfter },
        ],
        blocks: [{ height: 1, seenAt: { 'val-0': 900 } }],
        endedAt: 2000,
      });
    const opts = { evictions: 'allowed' } as const;
    expect(checkBoundMempool(history(3), { from: 0, to: 2000 }, ramp, opts).kind).toBe('bounded');
    // The same history with one eviction between the samples is still named.
    expect(checkBoundMempool(history(4), { from: 0, to: 2000 }, ramp, opts).kind).toBe('eviction-order');
  });
});
