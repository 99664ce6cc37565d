/**
 * Picks the runtime for a deployer name. `docker` and `k8s` are loaded lazily (they pull in
 * testcontainers and @kubernetes/client-node) from src/cluster/docker/index.ts, which
 * exports `dockerRuntime(opts)`, and src/deployers/k8s/index.ts, which exports
 * `k8sRuntime(opts)`; each returns a `RuntimeFactory`.
 */
import type { ResolvedK8sOptions } from '../deployers/k8s/k8s-options.ts';
import { ConfigError } from '../support/errors.ts';
import { localRuntime } from './local/local-runtime.ts';
import type { RuntimeFactory } from './runtime.ts';
import type { DeployerName } from './types.ts';

/** Options every runtime understands, plus each deployer's own. */
export interface RuntimeChoiceOptions {
  stopGraceMs?: number;
  /** Resolved `k8s` cluster option (the `k8s` deployer only). */
  k8s?: ResolvedK8sOptions | undefined;
}

/** Lazily loaded deployers: module (relative to this file) and the factory it exports. */
const lazyDeployers: Partial<Record<DeployerName, { specifier: string; factory: string }>> = {
  docker: { specifier: './docker/index.ts', factory: 'dockerRuntime' },
  k8s: { specifier: '../deployers/k8s/index.ts', factory: 'k8sRuntime' },
};

function unavailable(name: DeployerName, why: string): ConfigError {
  return new ConfigError('cluster options', [
    { path: 'deployer', value: name, allowed: `an available deployer (${why})` },
  ]);
}

export async function runtimeFactory(
  name: DeployerName,
  opts: RuntimeChoiceOptions,
): Promise<RuntimeFactory> {
  if (name === 'local') return localRuntime(opts);
  const lazy = lazyDeployers[name];
  if (lazy === undefined) {
    throw new ConfigError('cluster options', [
      { path: 'deployer', value: name, allowed: `'local', 'docker' or 'k8s' here` },
    ]);
  }
  // A variable specifier keeps a deployer's client library out of runs that never use it.
  let mod: Record<string, unknown>;
  try {
    mod = await import(lazy.specifier);
  } catch (error) {
    throw unavailable(name, `${name} failed to load: ${(error as Error).message}`);
  }
  const factory = mod[lazy.factory];
  if (typeof factory !== 'function') {
    throw unavailable(name, `${lazy.specifier} has no ${lazy.factory}`);
  }
  return (factory as (o: RuntimeChoiceOptions) => RuntimeFactory)(opts);
}
