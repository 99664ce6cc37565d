/**
 * The API flood workload (scenario 14): a bounded mix of valid reads, valid tx submissions,
 * malformed and oversized bodies, unknown routes, slow bodies and bursts sent to chosen
 * nodes at a target QPS (or as fast as its connections allow) for a bounded time; it stops
 * by itself. Which requests exist comes from the adapter's API surface (facet
 * `api-surface`); the sending runs in a worker thread (flood-thread.ts → flood-worker.ts)
 * so the test's own event loop — the observer and the control probe — never queues behind
 * it. Every request is tallied per second, node, kind and status into the recording
 * (`recording.floods`). It is a `Workload` like the others: start it with `background(…)` or
 * `await using … = await apiFlood(…).start(cluster)`.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { requireFacet } from '../../adapter/facets.ts';
import {
  type ApiRequest,
  type ApiRequestKind,
  type ApiSurface,
  apiRequestKinds,
  type PreparedTx,
} from '../../adapter/types.ts';
import { type NodeSelection, nodeSelectionSchema, selectNodes } from '../../cluster/node-selection.ts';
import type { StartedCluster, StartedNode } from '../../cluster/types.ts';
import { type FloodOutcome, floodOutcome } from '../../observe/flood-summary.ts';
import type { FloodRecord, FloodRow, TxRecord } from '../../observe/recording.ts';
import { CapabilityError, ConfigError } from '../../support/errors.ts';
import { type AllowedText, parseOptions } from '../../support/validate.ts';
import { walletNonces } from '../nonces.ts';
import { type StartedWorkload, startedWorkload, type Workload, workloadNameSchema } from '../workload.ts';
import { startFloodThread } from './flood-thread.ts';
import type { FloodMix, FloodPlan } from './plan.ts';
import type { RawFloodRow } from './tally.ts';

/** Options of {@link apiFlood}. */
export interface ApiFloodOptions {
  /** Requests per second over all targets, or `'max'`: as many as `connections` per target keep busy. Required. */
  qps: number | 'max';
  /** How long the flood lasts (ms); it stops by itself. Required; 1..600 000. */
  durationMs: number;
  /** Weights of the request kinds (0 leaves one out). Default: every kind, read 40, submit 15, malformed 15, oversized 2, unknownRoute 15, slowBody 5. */
  mix?: Partial<FloodMix>;
  /** Nodes flooded (round robin). Default `validators`. */
  targets?: NodeSelection;
  /** Extra requests at once every `everyMs`, beyond the in-flight bound; `false` for none. Default `{ size: 200, everyMs: 1000 }`. */
  burst?: { size: number; everyMs: number } | false;
  /** Connections per target for everything but slow bodies. Default 8. */
  connections?: number;
  /** Slow bodies in flight per target at most. Default 2. */
  slowConnections?: number;
  /** How long a slow body takes to arrive (ms). Default 2000. */
  slowBodyMs?: number;
  /** Per-request timeout for the answer (ms). Default 5000. */
  timeoutMs?: number;
  /** Signed transfers prepared for the `submit` kind (sent in order, then again: repeats are refused as known). Default 200. */
  submissions?: number;
  /**
   * Indexes of the funded wallets that sign the submissions, taking turns (a chain may hold
   * only so many pending txs per sender). Default: the cluster's last wallet (kept apart from
   * other load).
   */
  wallets?: number[];
  /**
   * Local address the flood connects from, so a node's per-client limits see it as one client
   * apart from the control probe. Default `127.0.0.2` when every target is on 127.0.0.1 or
   * localhost, else the system's choice.
   */
  from?: string;
  /** Name in the recording. Default `api-flood`. */
  name?: string;
}

const kindWeights = z.strictObject(
  Object.fromEntries(apiRequestKinds.map((k) => [k, z.number().min(0).max(1000).optional()])) as Record<
    ApiRequestKind,
    z.ZodOptional<z.ZodNumber>
  >,
);

const schema = z.strictObject({
  qps: z.union([z.literal('max'), z.number().gt(0).lte(1_000_000)]),
  durationMs: z.int().min(1).max(600_000),
  mix: kindWeights.optional(),
  targets: nodeSelectionSchema.optional(),
  burst: z
    .union([z.literal(false), z.strictObject({ size: z.int().min(1).max(10_000), everyMs: z.int().min(10) })])
    .optional(),
  connections: z.int().min(1).max(256).optional(),
  slowConnections: z.int().min(0).max(256).optional(),
  slowBodyMs: z.int().min(10).max(600_000).optional(),
  timeoutMs: z.int().min(100).max(600_000).optional(),
  submissions: z.int().min(1).max(100_000).optional(),
  wallets: z.array(z.int().min(0)).min(1).optional(),
  from: z.ipv4().or(z.ipv6()).optional(),
  name: workloadNameSchema.optional(),
});

const allowed: AllowedText = {
  qps: `'max' or a number of requests/s with 0 < qps ≤ 1000000`,
  durationMs: 'an integer 1..600000 (ms)',
  mix: `an object of weights ≥ 0 for ${apiRequestKinds.join(', ')}`,
  'mix.*': `one of ${apiRequestKinds.join(', ')}`,
  ...Object.fromEntries(apiRequestKinds.map((k) => [`mix.${k}`, 'a weight 0..1000'])),
  targets: `'all', 'validators', 'executors' or a non-empty list of node names`,
  burst: 'false or { size: 1..10000, everyMs: an integer ≥ 10 }',
  'burst.size': 'an integer 1..10000 (requests)',
  'burst.everyMs': 'an integer ≥ 10 (ms)',
  connections: 'an integer 1..256',
  slowConnections: 'an integer 0..256',
  slowBodyMs: 'an integer 10..600000 (ms)',
  timeoutMs: 'an integer 100..600000 (ms)',
  submissions: 'an integer 1..100000',
  wallets: "a non-empty list of integers ≥ 0 (indexes into the cluster's wallets)",
  from: 'an IPv4 or IPv6 address of this machine',
  name: 'a string of 1..40 letters, digits, ., - or _',
  '*': 'one of qps, durationMs, mix, targets, burst, connections, slowConnections, slowBodyMs, timeoutMs, submissions, wallets, from, name',
};

type Parsed = z.output<typeof schema>;

/** The default mix: every kind; oversized bodies rare (each is a megabyte to send). */
export const defaultFloodMix: Readonly<FloodMix> = {
  read: 40,
  submit: 15,
  malformed: 15,
  oversized: 2,
  unknownRoute: 15,
  slowBody: 5,
};

/**
 * A flood definition: a `Workload` (immutable, options validated when made) whose `start`
 * prepares the requests, starts the flood in its worker thread and resolves once it runs.
 */
export type ApiFlood = Workload<StartedApiFlood>;

/**
 * A running (or finished) flood: a `StartedWorkload` like every other — `await using`, the
 * `background` fixture (stopped when its test ends, passed or failed) and disposing the
 * cluster all stop it, and a stopped flood leaves no thread behind.
 */
export interface StartedApiFlood extends StartedWorkload {
  /** Its record in the cluster's recording (rows arrive each second; `end` set once its thread ended). */
  readonly record: FloodRecord;
  /**
   * Resolves when the flood ended by itself (or was stopped), every request it sent ended and
   * its thread exited; rejects (`WorkloadError`) when the thread failed.
   */
  readonly done: Promise<void>;
  /** The flood thread's CPU time (ms), known once done. */
  readonly cpuMs: number | undefined;
  /**
   * Ends the flood now (in-flight requests are aborted) and waits for its thread to exit;
   * a thread that has not ended 5 s later is terminated (and `stop` rejects). Idempotent.
   */
  stop(): Promise<void>;
  /** None: the flood's tx submissions are tallied per second in `record`, not recorded one by one. */
  submitted(): TxRecord[];
  /** The flood's own outcome so far (accepted, 429, 4xx, failed, unsent; latency percentiles). */
  outcome(): FloodOutcome;
}

/**
 * A bounded API flood (defaults in {@link ApiFloodOptions}).
 *
 * @example
 * await using flood = await apiFlood({ qps: 'max', durationMs: 15_000 }).start(cluster);
 * // or, stopped when the test ends: const flood = await background(apiFlood({ … }));
 * await flood.done;
 * console.log(describeFloodOutcome(flood.outcome()));
 */
export function apiFlood(options: ApiFloodOptions): ApiFlood {
  const parsed = parseOptions(schema, options, 'apiFlood options', allowed, 'apiFlood');
  const mix: FloodMix = { ...defaultFloodMix, ...parsed.mix };
  if (apiRequestKinds.every((k) => mix[k] === 0))
    throw new ConfigError('apiFlood options', [
      { path: 'apiFlood.mix', value: parsed.mix, allowed: 'weights with at least one kind above 0' },
    ]);
  const name = parsed.name ?? 'api-flood';
  return { name, start: (cluster) => startApiFlood(cluster, parsed, mix, name) };
}

async function startApiFlood(
  cluster: StartedCluster,
  p: Parsed,
  mix: FloodMix,
  name: string,
): Promise<StartedApiFlood> {
  requireFacet(cluster, 'apiFlood', 'api-surface');
  const surface = cluster.apiSurface;
  if (surface === undefined) throw CapabilityError.facet('api-surface', cluster.facts.adapter, 'apiFlood');
  const targets = selectNodes(cluster, p.targets ?? 'validators', 'apiFlood options', 'apiFlood.targets');
  if (targets.length === 0)
    throw new ConfigError('apiFlood options', [
      {
        path: 'apiFlood.targets',
        value: p.targets ?? 'validators',
        allowed: 'a selection with at least one node',
      },
    ]);
  const signers = p.wallets ?? [cluster.wallets.length - 1];
  const unknown = signers.filter((i) => cluster.wallets[i] === undefined);
  if (mix.submit > 0 && unknown.length > 0)
    throw new ConfigError('apiFlood options', [
      {
        path: 'apiFlood.wallets',
        value: unknown,
        allowed: `indexes 0..${cluster.wallets.length - 1} (the cluster's funded wallets)`,
      },
    ]);

  const plan: FloodPlan = {
    targets: targets.map((t) => ({ node: t.name, url: t.apiUrl })),
    catalog: await catalogOf(cluster, surface, targets, mix, p, signers),
    qps: p.qps,
    durationMs: p.durationMs,
    mix,
    burst: p.burst === false ? undefined : (p.burst ?? { size: 200, everyMs: 1000 }),
    connections: p.connections ?? 8,
    slowConnections: p.slowConnections ?? 2,
    slowBodyMs: p.slowBodyMs ?? 2000,
    timeoutMs: p.timeoutMs ?? 5000,
    from: p.from ?? defaultFrom(targets),
    seed: cluster.rng.fork(name).int(0, 2 ** 31 - 1),
  };
  const handle = cluster.recording.openFlood({
    name,
    nodes: plan.targets.map((t) => t.node),
    qps: p.qps,
    description: describePlan(name, plan),
  });
  const meaning = (r: RawFloodRow): FloodRow => ({
    ...r,
    outcome:
      r.status === 'unsent' ? 'unsent' : typeof r.status === 'string' ? 'failed' : surface.answer(r.status),
  });
  const thread = startFloodThread(plan, { name, onRows: (rows) => handle.addRows(rows.map(meaning)) });
  let cpuMs: number | undefined;
  // The flood's window in the recording closes when its thread has ended, on every path.
  const done = thread.done.then(
    (cpu) => {
      cpuMs = cpu;
      handle.end();
    },
    (error: unknown) => {
      handle.end();
      throw error;
    },
  );
  return startedWorkload(
    cluster,
    name,
    { done, halt: () => thread.halt() },
    {
      record: handle.flood,
      get cpuMs() {
        return cpuMs;
      },
      outcome: () => floodOutcome(handle.flood),
    },
  );
}

/** A loopback target gets a loopback source of its own: another client to a per-IP limit. */
function defaultFrom(targets: readonly StartedNode[]): string | undefined {
  const loopback = targets.every((t) => {
    const host = new URL(t.apiUrl).hostname;
    return host === '127.0.0.1' || host === 'localhost';
  });
  return loopback && process.platform === 'linux' ? '127.0.0.2' : undefined;
}

/** The requests of every kind in the mix, as the adapter's API surface builds them. */
async function catalogOf(
  cluster: StartedCluster,
  surface: ApiSurface,
  targets: readonly StartedNode[],
  mix: FloodMix,
  p: Parsed,
  signers: readonly number[],
): Promise<Record<ApiRequestKind, ApiRequest[]>> {
  const reads =
    mix.read > 0 ? await surface.reads({ client: targets[0]!.client, wallets: cluster.wallets }) : [];
  const submit =
    mix.submit > 0
      ? (await signedTransfers(cluster, targets[0]!, signers, p.submissions ?? 200)).map(surface.submission)
      : [];
  return {
    read: reads,
    submit,
    malformed: surface.malformed(),
    oversized: surface.oversized(),
    unknownRoute: surface.unknownRoutes(),
    slowBody: [surface.slowBody()],
  };
}

/** `count` signed 1-unit transfers, the signers taking turns, each with consecutive nonces. */
async function signedTransfers(
  cluster: StartedCluster,
  node: StartedNode,
  signers: readonly number[],
  count: number,
): Promise<PreparedTx[]> {
  const wallets = signers.map((i) => cluster.wallets[i]!);
  const nonces = await walletNonces(cluster, wallets, node, 'api-flood');
  const txs: PreparedTx[] = [];
  for (let i = 0; i < count; i++) {
    const from = signers[i % signers.length]!;
    const wallet = cluster.wallets[from]!;
    const to = cluster.wallets[(from + 1) % cluster.wallets.length]!.address;
    const nonce = nonces?.take(wallet.address);
    txs.push(await wallet.transfer({ to, amount: 1n, ...(nonce === undefined ? {} : { nonce }) }));
  }
  return txs;
}

/** `apiFlood(max qps for 15.0s → val-0,val-1; read 40, submit 15, …; bursts of 200 every 1000 ms)`. */
function describePlan(name: string, plan: FloodPlan): string {
  const rate = plan.qps === 'max' ? `max qps (${plan.connections} connections per node)` : `${plan.qps} qps`;
  const kinds = apiRequestKinds
    .filter((k) => plan.mix[k] > 0)
    .map((k) => `${k} ${plan.mix[k]}`)
    .join(', ');
  const bursts =
    plan.burst === undefined ? 'no bursts' : `bursts of ${plan.burst.size} every ${plan.burst.everyMs} ms`;
  return (
    `${name}(${rate} for ${(plan.durationMs / 1000).toFixed(1)}s → ${plan.targets.map((t) => t.node).join(',')}; ` +
    `${kinds}; ${bursts}; from ${plan.from ?? 'any address'}; ${availableParallelism()} cores here)`
  );
}
