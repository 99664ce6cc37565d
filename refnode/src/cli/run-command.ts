import pino from 'pino';
import { startApi } from '../api/server.ts';
import { bugDescriptions, bugNames } from '../bugs.ts';
import { loadNodeConfig } from '../config.ts';
import { RefNode } from '../node.ts';
import type { Network } from '../p2p/network.ts';
import type { CliHooks } from './cli.ts';
import { type FlagSpec, parseFlags } from './flags.ts';

const port = (raw: string) =>
  /^\d+$/.test(raw) && Number(raw) <= 65535 ? undefined : 'must be a port 0..65535';
const multiaddrs = (raw: string) =>
  raw === '' || raw.split(',').every((part) => part.trim().startsWith('/'))
    ? undefined
    : 'must be comma-separated multiaddrs starting with /';

export const runFlags: FlagSpec[] = [
  { name: 'config', type: 'string', required: true, help: 'node config file (node-<i>.json)' },
  { name: 'data-dir', type: 'string', help: 'data directory (overrides dataDir)' },
  { name: 'api-host', type: 'string', help: 'API listen host (overrides api.host)' },
  {
    name: 'api-port',
    type: 'int',
    min: 0,
    max: 65535,
    help: 'API listen port, 0 = any free (overrides api.port)',
    check: port,
  },
  { name: 'p2p-host', type: 'string', help: 'p2p listen host (overrides p2p.host)' },
  {
    name: 'p2p-port',
    type: 'int',
    min: 0,
    max: 65535,
    help: 'p2p listen port, 0 = any free (overrides p2p.port)',
    check: port,
  },
  {
    name: 'peers',
    type: 'list',
    help: 'multiaddrs with /p2p/<peerId> to dial (overrides p2p.peers; empty = none)',
    check: multiaddrs,
  },
  {
    name: 'announce',
    type: 'list',
    help: 'multiaddrs peers should dial to reach us (overrides p2p.announce)',
    check: multiaddrs,
  },
  {
    name: 'peers-file',
    type: 'string',
    help: 'address book (JSON, re-read when it changes): only its addresses are dialled, learned peers are resolved through it (overrides p2p.peersFile)',
  },
  {
    name: 'bug',
    type: 'repeat',
    help: `turn on a deliberate fault:${bugNames.map((name) => `\n${' '.repeat(32)}${name}: ${bugDescriptions[name]}`).join('')}`,
    check: (raw) =>
      (bugNames as readonly string[]).includes(raw) ? undefined : `must be one of ${bugNames.join(', ')}`,
  },
  { name: 'log-level', type: 'string', default: 'info', help: 'pino level: trace, debug, info, warn, error' },
];

/** `refnode run`: runs one node until SIGTERM/SIGINT; prints the ready line on stdout. */
export async function runCommand(args: string[], hooks: CliHooks = {}): Promise<void> {
  // Everything this command needs is loaded by now: the time since Node's own bootstrap is imports.
  const importMs = Math.round(performance.now() - performance.nodeTiming.bootstrapComplete);
  const flags = parseFlags(args, runFlags);
  const config = loadNodeConfig(flags.config as string, {
    dataDir: flags['data-dir'] as string | undefined,
    apiHost: flags['api-host'] as string | undefined,
    apiPort: flags['api-port'] as number | undefined,
    p2pHost: flags['p2p-host'] as string | undefined,
    p2pPort: flags['p2p-port'] as number | undefined,
    peers: flags.peers as string[] | undefined,
    announce: flags.announce as string[] | undefined,
    peersFile: flags['peers-file'] as string | undefined,
    bugs: flags.bug as string[] | undefined,
  });
  const logger = pino(
    {
      level: (flags['log-level'] as string | undefined) ?? 'info',
      base: { node: config.nodeId },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination({ fd: 2, sync: true }),
  );
  logger.info(
    { role: config.role, dataDir: config.dataDir, bugs: config.bugs },
    `starting ${config.nodeId} (${config.role})`,
  );
  const started = performance.now();
  const node = await RefNode.start(config, logger);
  let api: Awaited<ReturnType<typeof startApi>>;
  const apiStarted = performance.now();
  try {
    api = await startApi(node);
  } catch (error) {
    await node.stop();
    throw error;
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${signal}: stopping ${config.nodeId} at height ${node.chain.height}`);
    const force = setTimeout(() => {
      logger.error('graceful stop took over 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    void (async () => {
      await api.stop();
      await node.stop();
      logger.info(`${config.nodeId} stopped`);
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  const startup = {
    nodeBootstrapMs: Math.round(performance.nodeTiming.bootstrapComplete),
    importMs,
    ...node.startup,
    apiMs: Math.round(performance.now() - apiStarted),
    sinceProcessStartMs: Math.round(performance.now()),
    ...(hooks.codeCache === undefined ? {} : { codeCache: hooks.codeCache }),
  };
  logger.info(
    { api: api.url, height: node.chain.height, startup },
    `${config.nodeId} ready at height ${node.chain.height} in ${Math.round(performance.now() - started)} ms ` +
      `(${startup.sinceProcessStartMs} ms since process start: imports ${importMs} ms, storage ${startup.storageMs} ms, ` +
      `replay ${startup.replayMs} ms, p2p ${startup.p2pMs} ms, api ${startup.apiMs} ms` +
      `${hooks.codeCache === undefined ? '' : `, code cache ${hooks.codeCache}`}), API ${api.url}`,
  );
  process.stdout.write(
    `${JSON.stringify({ event: 'ready', api: api.url, nodeId: config.nodeId, peerId: node.network?.peerId ?? config.peerId, p2p: node.network?.addresses ?? [] })}\n`,
  );
  // After the ready line: whoever waits for it need not wait for a cache being written.
  hooks.ready?.();
  if (hooks.warm !== undefined && node.network !== undefined) whenWarm(node.network, hooks.warm);
}

/** How long a node is connected before it counts as warm: its first syncs and gossip have run. */
const WARM_AFTER_PEER_MS = 3000;

/** Calls `warm` once, {@link WARM_AFTER_PEER_MS} after the node first has a peer. */
function whenWarm(network: Network, warm: () => void): void {
  const arm = () => setTimeout(warm, WARM_AFTER_PEER_MS).unref();
  if (network.peers().length > 0) return void arm();
  const off = network.onPeer((_, event) => {
    if (event !== 'connect') return;
    off();
    arm();
  });
}
