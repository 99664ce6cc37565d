/**
 * Every cluster this process started (or tried to), with its seed and when it ran, so a
 * runner integration can name the clusters a failed test ran with and the seed that replays
 * them, including clusters a test starts itself (`Cluster.of(…).start()`), which no fixture
 * reports. Times are `performance.now()` ms; the newest {@link JOURNAL_SIZE} entries are kept.
 * The journal lives on the global object, where the Jest environment (outside the test
 * file's module registry) reads it too.
 */

/** One cluster start, from its first step to its dispose (or failed start). */
export interface JournalEntry {
  /** The cluster's `name` option. */
  readonly name: string;
  readonly seed: number;
  /** True when the cluster's own `seed` option set it (then `CHAINLAB_SEED` does not change it). */
  readonly seedPinned: boolean;
  readonly startedAt: number;
  /** Undefined while it runs. */
  readonly stoppedAt: number | undefined;
  /** True for a fixture's cluster: the fixture reports its failures itself. */
  readonly fixture: boolean;
}

type MutableEntry = { -readonly [K in keyof JournalEntry]: JournalEntry[K] };

export const JOURNAL_SIZE = 100;

const journalKey = Symbol.for('chainlab.clusterJournal');
const byCluster = new WeakMap<object, MutableEntry>();

/** The journal on `global` (created on first use). */
function journalOn(global: object): MutableEntry[] {
  const g = global as { [journalKey]?: MutableEntry[] };
  g[journalKey] ??= [];
  return g[journalKey];
}

/** A journalled start: `stopped()` closes it (idempotent), `bind()` ties it to the started cluster. */
export interface JournalHandle {
  bind(cluster: object): void;
  stopped(): void;
}

/**
 * Notes a cluster start that begins now.
 *
 * @example
 * const journal = journalClusterStart({ name: opts.name, seed, seedPinned: opts.seed !== undefined });
 * teardown.push('journal the stop', async () => journal.stopped());
 */
export function journalClusterStart(start: {
  name: string;
  seed: number;
  seedPinned: boolean;
}): JournalHandle {
  const entry: MutableEntry = {
    ...start,
    startedAt: performance.now(),
    stoppedAt: undefined,
    fixture: false,
  };
  const entries = journalOn(globalThis);
  entries.push(entry);
  if (entries.length > JOURNAL_SIZE) entries.splice(0, entries.length - JOURNAL_SIZE);
  return {
    bind: (cluster) => byCluster.set(cluster, entry),
    stopped: () => {
      entry.stoppedAt ??= performance.now();
    },
  };
}

/** Marks a started cluster as a fixture's (no-op for a cluster this journal does not know). */
export function markFixtureCluster(cluster: object): void {
  const entry = byCluster.get(cluster);
  if (entry) entry.fixture = true;
}

/** True for a cluster {@link markFixtureCluster} marked. */
export function isFixtureCluster(cluster: object): boolean {
  return byCluster.get(cluster)?.fixture === true;
}

/**
 * The clusters that ran at any moment between `from` and `to` (`performance.now()` ms),
 * oldest first; `global` is the test file's global object (the Jest environment passes its own).
 */
export function clustersRunningBetween(
  from: number,
  to: number,
  global: object = globalThis,
): JournalEntry[] {
  return journalOn(global).filter(
    (e) => e.startedAt <= to && (e.stoppedAt === undefined || e.stoppedAt >= from),
  );
}
