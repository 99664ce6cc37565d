// The one lifecycle every started workload shares (`startedWorkload`): stop halts once and
// waits for the run, dispose is stop, the cluster gets it to dispose, a failure surfaces
// through stop, and the workload's own members (getters too) stay live.
import { describe, expect, expectTypeOf, test } from 'vitest';
import type { BackgroundFn } from '../fixtures/vitest.ts';
import { apiFlood, type StartedApiFlood } from './api-flood/api-flood.ts';
import { controlProbe, type StartedControlProbe } from './api-flood/control-probe.ts';
import { startedWorkload, type WorkloadOwner } from './workload.ts';

/** The part of a started cluster a workload registers with: a real list, disposed newest first. */
function owner(): WorkloadOwner & { deferred: AsyncDisposable[] } {
  const deferred: AsyncDisposable[] = [];
  return { deferred, defer: (r) => void deferred.push(r) };
}

/** A run that ends when halted (or by itself with `end`). */
function run() {
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  let halts = 0;
  return {
    done: promise,
    halt: () => {
      halts++;
      resolve();
    },
    end: resolve,
    fail: reject,
    halts: () => halts,
  };
}

describe('startedWorkload', () => {
  test('stop halts the run once, waits for it, and every later stop returns the same promise', async () => {
    const r = run();
    const cluster = owner();
    const w = startedWorkload(cluster, 'w', r);
    const first = w.stop();
    expect(w.stop()).toBe(first);
    await first;
    await w[Symbol.asyncDispose]();
    expect(r.halts()).toBe(1);
    expect(w.name).toBe('w');
    expect(w.submitted()).toEqual([]);
  });

  test('await using stops it at the end of the scope, also when the scope throws', async () => {
    const r = run();
    const error = await (async () => {
      await using _w = startedWorkload(owner(), 'w', r);
      throw new Error('the test failed mid-run');
    })().catch((e: unknown) => e);
    expect((error as Error).message).toBe('the test failed mid-run');
    expect(r.halts()).toBe(1);
  });

  test('it is registered with the cluster, which disposes it', async () => {
    const r = run();
    const cluster = owner();
    const w = startedWorkload(cluster, 'w', r);
    expect(cluster.deferred).toEqual([w]);
    await cluster.deferred[0]![Symbol.asyncDispose]();
    expect(r.halts()).toBe(1);
  });

  test('a run that ended by itself is not halted again; done resolves with its value', async () => {
    const { promise, resolve } = Promise.withResolvers<number>();
    let halts = 0;
    const w = startedWorkload(owner(), 'w', { done: promise, halt: () => void halts++ });
    resolve(42);
    expect(await w.done).toBe(42);
    await w.stop();
    // stop() still asks (the run decides a late halt is nothing) and resolves at once.
    expect(halts).toBe(1);
  });

  test('a failed run rejects stop and dispose with its error, and is no unhandled rejection', async () => {
    const r = run();
    const w = startedWorkload(owner(), 'w', r);
    r.fail(new Error('the flood thread failed'));
    await new Promise((resolve) => setImmediate(resolve));
    await expect(w.stop()).rejects.toThrow('the flood thread failed');
    await expect(w[Symbol.asyncDispose]()).rejects.toThrow('the flood thread failed');
    await expect(w.done).rejects.toThrow('the flood thread failed');
  });

  test("the workload's own members are kept, getters read live", async () => {
    const r = run();
    let sent = 0;
    const w = startedWorkload(owner(), 'w', r, {
      get sent() {
        return sent;
      },
      ids: () => ['a'],
    });
    sent = 3;
    expect(w.sent).toBe(3);
    expect(w.ids()).toEqual(['a']);
    await w.stop();
  });

  test('submitted() is the run’s own when it has one', () => {
    const r = run();
    const tx = { id: 't', workload: 'w', node: 'n', submittedAt: 0, outcome: 'accepted' as const };
    const w = startedWorkload(owner(), 'w', { ...r, submitted: () => [tx] });
    expect(w.submitted()).toEqual([tx]);
    r.end();
  });
});

test('the API flood and the control probe are workloads the background fixture takes, typed', () => {
  const background = (() => undefined) as unknown as BackgroundFn;
  const flood = () => background(apiFlood({ qps: 'max', durationMs: 1000 }));
  const probe = () => background(controlProbe());
  expectTypeOf(flood).returns.toEqualTypeOf<Promise<StartedApiFlood>>();
  expectTypeOf(probe).returns.toEqualTypeOf<Promise<StartedControlProbe>>();
});
