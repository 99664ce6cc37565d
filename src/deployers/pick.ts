/**
 * Picks the deployer for a name. `docker` and `k8s` are loaded lazily (they pull in
 * testcontainers and @kubernetes/client-node) from src/deployers/docker/index.ts, which
 * exports `dockerDeployer(opts)`, and src/deployers/k8s/index.ts, which exports
 * `k8sDeployer(opts)`; each returns a `DeployerFactory`.
 */
import type { DeployerName } from '../cluster/types.ts';
import { ConfigError } from '../support/errors.ts';
import { type AttachTarget, attachDeployer } from './attach/attach-deployer.ts';
import type { DeployerFactory } from './deployer.ts';
import type { ResolvedK8sOptions } from './k8s/k8s-options.ts';
import { localDeployer } from './local/local-deployer.ts';

/** Options every deployer understands, plus each deployer's own. */
export interface DeployerChoiceOptions {
  stopGraceMs?: number;
  /** For `attach`: the nodes and their URLs. */
  attach?: readonly AttachTarget[];
  /** Resolved `k8s` cluster option (the `k8s` deployer only). */
  k8s?: ResolvedK8sOptions | undefined;
}

/** Lazily loaded deployers: module (relative to this file) and the factory it exports. */
const lazyDeployers: Partial<Record<DeployerName, { specifier: string; factory: string }>> = {
  docker: { specifier: './docker/index.ts', factory: 'dockerDeployer' },
  k8s: { specifier: './k8s/index.ts', factory: 'k8sDeployer' },
};

function unavailable(name: DeployerName, why: string): ConfigError {
  return new ConfigError('cluster options', [
    { path: 'deployer', value: name, allowed: `an available deployer (${why})` },
  ]);
}

export async function deployerFactory(
  name: DeployerName,
  opts: DeployerChoiceOptions,
): Promise<DeployerFactory> {
  if (name === 'local')
    return localDeployer(opts.stopGraceMs === undefined ? {} : { stopGraceMs: opts.stopGraceMs });
  if (name === 'attach') return attachDeployer(opts.attach ?? []);
  const lazy = lazyDeployers[name];
  if (lazy === undefined) {
    throw new ConfigError('cluster options', [
      { path: 'deployer', value: name, allowed: `'local', 'docker', 'k8s' or 'attach'` },
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
  if (typeof factory !== 'function') throw unavailable(name, `${lazy.specifier} has no ${lazy.factory}`);
  return (factory as (o: DeployerChoiceOptions) => DeployerFactory)(opts);
}
