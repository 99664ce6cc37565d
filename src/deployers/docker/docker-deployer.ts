/**
 * The `docker` deployer: one labelled network per cluster, one container per node (network
 * alias = node name, API and p2p published on 127.0.0.1 only), data on a labelled named
 * volume so a restart keeps it, logs streamed to one file per node. Everything carries the
 * run id and is removed on dispose and on SIGINT/SIGTERM (cleanup registry); if this process
 * dies first, the run guard removes it, and the sweeper catches the rest on the next run.
 */
import { chmod, copyFile, mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type ContainerRuntimeClient, getReaper, StartedNetwork } from 'testcontainers';
import type { NodeRole } from '../../adapter/types.ts';
import { CapabilityError, ChainlabError } from '../../support/errors.ts';
import type {
  Deployer,
  DeployerContext,
  DeployerFactory,
  DeployNodeSpec,
  NodeAllocation,
  NodeControl,
  StartOptions,
} from '../deployer.ts';
import { faketimeEnv, OFFSET_FILE, writeOffsetFile } from '../faketime.ts';
import { freePorts } from '../local/free-port.ts';
import { ContainerNode } from './container-node.ts';
import { dockerAvailability } from './docker-client.ts';
import { labelKeys, resourceLabels } from './labels.ts';
import { NodeContainer } from './node-container.ts';
import { resolveImage } from './resolve-image.ts';
import { ensureRunGuard } from './run-guard.ts';
import { sweepDeadRuns } from './sweeper.ts';

/** Options of {@link dockerDeployer}. */
export interface DockerDeployerOptions {
  /** Delay between SIGTERM and SIGKILL when stopping a node. Default 5000 ms. */
  stopGraceMs?: number;
  /** API port inside every container. Default 8080. */
  apiPort?: number;
  /** p2p port inside every container. Default 9000. */
  p2pPort?: number;
  /** Data dir inside every container (a named volume is mounted here). Default `/data`. */
  dataDir?: string;
  /** Where the chain's files are copied inside every container. Default `/chain`. */
  chainDir?: string;
  /** Sweep dead runs' containers, networks and volumes before the first cluster. Default true. */
  sweep?: boolean;
  /** Where a skewable node's clock dir (its libfaketime offset file) is mounted. Default `/chainlab/clock`. */
  clockDir?: string;
}

/**
 * What containers can do: every node control, including taking a node off its network.
 * `disconnect` isolates the whole node (peers and the host API alike: the API is published
 * through the same network); per-link faults (latency, one-way partitions) are not node
 * controls: the link layer (src/links/) does them through its proxy container. `clock-skew`:
 * chainlab's images carry libfaketime, and a node's offset file lives in a host dir mounted
 * read-only into its container (so the engine must see this machine's files, as with every
 * local engine).
 */
export const dockerControls: ReadonlySet<NodeControl> = new Set<NodeControl>([
  'stop',
  'start',
  'restart',
  'kill',
  'pause',
  'resume',
  'disconnect',
  'clock-skew',
]);

let sweptOnce: Promise<void> | undefined;

/** Docker names allow `[a-zA-Z0-9][a-zA-Z0-9_.-]`; run ids and node names already fit. */
function resourceName(ctx: DeployerContext, suffix?: string): string {
  return ['chainlab', ctx.runId, ctx.clusterName, suffix].filter(Boolean).join('-');
}

async function createNetwork(client: ContainerRuntimeClient, ctx: DeployerContext): Promise<StartedNetwork> {
  const name = resourceName(ctx);
  const network = await client.network.create({
    Name: name,
    CheckDuplicate: true,
    Driver: 'bridge',
    Labels: resourceLabels(ctx.runId, 'network', { cluster: ctx.clusterName }),
  });
  return new StartedNetwork(client, name, network);
}

/**
 * Creates the docker deployer for one cluster. Throws a `ChainlabError` naming the cause
 * when no Docker engine answers.
 *
 * @example
 * const deployer = await dockerDeployer({ stopGraceMs: 2000 })(ctx);
 */
export function dockerDeployer(opts: DockerDeployerOptions = {}): DeployerFactory {
  const apiPort = opts.apiPort ?? 8080;
  const p2pPort = opts.p2pPort ?? 9000;
  const dataDir = opts.dataDir ?? '/data';
  const chainDir = opts.chainDir ?? '/chain';
  const clockDir = opts.clockDir ?? '/chainlab/clock';

  return async (ctx: DeployerContext): Promise<Deployer> => {
    const docker = await dockerAvailability();
    if (!docker.available) {
      throw new ChainlabError(
        `the docker deployer needs a Docker engine: ${docker.reason}. Start one, or use CHAINLAB_DEPLOYER=local`,
      );
    }
    const client = docker.client;
    if (opts.sweep ?? true) {
      sweptOnce ??= sweepDeadRuns({ log: ctx.log }).then(
        () => {},
        (error: unknown) => ctx.log(`docker sweep failed: ${String(error)}`),
      );
      await sweptOnce;
    }

    // testcontainers settles its reaper (Ryuk, or none) at a container's first start, under a
    // file lock the other nodes' starts, issued at the same moment, retry every 500 ms or more:
    // settled here first, a fresh process's first cluster starts its nodes together.
    await getReaper(client);
    // Before anything is created: if this process dies (SIGKILL after Ctrl-C), the guard
    // removes what carries the run id.
    ensureRunGuard(ctx.runId);
    const network = await createNetwork(client, ctx);
    ctx.log(`docker network ${network.getName()} created`);
    const nodes = new Map<string, ContainerNode>();
    const volumes = new Set<string>();
    let disposed: Promise<void> | undefined;

    const removeVolume = (name: string) =>
      client.container.dockerode
        .getVolume(name)
        .remove({ force: true })
        .catch((error: unknown) => {
          if ((error as { statusCode?: number }).statusCode !== 404) throw error;
        });

    const dispose = (): Promise<void> => {
      disposed ??= (async () => {
        await Promise.allSettled([...nodes.values()].map((n) => n.remove()));
        await Promise.allSettled([...volumes].map(removeVolume));
        await network.stop().catch(() => {});
        // Catch-all by label: anything created while we were tearing down, or by a start
        // that failed halfway, goes too.
        const docker = client.container.dockerode;
        const filters = {
          label: [`${labelKeys.run}=${ctx.runId}`, `${labelKeys.cluster}=${ctx.clusterName}`],
        };
        const leftovers = await docker.listContainers({ all: true, filters });
        await Promise.allSettled(leftovers.map((c) => docker.getContainer(c.Id).remove({ force: true })));
        const [nets, vols] = await Promise.all([
          docker.listNetworks({ filters }),
          docker.listVolumes({ filters }),
        ]);
        await Promise.allSettled(nets.map((n) => docker.getNetwork(n.Id).remove()));
        await Promise.allSettled((vols.Volumes ?? []).map((v) => removeVolume(v.Name)));
        registration[Symbol.dispose]();
        ctx.log(`docker resources of ${ctx.clusterName} removed`);
      })();
      return disposed;
    };

    // Host ports handed out by this deployer: concurrent node starts must never get the same
    // one between asking the OS and the engine binding it.
    const handedOut = new Set<number>();
    const hostPorts = async (): Promise<[number, number]> => {
      for (;;) {
        const [api, p2p] = (await freePorts(2)) as [number, number];
        if (!handedOut.has(api) && !handedOut.has(p2p)) {
          handedOut.add(api).add(p2p);
          return [api, p2p];
        }
      }
    };

    /**
     * Starts a node on fresh loopback ports; another process may still take a port between
     * the OS handing it out and the engine binding it, so that case retries on new ports.
     */
    const startWithFreePorts = async (
      spec: DeployNodeSpec,
      start: (ports: [number, number]) => Promise<ContainerNode>,
    ): Promise<ContainerNode> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await start(await hostPorts());
        } catch (error) {
          const cause = (error as { cause?: unknown }).cause;
          const portTaken =
            cause instanceof Error && /port is already allocated|address already in use/i.test(cause.message);
          if (!portTaken || attempt >= 3) throw error;
          ctx.log(`${spec.name}: a host port was taken meanwhile, retrying on new ports`);
          // the engine created the container before failing to bind; its name must be free again
          await client.container.dockerode
            .getContainer(resourceName(ctx, spec.name))
            .remove({ force: true })
            .catch(() => {});
        }
      }
    };

    /**
     * A cache file (a code cache: megabytes, the same for every node) is mounted read-only
     * rather than copied into each container, which put six archives of it through the engine
     * at every start. Mounted from the cluster's own copy: the original may be replaced while
     * the cluster runs, and a container started again needs its mount source to still exist.
     * A node runs without its cache, so a copy that fails leaves the mount out.
     */
    const clusterCopies = new Map<string, Promise<string | undefined>>();
    const clusterCopy = (source: string): Promise<string | undefined> => {
      let copy = clusterCopies.get(source);
      if (copy === undefined) {
        const target = join(ctx.clusterDir, 'container-files', `${clusterCopies.size}-${basename(source)}`);
        copy = mkdir(dirname(target), { recursive: true })
          .then(() => copyFile(source, target))
          // readable by the node's user in the container, whatever the original's mode
          .then(() => chmod(target, 0o644))
          .then(
            () => target,
            (error: unknown) => {
              ctx.log(`${source} left out of the containers: ${String(error)}`);
              return undefined;
            },
          );
        clusterCopies.set(source, copy);
      }
      return copy;
    };

    const registration = ctx.registry.add({
      label: `docker cluster ${ctx.clusterName} (network ${network.getName()})`,
      dispose,
    });

    return {
      name: 'docker',
      kind: 'container',
      capabilities: dockerControls,
      // The link proxy runs as one more container on the cluster network (alias = its name).
      hostsLinks: true,

      async allocate(list: readonly { name: string; role: NodeRole }[]): Promise<NodeAllocation[]> {
        await mkdir(join(ctx.clusterDir, 'logs'), { recursive: true });
        return list.map((n) => ({
          name: n.name,
          bindHost: '0.0.0.0',
          host: n.name,
          apiPort,
          p2pPort,
          dataDir,
          chainDir,
          logFile: join(ctx.clusterDir, 'logs', `${n.name}.log`),
        }));
      },

      async start(spec: DeployNodeSpec, startOpts: StartOptions): Promise<ContainerNode> {
        if (disposed) throw new ChainlabError(`docker deployer of ${ctx.clusterName} is disposed`);
        const launch = spec.launch?.container;
        if (spec.launch === undefined || launch === undefined) {
          // The cluster checks the adapter's `containers` facet up front; this is the last guard.
          throw new CapabilityError(
            'containers',
            'docker',
            `no container launch for ${spec.name}: the adapter lacks the containers facet`,
          );
        }
        const tag = await resolveImage(launch.image, ctx.log);
        const volume = resourceName(ctx, spec.name);
        await client.container.dockerode.createVolume({
          Name: volume,
          Labels: resourceLabels(ctx.runId, 'volume', { cluster: ctx.clusterName, node: spec.name }),
        });
        volumes.add(volume);
        // A skewable clock: the offset file sits in a host dir of its own, mounted read-only,
        // and libfaketime (in the image at the host's path) reads it at every clock read.
        let clock: { hostDir: string; hostFile: string; env: Record<string, string> } | undefined;
        if (spec.clock !== undefined) {
          const hostDir = join(ctx.clusterDir, 'clock', spec.name);
          await mkdir(hostDir, { recursive: true });
          const hostFile = join(hostDir, OFFSET_FILE);
          await writeOffsetFile(hostFile, spec.clock.offsetMs);
          clock = { hostDir, hostFile, env: faketimeEnv(`${clockDir}/${OFFSET_FILE}`) };
        }
        const node = await startWithFreePorts(spec, async ([hostApiPort, hostP2pPort]) => {
          const definition = new NodeContainer(tag)
            .withName(resourceName(ctx, spec.name))
            .withLabels(resourceLabels(ctx.runId, 'node', { cluster: ctx.clusterName, node: spec.name }))
            .withClusterNetwork(network, spec.allocation.host)
            .withEntrypoint(launch.cmd)
            .withEnvironment({ ...launch.env, ...clock?.env })
            .withLoopbackPorts(
              { container: launch.apiPort, host: hostApiPort },
              { container: launch.p2pPort, host: hostP2pPort },
            )
            .withNamedVolume(volume, launch.dataDir)
            .withCopyFilesToContainer(
              launch.files
                .filter((f) => !f.cache)
                .map((f) => ({ source: f.source, target: f.target, mode: 0o644 })),
            );
          for (const file of launch.files.filter((f) => f.cache)) {
            const copy = await clusterCopy(file.source);
            if (copy !== undefined) definition.withReadOnlyMount(copy, file.target);
          }
          if (clock !== undefined) definition.withReadOnlyMount(clock.hostDir, clockDir);
          return ContainerNode.start(
            definition,
            {
              name: spec.name,
              client,
              network,
              alias: spec.allocation.host,
              apiUrl: `http://127.0.0.1:${hostApiPort}`,
              p2pEndpoint: { host: '127.0.0.1', port: hostP2pPort },
              healthPath: spec.launch!.readiness.healthPath,
              logFile: spec.allocation.logFile,
              ...(opts.stopGraceMs === undefined ? {} : { stopGraceMs: opts.stopGraceMs }),
              ...(clock === undefined ? {} : { clockOffsetFile: clock.hostFile }),
              log: ctx.log,
            },
            startOpts,
          );
        });
        nodes.set(spec.name, node);
        if (disposed) {
          await node.remove();
          throw new ChainlabError(
            `docker deployer of ${ctx.clusterName} was disposed while ${spec.name} started`,
          );
        }
        return node;
      },

      async remove(deployed) {
        const node = nodes.get(deployed.name);
        if (node !== deployed)
          throw new ChainlabError(`docker deployer of ${ctx.clusterName} did not start ${deployed.name}`);
        // The container and its data volume go; its log stays with the run's artifacts.
        await node.remove();
        nodes.delete(deployed.name);
        const volume = resourceName(ctx, deployed.name);
        await removeVolume(volume);
        volumes.delete(volume);
      },

      dispose,
    };
  };
}
