/**
 * Clock-skew chaos: offsets and jitter on several nodes at once, applied at run time without
 * a restart and lifted again on `stop()` (each node back to the setting it had before).
 *
 * The definition (`ClockSkew`) is immutable and shareable; `start(cluster)` returns the
 * running `StartedClockSkew`. Every change goes through the nodes' own clock control
 * (`StartedNode.setClockOffset`), which confirms it and records it as a `clock-skew` fault
 * window with the offset, so reports show it and matchers read it.
 */
import { z } from 'zod';
import { requireFacet } from '../adapter/facets.ts';
import {
  type ClockSetting,
  type ClockSkewOptions,
  clockSkewAllowed,
  clockSkewSchema,
  describeSetting,
  settingsOf,
  unknownClockNodes,
} from '../cluster/clock-offset.ts';
import type { StartedCluster, StartedNode } from '../cluster/types.ts';
import { CapabilityError, ConfigError } from '../support/errors.ts';
import { parseOptions } from '../support/validate.ts';

/** Options of {@link clockSkew}: per-node offsets and jitter, and a name. */
export interface ClockSkewChaosOptions extends ClockSkewOptions {
  /** Label in logs and the recording. Default `clock-skew`. */
  name?: string;
}

const schema = clockSkewSchema.extend({ name: z.string().min(1).default('clock-skew') });
const allowed = {
  ...clockSkewAllowed(''),
  name: 'a non-empty string',
  '*': 'one of offsets, jitter, jitterEvery, name',
};

/** A clock-skew definition; `start(cluster)` applies it. */
export interface ClockSkew {
  readonly name: string;
  /** Each named node's setting. */
  readonly settings: ReadonlyMap<string, ClockSetting>;
  /**
   * Applies every setting at once and resolves when each node's clock was seen to read it.
   * Refuses before changing anything: `CapabilityError` without the `clock-skew` facet, the
   * deployer capability or nodes launched skewable (cluster option `clockSkew`);
   * `ConfigError` for a node the cluster does not have.
   */
  start(cluster: StartedCluster): Promise<StartedClockSkew>;
}

/** Skewed clocks. Dispose it (or `stop()`) to give every node its earlier setting back. */
export interface StartedClockSkew extends AsyncDisposable {
  readonly name: string;
  readonly settings: ReadonlyMap<string, ClockSetting>;
  /** `clock-skew: val-1 +1000 ms, val-2 +0 ms ± 200 ms every 1.0 s`. */
  summary(): string;
  /** Restores the earlier settings (confirmed); rethrows a jitter draw that failed. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Per-node clock offsets and jitter, changed at run time.
 *
 * @example
 * await using skew = await clockSkew({ offsets: { 'val-1': '+1s' }, jitter: { 'val-2': '±200ms' } }).start(cluster);
 * await expect(cluster).toRespectDrift({ since });
 */
export function clockSkew(options: ClockSkewChaosOptions): ClockSkew {
  const parsed = parseOptions(schema, options, 'clock skew options', allowed);
  const settings = settingsOf(parsed);
  if (settings.size === 0) {
    throw new ConfigError('clock skew options', [
      { path: 'offsets', value: options.offsets, allowed: 'at least one node in offsets or jitter' },
    ]);
  }
  return {
    name: parsed.name,
    settings,
    start: (cluster) => startClockSkew(cluster, options, parsed, settings),
  };
}

async function startClockSkew(
  cluster: StartedCluster,
  options: ClockSkewChaosOptions,
  parsed: z.output<typeof schema>,
  settings: ReadonlyMap<string, ClockSetting>,
): Promise<StartedClockSkew> {
  const unknown = unknownClockNodes(options, new Set(cluster.nodes.map((n) => n.name)), '');
  if (unknown.length > 0) {
    const names = cluster.nodes.map((n) => n.name).join(', ');
    throw new ConfigError(
      'clock skew options',
      unknown.map((u) => ({ ...u, allowed: `a node of this cluster: ${names}` })),
    );
  }
  requireFacet(cluster, parsed.name, 'clock-skew');
  cluster.requireCapabilities('clock-skew');
  const nodes = [...settings.keys()].map((name) => cluster.node(name));
  const fixed = nodes.find((n) => n.clockSetting === undefined);
  if (fixed !== undefined) {
    throw new CapabilityError(
      'clock-skew',
      cluster.deployer.name,
      `${fixed.name} was started with its clock untouched: start the cluster with the \`clockSkew\` option (\`clockSkew: {}\` for unskewed clocks that may change later)`,
    );
  }
  const before = new Map(nodes.map((n) => [n.name, n.clockSetting!]));
  const summary = (): string =>
    `${parsed.name}: ${[...settings].map(([n, s]) => `${n} ${describeSetting(s)}`).join(', ')}`;
  const apply = (node: StartedNode, s: ClockSetting): Promise<void> =>
    node.setClockOffset(s.offsetMs, { jitter: s.jitterMs, jitterEvery: s.everyMs });

  const applied = await Promise.allSettled(nodes.map((n) => apply(n, settings.get(n.name)!)));
  const failed = applied.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // Half a skew is not what the test asked for: put every node back, then report.
    await Promise.allSettled(nodes.map((n) => apply(n, before.get(n.name)!)));
    throw failed.reason;
  }
  cluster.recording.mark('chaos', summary());

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      const failure = nodes.map((n) => n.clockFailure).find((f) => f !== undefined);
      const restored = await Promise.allSettled(nodes.map((n) => apply(n, before.get(n.name)!)));
      cluster.recording.mark('chaos', `${parsed.name} lifted`);
      if (failure) throw failure;
      const bad = restored.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (bad) throw bad.reason;
    })();
    return stopped;
  };
  return {
    name: parsed.name,
    settings,
    summary,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
