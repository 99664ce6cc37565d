/**
 * The control probe: a low-rate client apart from any flood that makes the valid reads an
 * ordinary user makes (from the adapter's API surface) and records what it saw — latency,
 * status, errors — per node (`recording.probes`). It also reads each node's process start
 * time as the node reports it, when it starts, every few seconds and when it stops, so a
 * restart shows. It runs until stopped; `toStayResponsive` judges what it recorded.
 */
import { Pool } from 'undici';
import { z } from 'zod';
import { requireFacet } from '../../adapter/facets.ts';
import type { ApiRequest } from '../../adapter/types.ts';
import { type NodeSelection, nodeSelectionSchema, selectNodes } from '../../cluster/node-selection.ts';
import type { StartedCluster, StartedNode } from '../../cluster/types.ts';
import type { ProbeRecord, TxRecord } from '../../observe/recording.ts';
import { systemClock } from '../../support/clock.ts';
import { CapabilityError, ConfigError } from '../../support/errors.ts';
import { type AllowedText, parseOptions } from '../../support/validate.ts';
import { pace, paced } from '../runner.ts';
import { type StartedWorkload, startedWorkload, type Workload, workloadNameSchema } from '../workload.ts';
import { failureOf } from './flood-engine.ts';

/** Options of {@link controlProbe}. */
export interface ControlProbeOptions {
  /** Probes per second per node. Default 5. */
  rate?: number;
  /** Nodes probed. Default `all`. */
  targets?: NodeSelection;
  /** A probe without an answer this long (ms) counts as a `timeout` error. Default 2000. */
  timeoutMs?: number;
  /** How often (ms) each node's process start time is read. Default 2000. */
  startsEveryMs?: number;
  /** Name in the recording. Default `control-probe`. */
  name?: string;
}

const schema = z.strictObject({
  rate: z.number().gt(0).lte(100).optional(),
  targets: nodeSelectionSchema.optional(),
  timeoutMs: z.int().min(50).max(60_000).optional(),
  startsEveryMs: z.int().min(100).max(60_000).optional(),
  name: workloadNameSchema.optional(),
});

const allowed: AllowedText = {
  rate: 'a number of probes/s per node with 0 < rate ≤ 100',
  targets: `'all', 'validators', 'executors' or a non-empty list of node names`,
  timeoutMs: 'an integer 50..60000 (ms)',
  startsEveryMs: 'an integer 100..60000 (ms)',
  name: 'a string of 1..40 letters, digits, ., - or _',
  '*': 'one of rate, targets, timeoutMs, startsEveryMs, name',
};

/**
 * A probe definition: a `Workload` (immutable, options validated when made) whose `start`
 * resolves once every node's start time was read.
 */
export type ControlProbe = Workload<StartedControlProbe>;

/** A running probe: a `StartedWorkload` (`await using`, `background`, cluster disposal stop it). */
export interface StartedControlProbe extends StartedWorkload {
  /** Its record in the cluster's recording (`end` set once stopped). */
  readonly record: ProbeRecord;
  /** Resolves once the probe was stopped and its last reads ended (it never ends by itself). */
  readonly done: Promise<void>;
  /** Stops probing, waits for the probes in flight, reads the start times once more. Idempotent. */
  stop(): Promise<void>;
  /** None: a probe makes reads, it submits no txs. */
  submitted(): TxRecord[];
}

/**
 * A low-rate control probe of what an ordinary user sees (defaults in {@link ControlProbeOptions}).
 *
 * @example
 * await using probe = await controlProbe({ rate: 5 }).start(cluster); // or: await background(controlProbe())
 * // … flood …
 * await probe.stop();
 * await expect(cluster).toStayResponsive({ p99: 250, errorRate: 0.01 });
 */
export function controlProbe(options: ControlProbeOptions = {}): ControlProbe {
  const p = parseOptions(schema, options, 'controlProbe options', allowed, 'controlProbe');
  const name = p.name ?? 'control-probe';
  return {
    name,
    async start(cluster) {
      requireFacet(cluster, 'controlProbe', 'api-surface');
      const surface = cluster.apiSurface;
      if (surface === undefined)
        throw CapabilityError.facet('api-surface', cluster.facts.adapter, 'controlProbe');
      const targets = selectNodes(
        cluster,
        p.targets ?? 'all',
        'controlProbe options',
        'controlProbe.targets',
      );
      if (targets.length === 0)
        throw new ConfigError('controlProbe options', [
          { path: 'controlProbe.targets', value: p.targets, allowed: 'a selection with at least one node' },
        ]);
      const reads = await surface.reads({ client: targets[0]!.client, wallets: cluster.wallets });
      return runProbe(cluster, targets, reads, {
        name,
        rate: p.rate ?? 5,
        timeoutMs: p.timeoutMs ?? 2000,
        startsEveryMs: p.startsEveryMs ?? 2000,
      });
    },
  };
}

async function runProbe(
  cluster: StartedCluster,
  targets: readonly StartedNode[],
  reads: readonly ApiRequest[],
  o: { name: string; rate: number; timeoutMs: number; startsEveryMs: number },
): Promise<StartedControlProbe> {
  const surface = cluster.apiSurface!;
  const rec = cluster.recording;
  const handle = rec.openProbe({ name: o.name, nodes: targets.map((t) => t.name), rate: o.rate });
  const clock = systemClock;
  // Two connections per node: an ordinary client, not one that could itself load the node.
  const pools = targets.map(
    (t) => new Pool(t.apiUrl, { connections: 2, headersTimeout: o.timeoutMs, bodyTimeout: o.timeoutMs }),
  );
  const stopped = new AbortController();
  const inFlight = new Set<Promise<void>>();

  const readStarts = (): Promise<unknown> =>
    Promise.allSettled(
      targets.map(async (t) => {
        const startedAt = await surface.startedAt(t.client, { timeoutMs: o.timeoutMs });
        if (startedAt !== undefined) handle.processStart({ node: t.name, at: rec.now(), startedAt });
      }),
    );

  const probe = async (i: number, req: ApiRequest): Promise<void> => {
    const at = rec.now();
    const began = clock.monotonic();
    const node = targets[i]!.name;
    try {
      const res = await pools[i]!.request({
        method: req.method,
        path: req.path,
        headers: req.headers ?? {},
        body: req.body,
        signal: AbortSignal.timeout(o.timeoutMs),
      });
      for await (const _ of res.body);
      const ms = Math.round((clock.monotonic() - began) * 10) / 10;
      handle.observe({
        node,
        at,
        ms,
        request: req.label,
        status: res.statusCode,
        outcome: surface.answer(res.statusCode),
      });
    } catch (error) {
      const ms = Math.round((clock.monotonic() - began) * 10) / 10;
      const why = (error as Error)?.name === 'TimeoutError' ? 'timeout' : failureOf(error);
      handle.observe({ node, at, ms, request: req.label, error: why, outcome: 'failed' });
    }
  };

  await readStarts();
  let n = 0;
  const total = o.rate * targets.length;
  const loop = pace(
    (function* () {
      for (const at of paced(total, {})) yield { at };
    })(),
    (due) => {
      for (const _ of due) {
        const i = n % targets.length;
        const req = reads[Math.floor(n / targets.length) % reads.length]!;
        n++;
        const job = probe(i, req);
        inFlight.add(job);
        void job.finally(() => inFlight.delete(job));
      }
    },
    { signal: stopped.signal, clock },
  );
  const starts = clock.setInterval(() => void readStarts(), o.startsEveryMs);
  // The pacing runs until stopped; then the last reads, and the probe's window closes.
  const done = (async () => {
    try {
      await loop;
      await Promise.allSettled([...inFlight]);
      await readStarts();
    } finally {
      handle.end();
      await Promise.allSettled(pools.map((p) => p.destroy()));
    }
  })();
  return startedWorkload(
    cluster,
    o.name,
    {
      done,
      halt: () => {
        stopped.abort();
        starts[Symbol.dispose]();
      },
    },
    { record: handle.probe },
  );
}
