// The checkers on a real recorded history (test/fixtures/recordings/validators-stopped.json,
// made by test/fixtures/recordings/record.ts): 3 validators + 1 executor under a tx load, state
// snapshots, then every validator stopped at the `validators-stopped` mark.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Recording } from '../observe/recording.ts';
import { renderReport } from '../observe/report.ts';
import { checkConserveSupply } from './to-conserve-supply.ts';
import { checkConverge, convergenceFailure } from './to-converge.ts';
import { checkIncludeAll } from './to-include-all.ts';
import { checkStayLive, livenessFailure } from './to-stay-live.ts';

const rec = Recording.fromJSON(
  readFileSync(join(import.meta.dirname, '../../test/fixtures/recordings/validators-stopped.json'), 'utf8'),
);
const mark = (label: string): number => rec.lastMark(label)!.at;

describe('checkers on a recorded refnode history', () => {
  test('live until the validators stop; then the executor stalls and is named', () => {
    expect(checkStayLive(rec, {}, { from: 0, to: mark('validators-stopped') }).kind).toBe('live');
    const v = checkStayLive(rec, {}, { from: mark('load-start'), to: rec.now() });
    expect(v).toMatchObject({ kind: 'stalled', node: 'exe-0' });
    expect(livenessFailure(v, rec.seed, rec)).toMatchInlineSnapshot(`
      "expected node exe-0 to finalize a block between t=2.2s and t=24.7s (at least every 6.8s); final height stayed 18 from t=14.2s (10.5s so far) (seed 913)
      timeline exe-0: final 0 @t=2.2s, 3 @t=6.7s, 12 @t=11.2s, 18 @t=15.7s, 18 @t=20.2s, 18 @t=24.7s; last advance to 18 at t=14.2s
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('every tx of the load is included, and supply matches the replay at the snapshot', () => {
    const ids = rec.txsOf('transactions').map((t) => t.id);
    expect(ids).toHaveLength(50);
    expect(checkIncludeAll(rec, ids, { final: true }, mark('load-included'))).toMatchObject({
      kind: 'included',
      included: 50,
    });
    expect(checkConserveSupply(rec)).toMatchObject({ kind: 'conserved' });
  });

  test('converged before the stop; afterwards the stopped validators are unreachable', () => {
    expect(checkConverge(rec, {}, mark('validators-stopped'))).toMatchObject({ kind: 'converged' });
    const v = checkConverge(rec, {});
    expect(v).toMatchObject({ kind: 'unreachable' });
    expect(
      convergenceFailure(v, { from: mark('validators-stopped'), to: rec.now() }, rec.seed),
    ).toMatchInlineSnapshot(`
      "expected all 4 nodes to agree on the final block between t=13.9s and t=24.7s; val-0, val-1 and val-2 did not answer since t=14.9s (declared fault stop(val-0), stop(val-1), stop(val-2)) (seed 913)
      replay: CHAINLAB_SEED=913 npx vitest run <this file>"
    `);
  });

  test('the run report reads as a story', () => {
    expect(renderReport(rec).replace(/started \S+/, 'started <time>')).toMatchInlineSnapshot(`
      "chainlab run report: seed 913 (replay: CHAINLAB_SEED=913), chain refnode-1bee34b6, slots of 200 ms, f 0.5: one block per 400 ms expected; final as reported (k 6)
      span t=0.0s..t=24.7s, started <time>

      final height over time
      node      0.0s   2.7s   5.5s   8.2s  11.0s  13.7s  16.5s  19.2s  22.0s  24.7s
      val-0        ?     ?!      3      6     12     17    17!    17!    17!    17!  validator
      val-1        ?      0      2      7     12     17    18!    18!    18!    18!  validator
      val-2        ?      0      2      7     12     17    17!    17!    17!    17!  validator
      exe-0        ?      0      0      3     12     17     18     18     18     18  executor
      ('!' = the node's latest sample at that time failed)

      tips at the end
        val-0: height 23 3864e561, final 17 f5a78b68 (root 00fdb959), 3 peers, mempool 0 (sampled t=13.9s)
        val-1: height 23 3864e561, final 17 f5a78b68 (root 00fdb959), 3 peers, mempool 0 (sampled t=14.2s)
        val-2: height 23 3864e561, final 17 f5a78b68 (root 00fdb959), 3 peers, mempool 0 (sampled t=14.0s)
        exe-0: height 24 c37bb2dd, final 18 08824ad2 (root 00fdb959), 0 peers, mempool 0 (sampled t=24.7s)

      faults
        t=13.9s..still open  stop(val-0)
        t=13.9s..still open  stop(val-1)
        t=13.9s..still open  stop(val-2)

      node events
        t=13.9s  val-0 stopped
        t=13.9s  val-1 stopped
        t=13.9s  val-2 stopped
        t=14.2s  val-1 feed-lost (stream ended)
        t=14.2s  val-0 feed-lost (stream ended)
        t=14.2s  val-2 feed-lost (stream ended)

      transactions: 50 submitted, 50 accepted, 0 rejected, 0 failed to send
        included 50 (100%), final 50 (100%)
        inclusion latency p50 0.96s, p95 1.95s, max 2.24s
        by workload: transactions 50

      marks
        t=2.2s  load-start
        t=11.8s  load-included
        t=13.9s  validators-stopped"
    `);
  });
});
