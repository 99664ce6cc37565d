/**
 * A testcontainers `GenericContainer` whose published ports listen on 127.0.0.1 only:
 * a test cluster must never be reachable from outside the machine, and testcontainers
 * publishes on every interface by default.
 */
import { GenericContainer, type StartedNetwork } from 'testcontainers';

/** A container port published on a fixed loopback host port. */
export interface LoopbackPort {
  container: number;
  host: number;
}

/** A container definition for one node (see {@link GenericContainer} for the rest). */
export class NodeContainer extends GenericContainer {
  /**
   * Publishes `ports` on 127.0.0.1 at fixed host ports; fixed so that a stopped and
   * started container keeps its address (a dynamic binding would move on restart).
   */
  withLoopbackPorts(...ports: LoopbackPort[]): this {
    this.withExposedPorts(...ports);
    const bindings = { ...this.hostConfig.PortBindings };
    for (const port of ports) {
      bindings[`${port.container}/tcp`] = [{ HostIp: '127.0.0.1', HostPort: String(port.host) }];
    }
    this.hostConfig.PortBindings = bindings;
    return this;
  }

  /**
   * Attaches the container to `network` only (not also to the default bridge, as
   * `withNetworkAliases` would), reachable there as `alias`. On one network, a disconnect
   * really isolates the node.
   */
  withClusterNetwork(network: StartedNetwork, alias: string): this {
    this.withNetwork(network);
    this.createOpts.NetworkingConfig = { EndpointsConfig: { [network.getName()]: { Aliases: [alias] } } };
    return this;
  }

  /** Mounts a host file or dir read-only at `target` (the node's clock dir, a code cache). */
  withReadOnlyMount(source: string, target: string): this {
    this.hostConfig.Mounts = [
      ...(this.hostConfig.Mounts ?? []),
      { Type: 'bind', Source: source, Target: target, ReadOnly: true },
    ];
    return this;
  }

  /** Mounts a named volume (created beforehand with its labels) at `target`. */
  withNamedVolume(volume: string, target: string): this {
    this.hostConfig.Mounts = [
      ...(this.hostConfig.Mounts ?? []),
      { Type: 'volume', Source: volume, Target: target },
    ];
    return this;
  }
}
