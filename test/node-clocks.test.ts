/**
 * End to end on the local and docker deployers (the same API, parametrized): per-node clock offsets through libfaketime, set at start
 * and changed at run time without a restart, are real on the nodes (their `/info` clock and
 * slot read them), recorded as `clock-skew` fault windows carrying the offsets, and sampled
 * per node with refnode's future-block counters. A cluster started without the `clockSkew`
 * option refuses a run-time change up front.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ClockReading } from '../src/adapter/types.ts';
import { clockSkew } from '../src/chaos/clock-skew.ts';
import { Cluster } from '../src/cluster/cluster.ts';
import type { StartedCluster } from '../src/cluster/types.ts';
import { dockerAvailability } from '../src/deployers/docker/docker-client.ts';
import { CapabilityError, ConfigError } from '../src/support/errors.ts';
import { eventually, processesOfRun } from './helpers.ts';

const SLOT_MS = 250;
const docker = await dockerAvailability();
const deployers = [
  { name: 'local', skip: undefined },
  { name: 'docker', skip: docker.available ? undefined : docker.reason },
] as const;

/** A node's clock minus ours, measured at the middle of one `/info` request, and its slot. */
async function measure(
  cluster: StartedCluster,
  node: string,
): Promise<{ offsetMs: number; rttMs: number; reading: ClockReading }> {
  const before = Date.now();
  const reading = await cluster.node(node).client.clock!();
  const after = Date.now();
  return { offsetMs: reading.now - (before + after) / 2, rttMs: after - before, reading };
}

/** Within the request's own uncertainty plus 25 ms of scheduling. */
function expectOffset(m: { offsetMs: number; rttMs: number }, expected: number): void {
  expect(
    Math.abs(m.offsetMs - expected),
    `measured ${m.offsetMs} ms, expected ${expected} ms`,
  ).toBeLessThanOrEqual(m.rttMs / 2 + 25);
}

for (const deployer of deployers) {
  if (deployer.skip)
    console.warn(`chainlab: skipping clock skew on the ${deployer.name} deployer: ${deployer.skip}`);
  describe.skipIf(deployer.skip !== undefined)(`clock skew on the ${deployer.name} deployer`, () => {
    let cluster: StartedCluster & AsyncDisposable;
    beforeAll(async () => {
      cluster = await Cluster.of({
        validators: 3,
        executors: 1,
        wallets: 2,
        slotMs: SLOT_MS,
        name: 'skewed',
        deployer: deployer.name,
        clockSkew: {
          offsets: { 'val-1': '+1s', 'exe-0': '-300ms' },
          jitter: { 'val-2': '±200ms' },
          jitterEvery: 500,
        },
      }).start();
    });
    afterAll(async () => {
      await cluster?.[Symbol.asyncDispose]();
    });

    test('offsets set at start are real: each node reads its offset, and its /info slot differs by offset / slotMs', async () => {
      expect(cluster.node('val-1').clockOffsetMs).toBe(1000);
      expectOffset(await measure(cluster, 'val-0'), 0);
      expectOffset(await measure(cluster, 'val-1'), 1000);
      expectOffset(await measure(cluster, 'exe-0'), -300);
      const jittered = await measure(cluster, 'val-2');
      expect(Math.abs(jittered.offsetMs)).toBeLessThanOrEqual(200 + jittered.rttMs / 2 + 25);
      // Slots read back to back: val-1 is 1000 / 250 = 4 slots ahead of val-0 (± 1 for a slot edge between reads).
      const [ref, ahead] = await Promise.all([measure(cluster, 'val-0'), measure(cluster, 'val-1')]);
      expect(Math.abs(ahead.reading.slot! - ref.reading.slot! - 1000 / SLOT_MS)).toBeLessThanOrEqual(1);
    });

    test('a run-time change applies without a restart and is one more fault window with its offset', async () => {
      const pids = await processesOfRun(cluster.runId);
      const node = cluster.node('val-1');
      await node.setClockOffset('-500ms');
      expectOffset(await measure(cluster, 'val-1'), -500);
      await node.setClockOffset(1000);
      expectOffset(await measure(cluster, 'val-1'), 1000);
      // The same processes (on the host; a container's are not labelled with the run): nothing restarted.
      if (deployer.name === 'local') expect(pids).toHaveLength(4);
      expect((await processesOfRun(cluster.runId)).sort()).toEqual(pids.sort());
      expect(cluster.recording.events.filter((e) => e.node === 'val-1' && e.event === 'started')).toEqual([]);
      const windows = cluster.recording.faultsOf('val-1').filter((f) => f.kind === 'clock-skew');
      expect(windows.map((w) => [w.offsets, w.excuses, w.end === undefined])).toEqual([
        [{ 'val-1': 1000 }, false, false],
        [{ 'val-1': -500 }, false, false],
        [{ 'val-1': 1000 }, false, true],
      ]);
      expect(windows[1]!.description).toBe('clock-skew(val-1 -500 ms)');
      expect(cluster.recording.clockOffsetAt('val-1', windows[1]!.start)).toBe(-500);
    });

    test('jitter is re-drawn at its interval, each draw a window within ± the amplitude', async () => {
      const windows = () => cluster.recording.faultsOf('val-2').filter((f) => f.kind === 'clock-skew');
      expect(await eventually(async () => windows().length >= 3, 5000), 'three jitter draws').toBe(true);
      // Drawn at its interval, not more often: one draw at start, then one per 500 ms.
      const seen = windows();
      const elapsed = cluster.recording.now() - seen[0]!.start;
      expect(seen.length).toBeLessThanOrEqual(Math.floor(elapsed / 500) + 1);
      const draws = seen.map((f) => f.offsets!['val-2']!);
      expect(new Set(draws).size).toBeGreaterThan(1);
      for (const d of draws) expect(Math.abs(d)).toBeLessThanOrEqual(200);
      expect(cluster.node('val-2').clockFailure).toBeUndefined();
      // A redraw may land while the request is in flight (the node reads the new offset as
      // soon as the file is renamed): the clock matches the draw before or the one after.
      const before = cluster.node('val-2').clockOffsetMs!;
      const m = await measure(cluster, 'val-2');
      const after = cluster.node('val-2').clockOffsetMs!;
      const nearest = Math.abs(m.offsetMs - before) <= Math.abs(m.offsetMs - after) ? before : after;
      expectOffset(m, nearest);
    });

    test("samples carry each node's clock and refnode's future-block counters", async () => {
      const last = (node: string) => cluster.recording.samplesOf(node).findLast((s) => s.clock)!.clock!;
      // val-1 is 1000 ms ahead, beyond the 500 ms bound: the unskewed val-0 refuses its blocks;
      // exe-0, 300 ms behind, holds the others' blocks until their slot starts. Which slots
      // val-1 wins is chance (about one in five), so the samples are read until both showed.
      const shown = await eventually(async () => {
        await cluster.observer.refresh();
        return (last('val-0').refusedFutureBlocks ?? 0) > 0 && (last('exe-0').heldFutureBlocks ?? 0) > 0;
      }, 20_000);
      expect(shown, `val-0 ${JSON.stringify(last('val-0'))}, exe-0 ${JSON.stringify(last('exe-0'))}`).toBe(
        true,
      );
      expect(Math.abs(last('val-1').offsetMs - 1000)).toBeLessThanOrEqual(last('val-1').uncertaintyMs + 25);
      expect(Math.abs(last('exe-0').offsetMs + 300)).toBeLessThanOrEqual(last('exe-0').uncertaintyMs + 25);
      expect(last('val-0').maxDriftMs).toBe(500);
      await expect(cluster).toRespectDrift();
    });

    test('the clockSkew chaos skews several nodes at once and gives each its setting back on stop', async () => {
      const skew = await clockSkew({ offsets: { 'val-0': '+250ms', 'exe-0': '+100ms' } }).start(cluster);
      expect(skew.summary()).toBe('clock-skew: val-0 +250 ms, exe-0 +100 ms');
      expectOffset(await measure(cluster, 'val-0'), 250);
      expectOffset(await measure(cluster, 'exe-0'), 100);
      await skew.stop();
      expectOffset(await measure(cluster, 'val-0'), 0);
      expectOffset(await measure(cluster, 'exe-0'), -300);
      await expect(clockSkew({ offsets: { 'val-7': '+1s' } }).start(cluster)).rejects.toThrow(
        /offsets\.val-7.*a node of this cluster: val-0, val-1, val-2, exe-0/s,
      );
    });
  });
}

describe('clock skew refusals', () => {
  test('bad offsets and unknown nodes are refused before anything starts, naming the option', () => {
    const refusal = (clockSkew: object): unknown => {
      try {
        Cluster.of({ validators: 2, clockSkew });
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const badOffset = refusal({ offsets: { 'val-0': '+1 minute' } });
    expect(ConfigError.is(badOffset), String(badOffset)).toBe(true);
    expect((badOffset as Error).message).toMatch(
      /clockSkew\.offsets\.val-0: got "\+1 minute", allowed: ms as a number, or '\+1s'/,
    );
    const unknown = refusal({ offsets: { 'val-5': '+1s' }, jitter: { 'val-0': '±200ms' } });
    expect((unknown as Error).message).toMatch(
      /clockSkew\.offsets\.val-5: got "\+1s", allowed: a node of this cluster: val-0, val-1/,
    );
  });

  test('a cluster started without the clockSkew option refuses a run-time change with CapabilityError', async () => {
    await using cluster = await Cluster.of({ validators: 1, wallets: 1, name: 'unskewed' }).start();
    const error = await cluster
      .node('val-0')
      .setClockOffset('+1s')
      .catch((e: unknown) => e);
    expect(CapabilityError.is(error), String(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /val-0 was started with its clock untouched.*`clockSkew: \{\}`/s,
    );
    expect(cluster.recording.faults).toEqual([]);
  });
});
