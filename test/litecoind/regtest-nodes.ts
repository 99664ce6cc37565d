/**
 * Test support: N litecoind regtest nodes as local processes, through the local deployer's
 * process runner (`NodeProcess`: log file, SIGTERM→SIGKILL stop, SIGSTOP/SIGCONT, run id in
 * the environment so the run's reaper removes them if the test worker dies). Until the
 * litecoind adapter is wired into clusters, its tests start nodes with this.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LitecoindClient } from '../../src/adapter/litecoind/client.ts';
import { type LitecoindEndpoints, litecoindProcess } from '../../src/adapter/litecoind/launch.ts';
import { litecoindReadiness, waitForRpc } from '../../src/adapter/litecoind/readiness.ts';
import { type RpcCredentials, rpcCredentials } from '../../src/adapter/litecoind/rpc-auth.ts';
import { runRegistry } from '../../src/cluster/cleanup/registry.ts';
import { acquireRun } from '../../src/cluster/cleanup/run.ts';
import { freePorts } from '../../src/deployers/local/free-port.ts';
import { NodeProcess } from '../../src/deployers/local/node-process.ts';

/** One started node. */
export interface RegtestNode {
  name: string;
  index: number;
  endpoints: LitecoindEndpoints;
  url: string;
  process: NodeProcess;
  client: LitecoindClient;
}

/** Options of {@link startRegtestNodes}. */
export interface RegtestNodesOptions {
  /** Peers node `i` dials, given every node's P2P port. Default: every other node. */
  peersOf?: (index: number, p2pPorts: readonly number[]) => { host: string; p2pPort: number }[];
  /** Story lines. Default silent. */
  log?: (line: string) => void;
  /** Start timeout per node. Default 30 s. */
  startTimeoutMs?: number;
  /** Client timeout per call. Default 5000 ms. */
  rpcTimeoutMs?: number;
}

/** Started nodes; dispose to stop them and remove their dirs. */
export interface RegtestNodes extends AsyncDisposable {
  nodes: RegtestNode[];
  credentials: RpcCredentials;
  runId: string;
  /** Starts a stopped node again with the same data dir and ports; resolves when RPC answers. */
  start(node: RegtestNode): Promise<void>;
}

const mesh = (index: number, ports: readonly number[]) =>
  ports.filter((_, i) => i !== index).map((p2pPort) => ({ host: '127.0.0.1', p2pPort }));

/**
 * Starts `count` nodes named `ltc-0…`.
 *
 * @example
 * await using net = await startRegtestNodes(3);
 */
export async function startRegtestNodes(
  count: number,
  opts: RegtestNodesOptions = {},
): Promise<RegtestNodes> {
  const run = await acquireRun();
  const dir = join(run.dir, `litecoind-${Math.random().toString(36).slice(2, 8)}`);
  const credentials = rpcCredentials();
  const ports = await freePorts(count * 2);
  const p2pPorts = ports.filter((_, i) => i % 2 === 1);
  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  const nodes: RegtestNode[] = [];
  const started: NodeProcess[] = [];

  const startNode = async (node: RegtestNode): Promise<void> => {
    await node.process.start({ timeoutMs });
    await waitForRpc(node.client, { timeoutMs });
  };

  const dispose = async (): Promise<void> => {
    await Promise.allSettled(started.map((p) => p.stop()));
    await Promise.allSettled(nodes.map((n) => n.client.close()));
    await run.release();
  };

  try {
    await mkdir(join(dir, 'logs'), { recursive: true });
    await Promise.all(
      Array.from({ length: count }, async (_, index) => {
        const name = `ltc-${index}`;
        const endpoints: LitecoindEndpoints = {
          bindHost: '127.0.0.1',
          apiPort: ports[2 * index]!,
          p2pPort: p2pPorts[index]!,
          dataDir: join(dir, 'data', name),
          peers: (opts.peersOf ?? mesh)(index, p2pPorts),
        };
        await mkdir(endpoints.dataDir, { recursive: true });
        const url = `http://127.0.0.1:${endpoints.apiPort}`;
        const process = await NodeProcess.start(
          {
            name,
            launch: litecoindProcess(endpoints, { credentials }),
            readiness: litecoindReadiness(url),
            apiUrl: url,
            logFile: join(dir, 'logs', `${name}.log`),
            runId: run.id,
            registry: runRegistry,
            stopGraceMs: 10_000,
            ...(opts.log ? { log: opts.log } : {}),
          },
          { timeoutMs },
        );
        started.push(process);
        const client = new LitecoindClient(url, credentials, { timeoutMs: opts.rpcTimeoutMs ?? 5000 });
        const node: RegtestNode = { name, index, endpoints, url, process, client };
        nodes[index] = node;
        await waitForRpc(client, { timeoutMs });
      }),
    );
  } catch (error) {
    await dispose();
    throw error;
  }
  return { nodes, credentials, runId: run.id, start: startNode, [Symbol.asyncDispose]: dispose };
}
