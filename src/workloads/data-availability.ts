/**
 * The data-availability workload: open-loop blobs at `blobRate` blobs/s, round-robin over
 * `channels` channels, each channel owned by one funded wallet that signs its blobs with
 * sequence 0, 1, 2, …, published to random executors. Payloads and targets come from
 * `cluster.rng.fork(name)`, so the same seed publishes the same blobs. Every blob is
 * recorded in `cluster.recording.blobs` (published at, accepted/refused and why); a status
 * probe adds when it was certified and included, and `toMakeAvailable` adds retrievals.
 */
import { z } from 'zod';
import { facetClient, requireFacet } from '../adapter/facets.ts';
import type { PublishBlobResult, SignedBlob, Wallet } from '../adapter/types.ts';
import { type NodeSelection, nodeSelectionSchema, selectNodes } from '../cluster/node-selection.ts';
import type { StartedCluster, StartedNode } from '../cluster/types.ts';
import { probeBlobs } from '../observe/blob-probe.ts';
import type { BlobRecord } from '../observe/recording.ts';
import { systemClock } from '../support/clock.ts';
import { CapabilityError, ConfigError, WorkloadError } from '../support/errors.ts';
import type { Rng } from '../support/rng.ts';
import { type AllowedText, parseOptions } from '../support/validate.ts';
import { pace, paced } from './runner.ts';
import type { IntRange } from './transactions.ts';
import type { StartedWorkload, Workload } from './workload.ts';

/** Options of {@link dataAvailability}. */
export interface DataAvailabilityOptions {
  /** Channels to publish on, each owned by its own wallet (the cluster's last wallets). Required; 1..16. */
  channels: number;
  /** Blobs per second over all channels, round-robin (open loop). Required; 0 < blobRate ≤ 100. */
  blobRate: number;
  /** Payload size in bytes, a value or a range drawn per blob. Default `{ min: 512, max: 4096 }`; at most 512 KiB. */
  blobBytes?: IntRange;
  /** Nodes to publish to: `executors`, `all`, `validators` or node names. Default `executors`. */
  targets?: NodeSelection;
  /** Stop after this many blobs. Default: no limit. */
  count?: number;
  /** Stop after this long (ms). Default: no limit. */
  durationMs?: number;
  /** Name in the recording, prefix of the channel names and the rng fork label. Default `data-availability`. */
  name?: string;
}

/** A running DA workload. */
export interface StartedDataAvailability extends StartedWorkload {
  /** Resolves when `count` or `durationMs` is reached (never, without either) or on stop. */
  readonly done: Promise<void>;
  /** Blobs published so far. */
  readonly sent: number;
  /** The channel names, in round-robin order. */
  readonly channels: readonly string[];
  /** Ids of every blob published, in publish order. */
  ids(): string[];
  /** Every blob this workload published, as recorded (certification, inclusion, retrievals). */
  published(): BlobRecord[];
}

const MAX_BLOB = 512 * 1024;

const intRange = z.union([
  z.int().min(1).max(MAX_BLOB),
  z
    .strictObject({ min: z.int().min(1).max(MAX_BLOB), max: z.int().min(1).max(MAX_BLOB) })
    .refine((r) => r.min <= r.max, { path: ['max'] }),
]);

const schema = z.strictObject({
  channels: z.int().min(1).max(16),
  blobRate: z.number().gt(0).lte(100),
  blobBytes: intRange.optional(),
  targets: nodeSelectionSchema.optional(),
  count: z.int().min(1).optional(),
  durationMs: z.int().min(1).optional(),
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/)
    .optional(),
});

const allowed: AllowedText = {
  channels: 'an integer 1..16 (at most the cluster’s wallets)',
  blobRate: 'a number of blobs/s with 0 < blobRate ≤ 100',
  blobBytes: `an integer 1..${MAX_BLOB} or { min, max } with 1 ≤ min ≤ max ≤ ${MAX_BLOB}`,
  'blobBytes.min': `an integer 1..${MAX_BLOB}`,
  'blobBytes.max': `an integer 1..${MAX_BLOB}, ≥ min`,
  targets: `'executors', 'all', 'validators' or a non-empty list of node names`,
  count: 'an integer ≥ 1',
  durationMs: 'an integer ≥ 1 (ms)',
  name: 'a string of 1..40 letters, digits, ., - or _, starting with a letter or digit',
  '*': 'one of channels, blobRate, blobBytes, targets, count, durationMs, name',
};

type Parsed = z.output<typeof schema>;

/** A blob that got no answer goes to another target this many times. */
const RETRIES = 2;

/**
 * Open-loop DA blobs on `channels` channels at `blobRate` blobs/s in total.
 *
 * @example
 * const da = await dataAvailability({ channels: 2, blobRate: 3 }).start(cluster);
 * await sleep(10_000);
 * await da.stop();
 * await expect(cluster).toMakeAvailable(da, { within: 15_000 });
 */
export function dataAvailability(options: DataAvailabilityOptions): Workload<StartedDataAvailability> {
  const parsed = parseOptions(schema, options, 'dataAvailability options', allowed, 'dataAvailability');
  const name = parsed.name ?? 'data-availability';
  return { name, start: (cluster) => startDataAvailability(cluster, parsed, name) };
}

/** `size` random bytes from the seeded stream (4 bytes per draw). */
function payload(rng: Rng, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += 4) {
    let word = Math.floor(rng.next() * 0x1_0000_0000);
    for (let j = i; j < Math.min(size, i + 4); j++) {
      out[j] = word & 0xff;
      word >>>= 8;
    }
  }
  return out;
}

interface Planned {
  blob: SignedBlob;
  target: StartedNode;
  attempt: number;
}

async function startDataAvailability(
  cluster: StartedCluster,
  p: Parsed,
  name: string,
): Promise<StartedDataAvailability> {
  requireFacet(cluster, name, 'da');
  const clock = systemClock;
  const targets = selectNodes(
    cluster,
    p.targets ?? 'executors',
    'dataAvailability options',
    'dataAvailability.targets',
  );
  if (targets.length === 0) {
    throw new ConfigError('dataAvailability options', [
      {
        path: 'dataAvailability.targets',
        value: p.targets ?? 'executors',
        allowed: 'a selection with at least one node (does the cluster have executors?)',
      },
    ]);
  }
  if (p.channels > cluster.wallets.length) {
    throw new ConfigError('dataAvailability options', [
      {
        path: 'dataAvailability.channels',
        value: p.channels,
        allowed: `1..${cluster.wallets.length} (one owner wallet per channel; raise the cluster's wallets option)`,
      },
    ]);
  }
  // Owners from the end of the wallet list, so they rarely overlap the tx workload's senders.
  const owners: Wallet[] = [];
  for (let i = 0; i < p.channels; i++) owners.push(cluster.wallets[cluster.wallets.length - 1 - i]!);
  if (owners[0]!.blob === undefined)
    throw CapabilityError.facet('da', cluster.facts.adapter, `${name} (wallets sign no blobs)`);
  facetClient(targets[0]!.client, 'da', cluster.facts.adapter, name);
  const channels = owners.map((_, i) => `${name}-${i}`);
  // Learn where each channel stands (a second run on the same cluster continues it).
  const next = new Map<string, number>();
  for (const [i, channel] of channels.entries()) {
    let start = 0;
    for (const node of targets) {
      const info = await node.client.channel!(channel, { timeoutMs: 3000 });
      if (info.owner !== null && info.owner !== owners[i]!.address) {
        throw new WorkloadError(
          name,
          `channel ${channel} is owned by ${info.owner.slice(0, 12)}…, not by wallet ${owners[i]!.index}; give the workload another name`,
        );
      }
      start = Math.max(start, info.nextAccepted ?? info.next);
    }
    next.set(channel, start);
  }

  const sizes = p.blobBytes ?? { min: 512, max: 4096 };
  const rng = cluster.rng.fork(name);
  const retryRng = rng.fork('retry');
  const recording = cluster.recording;
  const ids: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const ac = new AbortController();
  let sent = 0;

  const plan = (): Planned => {
    // Fixed draw order per blob keeps the sequence a pure function of the seed.
    const index = sent % channels.length;
    const channel = channels[index]!;
    const size = typeof sizes === 'number' ? sizes : rng.int(sizes.min, sizes.max);
    const data = payload(rng, size);
    const target = rng.pick(targets);
    const sequence = next.get(channel)!;
    next.set(channel, sequence + 1);
    return { blob: owners[index]!.blob!(channel, sequence, data), target, attempt: 0 };
  };

  const settle = (t: Planned, publishedAt: number, r: PublishBlobResult | { failed: string }): void => {
    if ('failed' in r && t.attempt < RETRIES && !ac.signal.aborted) {
      // No answer (node down or restarting): the same signed blob goes to another target.
      const others = targets.filter((n) => n !== t.target);
      publish({ ...t, attempt: t.attempt + 1, target: others.length > 0 ? retryRng.pick(others) : t.target });
      return;
    }
    const b = t.blob;
    const base = {
      id: b.id,
      channel: b.channel,
      owner: b.owner,
      sequence: b.sequence,
      size: b.size,
      dataHash: b.dataHash,
      workload: name,
      node: t.target.name,
      publishedAt,
    };
    const rec: BlobRecord =
      'failed' in r
        ? { ...base, outcome: 'failed', reason: r.failed }
        : r.ok
          ? { ...base, outcome: 'accepted' }
          : { ...base, outcome: 'rejected', reason: `${r.code}: ${r.message}` };
    recording.recordBlob(rec);
  };

  const publish = (t: Planned): void => {
    const publishedAt = recording.now();
    const job = (async () => {
      try {
        settle(t, publishedAt, await t.target.client.publishBlob!(t.blob));
      } catch (error) {
        settle(t, publishedAt, { failed: (error as Error).message });
      }
    })();
    inFlight.add(job);
    void job.finally(() => inFlight.delete(job));
  };

  const blockMs = cluster.facts.production.expectedIntervalMs;
  const pollMs = Math.min(1000, Math.max(200, blockMs / 2));
  // Status while running, so certification and inclusion times are close to the truth.
  const poller = (async () => {
    while (!ac.signal.aborted) {
      try {
        await clock.sleep(pollMs, ac.signal);
      } catch {
        break;
      }
      await probeBlobs(recording, cluster.nodes, ids, { timeoutMs: 2000 });
    }
  })();

  // The shared open-loop pacing: the i-th blob is due at i · 1000 / blobRate ms and goes out
  // then, whether earlier blobs were answered or not; a blob is planned (its seeded draws
  // made) when it is due, so the blobs stay a pure function of the seed.
  const schedule = (function* () {
    for (const at of paced(p.blobRate, { count: p.count, durationMs: p.durationMs })) yield { at };
  })();
  const loop = pace(
    schedule,
    (due) => {
      for (const _ of due) {
        const t = plan();
        ids.push(t.blob.id);
        sent++;
        publish(t);
      }
    },
    { signal: ac.signal, clock },
  );

  const drain = async (): Promise<void> => {
    await loop;
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  };
  const done = drain();
  let stopped: Promise<void> | undefined;
  const started: StartedDataAvailability = {
    name,
    done,
    channels,
    get sent() {
      return sent;
    },
    ids: () => ids.slice(),
    published: () => ids.map((id) => recording.blobs.get(id)).filter((b): b is BlobRecord => b !== undefined),
    submitted: () => [],
    stop() {
      stopped ??= (async () => {
        ac.abort();
        await done;
        await poller;
      })();
      return stopped;
    },
    [Symbol.asyncDispose]() {
      return this.stop();
    },
  };
  cluster.defer(started);
  return started;
}
