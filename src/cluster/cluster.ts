/**
 * `Cluster`: an immutable cluster definition. `with…` returns a new definition, so a
 * definition shared by a file-scoped fixture is never mutated. Options are validated when
 * the definition is made: a bad option throws `ConfigError` before anything starts.
 * `start()` turns it into a `StartedCluster`.
 */
import { type ClusterOptions, type ResolvedClusterOptions, resolveClusterOptions } from './options.ts';
import { type StartClusterOptions, startCluster } from './start-cluster.ts';
import type { StartedCluster } from './types.ts';

/**
 * A cluster definition.
 *
 * @example
 * const definition = Cluster.of(validators(4), executors(2), { slotMs: 200 });
 * await using cluster = await definition.start();
 * await cluster.restart('val-1');
 */
export class Cluster {
  /** The options as given (defaults not applied). */
  readonly options: Readonly<ClusterOptions>;
  /** Options with defaults and environment applied (validated). */
  readonly resolved: ResolvedClusterOptions;

  /** Validates at once; throws `ConfigError` naming every bad option. */
  constructor(options: ClusterOptions = {}) {
    this.options = Object.freeze({ ...options });
    this.resolved = resolveClusterOptions(this.options);
  }

  /** Merges option fragments (`validators(4)`, `executors(2)`, `{ slotMs: 200 }`) left to right. */
  static of(...parts: ClusterOptions[]): Cluster {
    return new Cluster(Object.assign({}, ...parts));
  }

  /** A new definition with `options` merged over this one's. */
  with(options: ClusterOptions): Cluster {
    return new Cluster({ ...this.options, ...options });
  }

  withValidators(n: number): Cluster {
    return this.with({ validators: n });
  }

  withExecutors(m: number): Cluster {
    return this.with({ executors: m });
  }

  withWallets(n: number): Cluster {
    return this.with({ wallets: n });
  }

  withSeed(seed: number): Cluster {
    return this.with({ seed });
  }

  /** Adds deliberate faults to a node (facet `bugs`). */
  withBugs(node: string, bugs: string[]): Cluster {
    return this.with({ bugs: { ...this.options.bugs, [node]: bugs } });
  }

  /** Number of nodes. */
  get size(): number {
    return this.resolved.topology.nodes.length;
  }

  /** Starts every node and waits for readiness; on failure tears down what started and rethrows. */
  start(opts: StartClusterOptions = {}): Promise<StartedCluster> {
    return startCluster(this.resolved, opts);
  }

  /** Short description for logs: `cluster(4 validators + 2 executors, mesh, refnode)`. */
  toString(): string {
    const t = this.resolved.topology;
    return `${this.resolved.name}(${t.validators} validators + ${t.executors} executors, ${t.shape}, ${this.resolved.adapter.name})`;
  }
}

/** Shorthand for `new Cluster(options)`. */
export function cluster(options: ClusterOptions = {}): Cluster {
  return new Cluster(options);
}
