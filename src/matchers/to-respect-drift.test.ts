import { describe, expect, test } from 'vitest';
import { slottedFacts } from '../../test/fixtures/facts.ts';
import type { ClockReading } from '../adapter/types.ts';
import type { FaultWindow, RecordingDump, Sample } from '../observe/recording.ts';
import { Recording } from '../observe/recording.ts';
import { checkRespectDrift, parseRespectDriftOptions, respectDriftFailure } from './to-respect-drift.ts';

const facts = slottedFacts({ slotMs: 1000, maxDriftMs: 1000 });

/** One clock sample: counters as the node reported them at `at`. */
function clockSample(node: string, at: number, c: Partial<ClockReading>): Sample {
  return {
    node,
    at,
    ok: true,
    clock: { now: 0, maxDriftMs: 1000, offsetMs: 0, uncertaintyMs: 1, ...c },
  };
}

function history(samples: Sample[], faults: FaultWindow[] = []): Recording {
  const dump: RecordingDump = {
    version: 1,
    seed: 913,
    facts,
    startedAt: 0,
    endedAt: 20_000,
    nodes: ['val-0', 'val-1', 'exe-0'].map((name) => ({ name, role: 'validator', since: 0 })),
    blocks: [],
    finalized: [],
    samples,
    states: [],
    txs: [],
    txBodies: [],
    faults,
    events: [],
    marks: [],
  };
  // Written and read back as a dump is: clock samples and offsets survive it.
  return Recording.fromJSON(JSON.stringify(Recording.fromJSON(dump)));
}

const skew: FaultWindow[] = [
  {
    kind: 'clock-skew',
    nodes: ['exe-0'],
    start: 100,
    description: 'clock-skew(exe-0 -1000 ms)',
    excuses: false,
    offsets: { 'exe-0': -1000 },
  },
];

describe('checkRespectDrift on recorded histories', () => {
  test('held and refused blocks keep the rule; counts are summed across a restart', () => {
    const rec = history([
      clockSample('val-0', 1000, { heldFutureBlocks: 2, refusedFutureBlocks: 0 }),
      clockSample('val-1', 1000, {}),
      clockSample('exe-0', 1000, { heldFutureBlocks: 1, refusedFutureBlocks: 3 }),
      clockSample('exe-0', 5000, { heldFutureBlocks: 4, refusedFutureBlocks: 5 }),
      // restarted: its counters start from zero again
      clockSample('exe-0', 9000, { heldFutureBlocks: 1, refusedFutureBlocks: 2 }),
    ]);
    expect(checkRespectDrift(rec)).toMatchObject({
      kind: 'respected',
      nodes: [
        { node: 'val-0', held: 2, refused: 0, samples: 1 },
        { node: 'val-1', held: 0, refused: 0, samples: 1 },
        { node: 'exe-0', held: 5, refused: 7, samples: 3 },
      ],
    });
  });

  test('a node that adopts a block beyond its bound is named with the rule, the bound and its clock', () => {
    const rec = history(
      [
        clockSample('val-0', 1000, {}),
        clockSample('val-1', 1000, {}),
        clockSample('exe-0', 1000, { refusedFutureBlocks: 0 }),
        clockSample('exe-0', 6000, { acceptedBeyondDrift: 2 }),
        clockSample('val-1', 8000, { acceptedBeyondDrift: 1 }),
      ],
      skew,
    );
    const v = checkRespectDrift(rec);
    expect(v).toMatchObject({ kind: 'ignored', node: 'exe-0', accepted: 2, at: 6000, offsetMs: -1000 });
    expect(respectDriftFailure(v, rec.seed)).toMatchInlineSnapshot(`
      "expected exe-0 to hold or refuse blocks from the future per the drift rule between t=0.0s and t=20.0s (a block whose slot starts more than its drift bound of 1000 ms ahead of its clock is refused); it adopted 2 such blocks at once, the first seen at t=6.0s (its clock -1000 ms); val-1 did too (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('a node whose clock was never read cannot be judged, and says so', () => {
    const rec = history([
      clockSample('val-0', 1000, {}),
      { node: 'val-1', at: 1000, ok: false, error: 'timeout' },
    ]);
    const v = checkRespectDrift(rec, { nodes: ['val-0', 'val-1'] });
    expect(respectDriftFailure(v, rec.seed)).toMatchInlineSnapshot(`
      "cannot judge the drift rule on val-1 between t=0.0s and t=20.0s: its clock was never read (last error: timeout) (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('options are checked', () => {
    expect(() => parseRespectDriftOptions({ node: ['val-0'] })).toThrow(/node.*nodes is the only option/s);
    expect(() => parseRespectDriftOptions({ nodes: [] })).toThrow(/a non-empty array of node names/);
  });
});
