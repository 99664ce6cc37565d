/**
 * The `local` deployer: every node is a process on this machine with its own data dir,
 * free loopback ports and one log file. Full node control by signals.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeRole } from '../../adapter/types.ts';
import { CapabilityError } from '../../support/errors.ts';
import type {
  DeployerFactory,
  DeployNodeSpec,
  NodeAllocation,
  NodeControl,
  StartOptions,
} from '../deployer.ts';
import { libfaketimeMissing, OFFSET_FILE, writeOffsetFile } from '../faketime.ts';
import { type PortReservation, reservePorts } from './free-port.ts';
import { NodeProcess } from './node-process.ts';

/** Options of the local deployer. */
export interface LocalDeployerOptions {
  /** Delay between SIGTERM and SIGKILL when stopping a node. Default 5000 ms. */
  stopGraceMs?: number;
  /** Host nodes bind and dial. Default `127.0.0.1` (loopback only). */
  host?: string;
  /** libfaketime for clock skew. Default the Debian path (`LIBFAKETIME_PATH`). */
  libfaketime?: string;
}

const signalControls: NodeControl[] = ['stop', 'start', 'restart', 'kill', 'pause', 'resume'];

/** Creates the local (process) deployer for one cluster. */
export function localDeployer(opts: LocalDeployerOptions = {}): DeployerFactory {
  return async (ctx) => {
    const host = opts.host ?? '127.0.0.1';
    // Clock skew needs libfaketime on this machine; without it the control is missing, and
    // the refusal says why.
    const noFaketime = libfaketimeMissing(opts.libfaketime);
    const started: NodeProcess[] = [];
    const dataDirs = new Map<NodeProcess, string>();
    // Held until dispose: a restarted node binds its ports again.
    const reservations: PortReservation[] = [];
    let disposed: Promise<void> | undefined;
    return {
      name: 'local',
      kind: 'process',
      capabilities: new Set<NodeControl>(noFaketime ? signalControls : [...signalControls, 'clock-skew']),
      missingReason: (control) => (control === 'clock-skew' ? noFaketime : undefined),
      // The link proxy runs as one more child process on loopback.
      hostsLinks: true,

      async allocate(nodes: readonly { name: string; role: NodeRole }[]): Promise<NodeAllocation[]> {
        const reservation = await reservePorts(nodes.length * 2, host);
        reservations.push(reservation);
        const { ports } = reservation;
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
        let clockOffsetFile: string | undefined;
        if (spec.clock !== undefined) {
          // The cluster refuses this before any node starts; this is the last guard.
          if (noFaketime) throw new CapabilityError('clock-skew', 'local', noFaketime);
          // One dir per node, like the container deployers' mounted clock dir.
          const dir = join(ctx.clusterDir, 'clock', spec.name);
          await mkdir(dir, { recursive: true });
          clockOffsetFile = join(dir, OFFSET_FILE);
          await writeOffsetFile(clockOffsetFile, spec.clock.offsetMs);
        }
        const node = await NodeProcess.start(
          {
            name: spec.name,
            launch: spec.launch.process,
            readiness: spec.launch.readiness,
            apiUrl: `http://${spec.allocation.host}:${spec.allocation.apiPort}`,
            p2pEndpoint: { host: spec.allocation.host, port: spec.allocation.p2pPort },
            logFile: spec.allocation.logFile,
            runId: ctx.runId,
            registry: ctx.registry,
            ...(opts.stopGraceMs === undefined ? {} : { stopGraceMs: opts.stopGraceMs }),
            ...(clockOffsetFile === undefined ? {} : { clockOffsetFile, libfaketime: opts.libfaketime }),
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
          for (const reservation of reservations) reservation.release();
        })();
        return disposed;
      },
    };
  };
}
