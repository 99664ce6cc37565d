// The DA workload and toMakeAvailable on a real refnode cluster (4 validators + 2 executors,
// real processes, real libp2p): blobs on 2 channels are certified, included in order and
// rebuilt byte-for-byte on a node that was not their entry point; a blob id that was never
// published fails the matcher with a message naming it.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Cluster } from '../cluster/cluster.ts';
import type { StartedCluster } from '../cluster/types.ts';
import { retrievedIntact } from '../observe/blob-probe.ts';
import '../matchers/vitest.ts';
import { systemClock } from '../support/clock.ts';
import { ConfigError } from '../support/errors.ts';
import { dataAvailability, type StartedDataAvailability } from './data-availability.ts';
import { verifyRetrieval } from './verify-retrieval.ts';

describe('dataAvailability options', () => {
  test('bad options are a ConfigError naming the field, the value and what is allowed', () => {
    const error = (() => {
      try {
        dataAvailability({ channels: 0, blobRate: 500, blobBytes: { min: 10, max: 2 } });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(ConfigError.is(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain('dataAvailability.channels');
    expect(message).toContain('an integer 1..16');
    expect(message).toContain('dataAvailability.blobRate');
    expect(message).toContain('500');
    expect(message).toContain('dataAvailability.blobBytes.max');
  });
});

describe('dataAvailability on a real cluster', () => {
  let cluster: StartedCluster;
  // The blobs of the last two tests, published at once with every node up, so they become
  // final while the first test runs instead of each test waiting seconds for its own. Each
  // workload has channels of its own name, and every check reads only its own handle's blobs.
  let tooManyDown: StartedDataAvailability;
  let negative: StartedDataAvailability;
  beforeAll(async () => {
    cluster = await Cluster.of({
      validators: 4,
      executors: 2,
      wallets: 6,
      slotMs: 250,
      activeSlotCoeff: 0.5,
      securityParam: 6,
      name: 'da-workload',
    }).start();
    // A workload that started is the cluster's to stop (cluster.defer), even if the other failed.
    [tooManyDown, negative] = await Promise.all([
      dataAvailability({ channels: 1, blobRate: 3, count: 3, name: 'da-too-many-down' }).start(cluster),
      dataAvailability({ channels: 1, blobRate: 4, count: 2, name: 'da-negative' }).start(cluster),
    ]);
  }, 120_000);
  afterAll(async () => {
    await cluster?.dispose();
  });

  test('every blob is certified, included in order and retrievable from another node', async () => {
    const da = await dataAvailability({ channels: 2, blobRate: 3, durationMs: 5000, name: 'da-e2e' }).start(
      cluster,
    );
    await da.done;
    await da.stop();
    expect(da.sent).toBe(15);
    await expect(cluster).toMakeAvailable(da, { within: 20_000 });

    const blobs = da.published();
    expect(blobs).toHaveLength(15);
    for (const channel of da.channels) {
      const seqs = blobs.filter((b) => b.channel === channel).map((b) => b.sequence);
      expect(seqs).toEqual(seqs.map((_, i) => i));
    }
    for (const b of blobs) {
      expect(b).toMatchObject({ outcome: 'accepted' });
      expect(['exe-0', 'exe-1']).toContain(b.node);
      const intact = (b.retrievals ?? []).find((r) => r.ok && r.dataHash === b.dataHash);
      expect(intact?.node).toBeDefined();
      expect(intact?.node).not.toBe(b.node);
      expect(intact?.size).toBe(b.size);
      // The certificate was verified by the adapter, and its valid attestations hold the threshold.
      expect(b.certificate?.invalid).toEqual([]);
      expect(b.certificate!.stake >= b.certificate!.threshold).toBe(true);
    }

    // With as many validators down as the chain tolerates (4 validators, k = 2: two), every
    // blob still comes back intact from a node other than its entry point.
    const faults = await verifyRetrieval(cluster, da);
    expect(faults.down).toHaveLength(2);
    expect(faults.tried).toBe(15);
    await expect(cluster).toMakeAvailable(da, { within: 0 });
    for (const b of da.published())
      expect(
        (b.retrievals ?? []).some((r) => r.down?.length === 2 && r.ok && r.dataHash === b.dataHash),
      ).toBe(true);
  }, 120_000);

  test('with more validators down than the chain tolerates, retrieval fails and toMakeAvailable says so', async () => {
    // Published in beforeAll with every node up. The first test's last blobs go out ~4 s after
    // these and must be final before it pauses validators, so these are rebuilt by then; a copy
    // rebuilt unrecorded during that pause could only make this test fail, never pass.
    const da = tooManyDown;
    await da.done;
    // Once every blob is final, the observer has checked its certificate and rebuilt it whole
    // on one node (a validator, the observer asks those first). verifyRetrieval pauses the
    // validators holding such copies first, so what the rest could give back is only what
    // they rebuild from their chunks.
    const checked = (): boolean =>
      da.published().every((b) => b.certificate !== undefined && retrievedIntact(b));
    for (let i = 0; i < 300 && !checked(); i++) await systemClock.sleep(100);
    expect(checked(), 'every blob final, its certificate checked and rebuilt once').toBe(true);
    // A retriever short of validator chunks asks the executors next, and the entry executor
    // holds each blob whole: with it up the blobs stay available (after the paused validators
    // time out), so the loss this test claims needs the executors down too. Only the last
    // validator's chunk is left, one of the two needed.
    const executors = [...cluster.executors];
    let faults: Awaited<ReturnType<typeof verifyRetrieval>>;
    try {
      await Promise.all(executors.map((e) => e.pause()));
      faults = await verifyRetrieval(cluster, da, { down: 3, timeoutMs: 5000 });
    } finally {
      await Promise.all(executors.map((e) => e.resume()));
    }
    const error = await expect(cluster)
      .toMakeAvailable(da, { within: 0 })
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(error).toMatchObject({ actual: { kind: 'unavailable' } });
    const missing = (error as unknown as { actual: { missing: { why: string }[] } }).actual.missing;
    expect(missing.map((m) => m.why)).toEqual([
      'lost-with-validators-down',
      'lost-with-validators-down',
      'lost-with-validators-down',
    ]);
    expect(error!.message).toContain(
      `with ${faults.down.slice(0, 2).join(', ')} and ${faults.down[2]} down (3 validators`,
    );
  }, 120_000);

  test('a blob id that was never published fails with a precise message', async () => {
    const da = negative;
    await da.done;
    await da.stop();
    const bogus = 'ab'.repeat(32);
    const error = await expect(cluster)
      .toMakeAvailable([...da.ids(), bogus], { within: 15_000 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toMatchObject({ actual: { kind: 'unavailable' } });
    const message = (error as Error).message;
    expect(message).toContain(
      'expected all 3 blobs (given) to be certified, included in order per channel and retrievable byte-for-byte from a node other than its entry point within',
    );
    expect(message).toContain('2 were (66.7%), 1 not: abababab… was never published (not in the recording)');
    expect(message).toContain(`(seed ${cluster.seed})`);
  }, 60_000);
});
