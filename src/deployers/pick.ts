/**
 * Picks the deployer for a name. `docker` is loaded lazily (it pulls in testcontainers)
 * from src/deployers/docker/index.ts, which exports
 * `dockerDeployer(opts: { stopGraceMs?: number }): DeployerFactory`.
 */
import type { DeployerName } from '../cluster/types.ts';
import { ConfigError } from '../support/errors.ts';
import { type AttachTarget, attachDeployer } from './attach/attach-deployer.ts';
import type { DeployerFactory } from './deployer.ts';
import { localDeployer } from './local/local-deployer.ts';

/** Options every deployer understands. */
export interface DeployerChoiceOptions {
  stopGraceMs?: number;
  /** For `attach`: the nodes and their URLs. */
  attach?: readonly AttachTarget[];
}

export async function deployerFactory(
  name: DeployerName,
  opts: DeployerChoiceOptions,
): Promise<DeployerFactory> {
  if (name === 'local')
    return localDeployer(opts.stopGraceMs === undefined ? {} : { stopGraceMs: opts.stopGraceMs });
  if (name === 'attach') return attachDeployer(opts.attach ?? []);
  if (name === 'docker') {
    // A variable specifier keeps testcontainers out of runs that never use docker.
    const specifier = './docker/index.ts';
    let mod: { dockerDeployer?: (o: DeployerChoiceOptions) => DeployerFactory };
    try {
      mod = await import(specifier);
    } catch (error) {
      throw new ConfigError('cluster options', [
        {
          path: 'deployer',
          value: name,
          allowed: `an available deployer (docker failed to load: ${(error as Error).message})`,
        },
      ]);
    }
    if (typeof mod.dockerDeployer !== 'function') {
      throw new ConfigError('cluster options', [
        {
          path: 'deployer',
          value: name,
          allowed: 'an available deployer (src/deployers/docker/index.ts has no dockerDeployer)',
        },
      ]);
    }
    return mod.dockerDeployer(opts.stopGraceMs === undefined ? {} : { stopGraceMs: opts.stopGraceMs });
  }
  throw new ConfigError('cluster options', [
    { path: 'deployer', value: name, allowed: `'local', 'docker' or 'attach'` },
  ]);
}
