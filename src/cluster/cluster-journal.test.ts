import { describe, expect, test } from 'vitest';
import {
  clustersRunningBetween,
  JOURNAL_SIZE,
  journalClusterStart,
  markFixtureCluster,
} from './cluster-journal.ts';

describe('cluster journal', () => {
  test('finds the clusters that ran in a window: running, stopped inside it, not stopped before it', () => {
    const before = journalClusterStart({ name: 'before', seed: 1, seedPinned: false });
    before.stopped();
    const from = performance.now();
    const inside = journalClusterStart({ name: 'inside', seed: 2, seedPinned: true });
    const running = journalClusterStart({ name: 'running', seed: 3, seedPinned: false });
    inside.stopped();
    inside.stopped();
    const to = performance.now();
    const names = clustersRunningBetween(from, to).map((e) => e.name);
    expect(names).toEqual(['inside', 'running']);
    expect(clustersRunningBetween(from, to)[0]).toMatchObject({ seed: 2, seedPinned: true, fixture: false });
    expect(clustersRunningBetween(to + 1, to + 2).map((e) => e.name)).toContain('running');
    expect(clustersRunningBetween(to + 1, to + 2).map((e) => e.name)).not.toContain('inside');
    running.stopped();
  });

  test('marks a bound cluster as a fixture’s; an unknown one is ignored', () => {
    const handle = journalClusterStart({ name: 'fixture', seed: 4, seedPinned: false });
    const cluster = {};
    handle.bind(cluster);
    markFixtureCluster(cluster);
    markFixtureCluster({});
    const from = performance.now();
    expect(clustersRunningBetween(from, from).find((e) => e.name === 'fixture')?.fixture).toBe(true);
    handle.stopped();
  });

  test(`keeps the newest ${JOURNAL_SIZE} entries`, () => {
    const from = performance.now();
    for (let i = 0; i < JOURNAL_SIZE + 5; i++)
      journalClusterStart({ name: `c${i}`, seed: i, seedPinned: false });
    const all = clustersRunningBetween(0, performance.now());
    expect(all).toHaveLength(JOURNAL_SIZE);
    expect(all.at(-1)?.name).toBe(`c${JOURNAL_SIZE + 4}`);
    expect(clustersRunningBetween(from, performance.now()).at(0)?.name).toBe('c5');
  });
});
