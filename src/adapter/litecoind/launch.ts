/**
 * How to run one litecoind regtest node: its argv (the same for a process and a container),
 * and how to tell it is ready. Every setting is on the command line, so a node needs no
 * config file and its `ps` line shows how it runs.
 *
 * Peers are exclusive: `-connect` lists exactly the addresses the deployer gives (a link
 * layer may give proxies), and nothing else is dialled — no DNS seeds, no fixed seeds, no
 * addresses learned from peers (with `-connect`, litecoind opens no automatic outbound
 * connections), no UPnP, no Tor. `-listen=1` still accepts the peers that dial in.
 */
import { z } from 'zod';
import { parseOptions } from '../../support/validate.ts';
import { litecoindBinary } from './binary.ts';

/** Where one node listens and whom it dials (a subset of the deployer's launch endpoints). */
export interface LitecoindEndpoints {
  /**
   * The node's name, announced to its peers as the user agent comment (`-uacomment`) so
   * their peer lists name it even when it is reached through a link proxy. Optional.
   */
  name?: string;
  /** Host RPC and P2P bind to: `127.0.0.1` for a process, `0.0.0.0` in a container. */
  bindHost: string;
  /** RPC (and REST) port. */
  apiPort: number;
  p2pPort: number;
  /** Data dir as the node sees it (must exist). */
  dataDir: string;
  /** Exactly the peers this node dials. */
  peers: readonly { host: string; p2pPort: number }[];
}

const launchOptionsSchema = z.strictObject({
  credentials: z.object({ user: z.string().min(1), password: z.string().min(1), rpcauth: z.string().min(3) }),
  relay: z.enum(['immediate', 'trickle']).default('immediate'),
  fallbackFeePerKvb: z.bigint().positive().default(20_000n),
  minRelayFeePerKvb: z.bigint().positive().default(1000n),
  extraArgs: z.array(z.string().startsWith('-')).default([]),
});

const allowed = {
  credentials: 'credentials from rpcCredentials()',
  relay: "'immediate' (peers on the node's own network skip the tx trickle delay) or 'trickle'",
  fallbackFeePerKvb: 'a positive bigint of litoshis per 1000 vbytes',
  minRelayFeePerKvb: 'a positive bigint of litoshis per 1000 vbytes',
  extraArgs: 'litecoind options, each starting with -',
};

/** Options of {@link litecoindArgs}; the zod schema is the source of types and defaults. */
export type LitecoindLaunchOptions = z.input<typeof launchOptionsSchema>;

function ltcPerKvb(litoshis: bigint): string {
  return `${litoshis / 100_000_000n}.${(litoshis % 100_000_000n).toString().padStart(8, '0')}`;
}

/**
 * The argv (without the binary) of one regtest node.
 *
 * Defaults: `relay: 'immediate'` (`-whitelist=noban@…` for the node's own network, so txs
 * relay at once instead of after litecoind's Poisson trickle of ~5 s), fallback fee
 * 20 000 litoshis/kvB, min relay fee 1000 litoshis/kvB (1 litoshi per vbyte).
 *
 * @example
 * litecoindArgs({ bindHost: '127.0.0.1', apiPort: 18443, p2pPort: 18444, dataDir, peers: [] }, { credentials })
 */
export function litecoindArgs(endpoints: LitecoindEndpoints, options: LitecoindLaunchOptions): string[] {
  const opts = parseOptions(launchOptionsSchema, options, 'litecoind launch options', allowed);
  const loopback = endpoints.bindHost === '127.0.0.1';
  // In a container the RPC port is reached through the engine's port mapping (published on
  // the host's 127.0.0.1 only), so calls arrive from the container network's gateway.
  const ownNetwork = loopback ? '127.0.0.1' : '0.0.0.0/0';
  const peers = endpoints.peers.map((p) => `-connect=${p.host}:${p.p2pPort}`);
  return [
    '-regtest',
    `-datadir=${endpoints.dataDir}`,
    '-printtoconsole=1',
    '-nodebuglogfile',
    '-logtimestamps=1',
    '-server=1',
    '-rest=1',
    `-rpcbind=${endpoints.bindHost}:${endpoints.apiPort}`,
    `-rpcport=${endpoints.apiPort}`,
    `-rpcallowip=${ownNetwork}`,
    `-rpcauth=${opts.credentials.rpcauth}`,
    // room for a block feed's long poll, a miner and a workload at once
    '-rpcthreads=8',
    '-rpcworkqueue=64',
    `-bind=${endpoints.bindHost}:${endpoints.p2pPort}`,
    `-port=${endpoints.p2pPort}`,
    '-listen=1',
    '-discover=0',
    '-dnsseed=0',
    '-listenonion=0',
    '-upnp=0',
    ...(endpoints.name === undefined ? [] : [`-uacomment=${endpoints.name}`]),
    // `-connect=0` with no peers: otherwise an empty list would enable automatic outbound connections
    ...(peers.length > 0 ? peers : ['-connect=0']),
    ...(opts.relay === 'immediate' ? [`-whitelist=noban@${ownNetwork}`] : []),
    // tx status by id for confirmed txs (not only the wallet's own)
    '-txindex=1',
    '-keypool=20',
    // a send that would exceed the mempool's unconfirmed-chain limits is refused by the
    // wallet, instead of being recorded and never broadcast
    '-walletrejectlongchains=1',
    `-fallbackfee=${ltcPerKvb(opts.fallbackFeePerKvb)}`,
    `-mintxfee=${ltcPerKvb(opts.minRelayFeePerKvb)}`,
    `-minrelaytxfee=${ltcPerKvb(opts.minRelayFeePerKvb)}`,
    '-dbcache=16',
    // MWEB (Litecoin's extension block) never starts signalling: once active (~432 blocks
    // on regtest), no block can be mined until someone pegs coins in (the HogEx tx would
    // have no input), and chainlab's wallets never do
    '-vbparams=mweb:9999999999:9999999999',
    ...opts.extraArgs,
  ];
}

/** How to run a node as a local process. */
export interface LitecoindProcess {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

/**
 * A local process running `binary` (default: `litecoindBinary()`, the daemon itself) with
 * {@link litecoindArgs}.
 *
 * @example
 * const launch = litecoindProcess(endpoints, { credentials });
 */
export function litecoindProcess(
  endpoints: LitecoindEndpoints,
  options: LitecoindLaunchOptions & { binary?: string },
): LitecoindProcess {
  const { binary, ...launch } = options;
  return {
    command: binary ?? litecoindBinary(),
    args: litecoindArgs(endpoints, launch),
    env: {},
    cwd: endpoints.dataDir,
  };
}
