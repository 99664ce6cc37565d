// The "no final block reverted" check of examples/aggressive-chaos.test.ts, on recorded histories.
import { describe, expect, test } from 'vitest';
import { describeFinalityBreak, finalityBreaks } from '../examples/checks.ts';
import { simulateHistory } from '../src/observe/simulated-history.ts';

describe('finalityBreaks', () => {
  test('nodes that finalize one chain have no break', () => {
    const rec = simulateHistory({
      durationMs: 30_000,
      nodes: [{ name: 'val-0' }, { name: 'val-1' }, { name: 'val-2', lagBlocks: 3 }],
    });
    expect(finalityBreaks(rec)).toEqual([]);
  });

  test('a node finalizing another chain is a break at the first height it differs, named with both blocks', () => {
    const rec = simulateHistory({
      durationMs: 30_000,
      nodes: [{ name: 'val-0' }, { name: 'val-1' }, { name: 'val-2', forkRate: 0.5 }],
    });
    const breaks = finalityBreaks(rec);
    expect(breaks[0]).toMatchObject({ height: 0, first: { node: 'val-0' }, other: { node: 'val-2' } });
    expect(describeFinalityBreak(breaks[0]!)).toMatch(
      /^final block 0 changed: val-0 had [0-9a-f]{8}… at t=\d+\.\ds, val-2 had [0-9a-f]{8}… at t=\d+\.\ds$/,
    );
  });
});
