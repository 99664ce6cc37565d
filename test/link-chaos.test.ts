/**
 * Seeded link chaos on a real refnode cluster with links: the steps that ran are the first
 * steps of the seeded schedule, each was applied through the link layer (a fault window
 * naming its links, closed once lifted), the chain keeps finalizing and converges after.
 * Bad options and a cluster without links are refused before anything runs.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeLinkStep } from '../src/chaos/link-fault-plan.ts';
import { linkFaults } from '../src/chaos/link-faults.ts';
import { Cluster } from '../src/cluster/cluster.ts';
import type { StartedCluster } from '../src/cluster/types.ts';
import { noLinks } from '../src/links/no-links.ts';
import '../src/matchers/vitest.ts';
import { CapabilityError, ConfigError } from '../src/support/errors.ts';

describe('linkFaults options', () => {
  test('bad options are one ConfigError naming each field and what is allowed', () => {
    let error: unknown;
    try {
      linkFaults({ actions: [], minDelay: 5_000, maxDelay: 1_000, latencyMs: 0 });
    } catch (e) {
      error = e;
    }
    expect(ConfigError.is(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain(
      "actions: got [], allowed: a non-empty list of 'partition' | 'block-peer' | 'latency'",
    );
    expect(message).toContain('maxDelay');
    expect(message).toContain('latencyMs');
  });

  test('a cluster without links is refused with a CapabilityError that says how to get them', async () => {
    const cluster = { links: noLinks('local') } as unknown as StartedCluster;
    const error = await linkFaults()
      .start(cluster)
      .catch((e: unknown) => e);
    expect(CapabilityError.is(error)).toBe(true);
    expect((error as Error).message).toContain('`links: true`');
  });
});

describe('linkFaults on a real cluster with links', () => {
  let cluster: StartedCluster;
  beforeAll(async () => {
    cluster = await Cluster.of({
      validators: 4,
      wallets: 2,
      slotMs: 250,
      activeSlotCoeff: 0.5,
      securityParam: 4,
      links: true,
      name: 'link-chaos',
    }).start();
  });
  afterAll(async () => {
    await cluster?.dispose();
  });

  test('runs the seeded schedule through the link layer, lifts each fault, and the chain recovers', async () => {
    const chaos = await linkFaults({
      actions: ['partition', 'block-peer', 'latency'],
      minDelay: 500,
      maxDelay: 1_000,
      hold: 1_500,
      latencyMs: 200,
      maxFaults: 3,
    }).start(cluster);
    const planned = chaos.schedule(60_000).slice(0, 3);
    await chaos.done;
    await chaos.stop();
    expect(chaos.executed.map((e) => describeLinkStep(e.step))).toEqual(planned);
    expect(chaos.executed.every((e) => e.error === undefined)).toBe(true);
    expect(chaos.summary()).toContain(`link-faults (seed ${cluster.seed}): ${planned.join(', ')}`);

    // Each step left one closed window of its kind, naming the links it changed.
    const kinds = { partition: 'partition', 'block-peer': 'block-peer', latency: 'latency' } as const;
    const windows = cluster.recording.faults.filter((f) => Object.values(kinds).includes(f.kind as never));
    expect(windows.map((w) => w.kind)).toEqual(chaos.executed.map((e) => kinds[e.step.action]));
    for (const w of windows) {
      expect(w.end, w.description).toBeDefined();
      expect(w.links?.length, w.description).toBeGreaterThan(0);
    }
    // Every window closed: each fault was lifted and the lift confirmed; the chain got over it.
    await expect(cluster).toConverge({ within: 20_000 });
    await expect(cluster).toKeepFinality();
  });
});
