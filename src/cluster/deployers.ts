/**
 * Picks the runtime for a deployer name. `docker` is loaded lazily (it pulls in
 * testcontainers) from src/cluster/docker/index.ts, which exports
 * `dockerRuntime(opts: { stopGraceMs?: number }): RuntimeFactory`.
 */
import { ConfigError } from '../support/errors.ts';
import { localRuntime } from './local/local-runtime.ts';
import type { RuntimeFactory } from './runtime.ts';
import type { DeployerName } from './types.ts';

/** Options every runtime understands. */
export interface RuntimeChoiceOptions {
  stopGraceMs?: number;
}

export async function runtimeFactory(
  name: DeployerName,
  opts: RuntimeChoiceOptions,
): Promise<RuntimeFactory> {
  if (name === 'local') return localRuntime(opts);
  if (name === 'docker') {
    // A variable specifier keeps testcontainers out of runs that never use docker.
    const specifier = './docker/index.ts';
    let mod: { dockerRuntime?: (o: RuntimeChoiceOptions) => RuntimeFactory };
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
    if (typeof mod.dockerRuntime !== 'function') {
      throw new ConfigError('cluster options', [
        {
          path: 'deployer',
          value: name,
          allowed: 'an available deployer (src/cluster/docker/index.ts has no dockerRuntime)',
        },
      ]);
    }
    return mod.dockerRuntime(opts);
  }
  throw new ConfigError('cluster options', [
    { path: 'deployer', value: name, allowed: `'local' or 'docker' here` },
  ]);
}
