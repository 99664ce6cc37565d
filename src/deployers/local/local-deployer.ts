/**
 * The `local` deployer: every node is a process on this machine with its own data dir,
 * free loopback ports and one log file. Full node control by signals.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeRole } from '../../adapter/types.ts';
import type {
  DeployerFactory,
  DeployNodeSpec,
  NodeAllocation,
  NodeControl,
  StartOptions,
} from '../deployer.ts';
import { freePorts } from './free-port.ts';
import { NodeProcess } from './node-process.ts';

/** Options of the local deployer. */
export interface LocalDeployerOptions {
  /** Delay between SIGTERM and SIGKILL when stopping a node. Default 5000 ms. */
  stopGraceMs?: number;
  /** Host nodes bind and dial. Default `127.0.0.1` (loopback only). */
  host?: string;
}

const localControls: ReadonlySet<NodeControl> = new Set<NodeControl>([
  'stop',
  'start',
  'restart',
  'kill',
  'pause',
  'resume',
]);

/** Creates the local (process) deployer for one cluster. */
export function localDeployer(opts: LocalDeployerOptions = {}): DeployerFactory {
  return async (ctx) => {
    const host = opts.host ?? '127.0.0.1';
    const started: NodeProcess[] = [];
    const dataDirs = new Map<NodeProcess, string>();
    let disposed: Promise<void> | undefined;
    return {
      name: 'local',
      kind: 'process',
      capabilities: localControls,

      async allocate(nodes: readonly { name: string; role: NodeRole }[]): Promise<NodeAllocation[]> {
        const ports = await freePorts(nodes.length * 2, host);
        await mkdir(join(ctx.clusterDir, 'logs'), { recursive: true });
        return Promise.all(
          nodes.map(async (n, i) => {
            const dataDir = join(ctx.clusterDir, 'data', n.name);
            await mkdir(dataDir, { recursive: true });
            return {
              name: n.name,
              bindHost: host,
              host,
              apiPort: ports[2 * i]!,
              p2pPort: ports[2 * i + 1]!,
              dataDir,
              chainDir: join(ctx.clusterDir, 'chain'),
              logFile: join(ctx.clusterDir, 'logs', `${n.name}.log`),
            };
          }),
        );
      },

      async start(spec: DeployNodeSpec, startOpts: StartOptions) {
        if (disposed) throw new Error(`local deployer of ${ctx.clusterName} is disposed`);
        if (spec.launch === undefined) throw new Error(`local deployer: ${spec.name} has no launch spec`);
        const node = await NodeProcess.start(
          {
            name: spec.name,
            launch: spec.launch.process,
            readiness: spec.launch.readiness,
            apiUrl: `http://${spec.allocation.host}:${spec.allocation.apiPort}`,
            logFile: spec.allocation.logFile,
            runId: ctx.runId,
            registry: ctx.registry,
            ...(opts.stopGraceMs === undefined ? {} : { stopGraceMs: opts.stopGraceMs }),
            log: ctx.log,
          },
          startOpts,
        );
        started.push(node);
        dataDirs.set(node, spec.allocation.dataDir);
        return node;
      },

      async remove(deployed) {
        const node = started.find((n) => n === deployed);
        if (!node) throw new Error(`local deployer of ${ctx.clusterName} did not start ${deployed.name}`);
        await node.stop();
        started.splice(started.indexOf(node), 1);
        await rm(dataDirs.get(node)!, { recursive: true, force: true });
        dataDirs.delete(node);
      },

      dispose() {
        disposed ??= (async () => {
          // Stop in parallel: a cluster's nodes are independent and each may need its grace delay.
          await Promise.allSettled(started.map((n) => n.stop()));
        })();
        return disposed;
      },
    };
  };
}
