/**
 * The litecoind adapter: teaches chainlab Litecoin Core 0.21 in regtest, a Bitcoin-family
 * chain (UTXO ledger, proof of work, coinbase emission, a wallet daemon that signs).
 *
 * - Nodes: one `litecoind -regtest` per node, on the deployer's addresses, dialling exactly
 *   the peers the topology gives (`launch.ts`); the same argv in a process or a container
 *   (a `FROM scratch` image of the Debian binary and its libraries).
 * - Blocks: regtest mines only when asked, so after the nodes start a seeded lottery asks
 *   one node at a time (`lottery-miner.ts`): exponential gaps of mean `blockIntervalMs`, the
 *   arrival process of proof of work (`production: poisson`). A block is final `depth`
 *   confirmations deep (`finality: depth`).
 * - Wallets: the after-start step mines coinbases to maturity and pays every user wallet
 *   (one per node in turn, in the node's wallet RPC); a transfer is signed by its home
 *   wallet when submitted, fees per vbyte, and the recorded id is the node's txid.
 * - Facets: `supply` (halving emission against the UTXO-set total), `mempool`, `forging`,
 *   `clock-skew` (its wall clock to the second), `containers`. Everything else is refused by whatever needs it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { AdapterError } from '../../support/errors.ts';
import { Rng } from '../../support/rng.ts';
import { parseOptions } from '../../support/validate.ts';
import type {
  AdapterNode,
  AfterStartContext,
  AfterStartResult,
  AttachedChain,
  ChainAdapter,
  ChainClient,
  ChainParams,
  ImageSpec,
  LaunchEndpoints,
  LaunchSpec,
  PreparedChain,
  ResolvedTopology,
} from '../types.ts';
import { litecoindBinary } from './binary.ts';
import { LitecoindChainClient } from './chain-client.ts';
import type { LitecoindClient } from './client.ts';
import { litecoindFacets, litecoindFacts } from './facts.ts';
import { litecoindForger } from './forger.ts';
import { fundWallets } from './fund-wallets.ts';
import { litecoindImagePath, litecoindImageSpec } from './image-spec.ts';
import { type LitecoindEndpoints, litecoindArgs, litecoindProcess } from './launch.ts';
import { startLotteryMiner } from './lottery-miner.ts';
import { litecoindReadiness } from './readiness.ts';
import { type RpcCredentials, rpcCredentials } from './rpc-auth.ts';
import { LitecoindUserWallet } from './user-wallet.ts';
import { DEFAULT_FEE_RATE, LitecoindWallet } from './wallet.ts';

const optionsSchema = z.strictObject({
  blockIntervalMs: z.int().min(50).max(3_600_000).default(1000),
  finalityDepth: z.int().min(1).max(100).default(6),
  walletBalance: z.bigint().min(10_000_000n).max(10_000_000_000n).default(1_000_000_000n),
  utxosPerWallet: z.int().min(1).max(50).default(8),
  relay: z.enum(['immediate', 'trickle']).default('immediate'),
  binary: z.string().min(1).optional(),
  image: z.custom<ImageSpec>((v) => typeof v === 'object' && v !== null && 'name' in v).optional(),
  rpcTimeoutMs: z.int().min(100).max(60_000).default(5000),
});

const allowed = {
  blockIntervalMs: 'an integer 50..3600000 (mean ms between blocks)',
  finalityDepth: 'an integer 1..100 (confirmations)',
  walletBalance: 'a bigint of litoshis 10_000_000n..10_000_000_000n (0.1..100 LTC)',
  utxosPerWallet: 'an integer 1..50',
  relay: "'immediate' or 'trickle'",
  binary: 'the path of the litecoind daemon (an ELF file)',
  image: 'an ImageSpec ({ name, nativeBinary? | build? })',
  rpcTimeoutMs: 'an integer 100..60000 (ms)',
  '*': 'one of blockIntervalMs, finalityDepth, walletBalance, utxosPerWallet, relay, binary, image, rpcTimeoutMs',
};

/**
 * Options of {@link litecoindAdapter}; the zod schema is the source of types and defaults.
 * The cluster's own `blockIntervalMs`, `securityParam` and `walletBalance` override the
 * first three.
 */
export type LitecoindAdapterOptions = z.input<typeof optionsSchema>;
type Resolved = z.output<typeof optionsSchema>;

/** The credentials file `prepare` writes and `attach` reads (`{ user, password }`). */
const CREDENTIALS_FILE = 'credentials.json';

/** The typed RPC client under a node's chain client. */
function rpcOf(client: ChainClient): LitecoindClient {
  if (!(client instanceof LitecoindChainClient))
    throw new AdapterError('litecoind', `${client.url} is not a litecoind node's client`);
  return client.node;
}

/** What this chain refuses among the cluster's parameters: each names the option and what is allowed. */
function checkTopology(t: ChainParams): { path: string; value: unknown; allowed: string }[] {
  const issues: { path: string; value: unknown; allowed: string }[] = [];
  if (t.executors !== undefined && t.executors > 0)
    issues.push({
      path: 'executors',
      value: t.executors,
      allowed: '0: litecoind has no executors (every node is a miner; set validators)',
    });
  if (t.blockIntervalMs !== undefined && (t.blockIntervalMs < 50 || t.blockIntervalMs > 3_600_000))
    issues.push({ path: 'blockIntervalMs', value: t.blockIntervalMs, allowed: allowed.blockIntervalMs });
  if (t.securityParam !== undefined && t.securityParam > 100)
    issues.push({
      path: 'securityParam',
      value: t.securityParam,
      allowed: 'an integer 1..100 (the finality depth in confirmations)',
    });
  if (t.walletBalance !== undefined && (t.walletBalance < 10_000_000n || t.walletBalance > 10_000_000_000n))
    issues.push({ path: 'walletBalance', value: t.walletBalance, allowed: allowed.walletBalance });
  const byCount =
    'nothing: litecoind bounds its mempool by memory (-maxmempool), not by a count or bytes of txs';
  if (t.limits?.mempoolMaxCount !== undefined)
    issues.push({ path: 'mempool.maxCount', value: t.limits.mempoolMaxCount, allowed: byCount });
  if (t.limits?.mempoolMaxBytes !== undefined)
    issues.push({ path: 'mempool.maxBytes', value: t.limits.mempoolMaxBytes, allowed: byCount });
  if (t.limits?.blockMaxTxs !== undefined)
    issues.push({
      path: 'maxBlockTxs',
      value: t.limits.blockMaxTxs,
      allowed: 'nothing: litecoind bounds blocks by weight, not by a tx count',
    });
  return issues;
}

/**
 * Creates the litecoind {@link ChainAdapter}. Defaults: a block every 1000 ms on average,
 * final 6 confirmations deep, 10 LTC per wallet in 8 outputs, immediate tx relay, the
 * daemon `litecoindBinary()` finds, RPC calls timing out after 5000 ms.
 *
 * @example
 * const test = createClusterTest({ validators: 3, wallets: 8, adapter: litecoindAdapter() });
 */
export function litecoindAdapter(options: LitecoindAdapterOptions = {}): ChainAdapter {
  const opts: Resolved = parseOptions(optionsSchema, options, 'litecoind adapter options', allowed);
  return {
    name: 'litecoind',
    facets: new Set(litecoindFacets),
    checkTopology,

    async prepare(topology: ResolvedTopology, dir: string, seed: number): Promise<PreparedChain> {
      // Regtest's genesis is built in: the chain needs no files, only credentials for RPC.
      const credentials = rpcCredentials();
      await writeFile(
        join(dir, CREDENTIALS_FILE),
        `${JSON.stringify({ user: credentials.user, password: credentials.password })}\n`,
        { mode: 0o600 },
      );
      const binary = opts.binary ?? litecoindBinary();
      const image = opts.image ?? litecoindImageSpec(binary);
      const blockIntervalMs = topology.blockIntervalMs ?? opts.blockIntervalMs;
      const facts = litecoindFacts({ blockIntervalMs, depth: topology.securityParam ?? opts.finalityDepth });
      const client = (url: string): ChainClient =>
        new LitecoindChainClient(url, credentials, { timeoutMs: opts.rpcTimeoutMs });
      return {
        facts,
        wallets: [],
        nodes: topology.nodes,
        dir,
        launch: (node, ep) => launchSpec(node.name, ep, { credentials, binary, image, relay: opts.relay }),
        client,
        afterStart: (ctx) =>
          startChain(ctx, {
            wallets: topology.wallets,
            balance: topology.walletBalance ?? opts.walletBalance,
            utxosPerWallet: opts.utxosPerWallet,
            blockIntervalMs,
            seed,
          }),
        forger: litecoindForger(),
      };
    },

    async attach({ urls, chainDir }): Promise<AttachedChain> {
      if (chainDir === undefined)
        throw new AdapterError(
          'litecoind',
          `attaching needs a chain dir with ${CREDENTIALS_FILE} ({ "user", "password" } of the nodes' RPC): set CHAINLAB_ATTACH_DIR or the attach option chainDir`,
        );
      const auth = await readCredentials(join(chainDir, CREDENTIALS_FILE));
      const client = (url: string): ChainClient =>
        new LitecoindChainClient(url, auth, { timeoutMs: opts.rpcTimeoutMs });
      const nodes = await Promise.all(
        urls.map(async (url, index) => {
          const c = new LitecoindChainClient(url, auth, { timeoutMs: opts.rpcTimeoutMs });
          try {
            const info = await c.node.info();
            if (info.chain !== 'regtest')
              throw new AdapterError(
                'litecoind',
                `${url} runs chain ${info.chain}; the litecoind adapter knows regtest's emission only`,
              );
          } finally {
            await c.close();
          }
          return { name: `val-${index}`, role: 'validator' as const, index, bugs: [], url };
        }),
      );
      return {
        facts: litecoindFacts({ blockIntervalMs: opts.blockIntervalMs, depth: opts.finalityDepth }),
        wallets: [],
        nodes,
        client,
      };
    },
  };
}

async function readCredentials(file: string): Promise<{ user: string; password: string }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new AdapterError('litecoind', `cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = z.object({ user: z.string().min(1), password: z.string().min(1) }).safeParse(raw);
  if (!parsed.success) throw new AdapterError('litecoind', `${file} needs { "user", "password" } strings`);
  return parsed.data;
}

/** How to launch one node: the same argv as a process and in a container. */
function launchSpec(
  name: string,
  ep: LaunchEndpoints,
  o: { credentials: RpcCredentials; binary: string; image: ImageSpec; relay: 'immediate' | 'trickle' },
): LaunchSpec {
  const endpoints: LitecoindEndpoints = {
    name,
    bindHost: ep.bindHost,
    apiPort: ep.apiPort,
    p2pPort: ep.p2pPort,
    dataDir: ep.dataDir,
    peers: ep.peers.map((p) => ({ host: p.host, p2pPort: p.p2pPort })),
  };
  const launch = { credentials: o.credentials, relay: o.relay };
  const imagePath = o.image.nativeBinary?.imagePath ?? litecoindImagePath;
  return {
    process: litecoindProcess(endpoints, { ...launch, binary: o.binary }),
    container: {
      image: o.image,
      cmd: [imagePath, ...litecoindArgs(endpoints, launch)],
      env: {},
      apiPort: ep.apiPort,
      p2pPort: ep.p2pPort,
      dataDir: ep.dataDir,
      files: [],
    },
    readiness: litecoindReadiness(`http://${ep.host}:${ep.apiPort}`),
  };
}

/**
 * The after-start step: fund the user wallets (coinbases mined to maturity, one payment to
 * all), then start the seeded block lottery over every node; its dispose stops the lottery.
 */
async function startChain(
  ctx: AfterStartContext,
  o: { wallets: number; balance: bigint; utxosPerWallet: number; blockIntervalMs: number; seed: number },
): Promise<AfterStartResult> {
  const current = (name: string): AdapterNode => {
    const n = ctx.nodes().find((x) => x.name === name);
    if (n === undefined) throw new AdapterError('litecoind', `node ${name} is no longer in the cluster`);
    return n;
  };
  const nodes = ctx.nodes().map((n) => ({ name: n.name, client: rpcOf(n.client) }));
  const head = nodes[0];
  if (head === undefined) throw new AdapterError('litecoind', 'a litecoind cluster needs at least one node');
  let wallets: LitecoindUserWallet[] = [];
  let funder: LitecoindWallet;
  if (o.wallets > 0) {
    const funded = await fundWallets(
      nodes,
      { wallets: o.wallets, balance: o.balance, utxosPerWallet: o.utxosPerWallet, timeoutMs: 3_600_000 },
      { log: ctx.log, signal: ctx.signal },
    );
    wallets = funded.wallets.map(
      (w) =>
        new LitecoindUserWallet(
          { index: w.index, address: w.address, balance: o.balance, node: w.node, name: w.name },
          () => rpcOf(current(w.node).client),
          DEFAULT_FEE_RATE,
        ),
    );
    funder = funded.funder;
  } else {
    // No users to fund: the coinbases still need a wallet to pay.
    const location = { node: head.name, client: head.client, name: 'funder' };
    funder = await LitecoindWallet.open(-1, location, { signal: ctx.signal });
  }
  // Each miner pays its coinbase to an address of its own, as miners do: with one shared
  // address, two nodes mining the same height in the same second build the very same block,
  // so a node cut off from the others could share their chain by coincidence.
  const targets = [];
  for (const n of nodes)
    targets.push({
      name: n.name,
      client: n.client,
      address: await funder.newAddress({ signal: ctx.signal }),
    });
  const miner = startLotteryMiner({
    targets,
    targetBlockMs: o.blockIntervalMs,
    rng: new Rng(o.seed).fork('litecoind-miner'),
    log: ctx.log,
  });
  ctx.log(
    `litecoind block lottery started: one block per ${o.blockIntervalMs} ms on average over ${nodes.length} nodes`,
  );
  return { wallets, dispose: () => miner.stop() };
}
