/**
 * The refnode adapter: makes a refnode chain (genesis CLI into the cluster dir), knows how
 * to launch a node as a process or a container, how it says it is ready, and gives a typed
 * client and wallets. Nothing else in chainlab knows refnode's CLI or API.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { basename, dirname, join, posix, relative, sep } from 'node:path';
import { codeCacheDir, codeCacheFiles } from '../../../refnode/src/code-cache.ts';
import { AdapterError } from '../../support/errors.ts';
import type {
  AttachedChain,
  ChainAdapter,
  ChainClient,
  ChainFacts,
  ChainParams,
  ImageSpec,
  LaunchEndpoints,
  LaunchSpec,
  NodeSpec,
  PreparedChain,
  ResolvedTopology,
} from '../types.ts';
import { bookContent, bookFileName, updateBook, writeBookFile } from './address-book.ts';
import { refnodeApiSurface } from './api-surface.ts';
import { RefnodeClient, type RefnodeClientOptions } from './client.ts';
import { codeRoot, compiled, packageRoot, refnodeEntry, refnodeModuleEntry } from './entry.ts';
import { factsOf, type RefnodeGenesis, readGenesis, readWallets, refnodeFacets } from './files.ts';
import { refnodeForger } from './forger.ts';
import { refnodeGossip } from './gossip-kit.ts';
import { applyLimits, readNodeLimits } from './limits.ts';
import { refnodeMembership } from './membership.ts';
import { RefnodeWallet } from './wallet.ts';

/** Options of {@link refnodeAdapter}. */
export interface RefnodeAdapterOptions {
  /** refnode's entry file for processes. Default {@link refnodeEntry}: the build's bundle when current, else `refnode/main.ts` here, `dist/refnode/main.js` installed. */
  entry?: string;
  /** Node binary for processes. Default `process.execPath` (Node 24). */
  nodeBinary?: string;
  /**
   * Image for containers. Default `chainlab/refnode` ({@link refnodeImage}): a FROM scratch
   * image the docker deployer builds from refnode's bundle (`dist/refnode/bundle/`) when
   * local processes start it, else from chainlab's `refnode/` (compiled, when chainlab is
   * installed) and the packages it imports, wherever npm put them.
   */
  image?: ImageSpec;
  /**
   * refnode's entry file inside the image. Default `/app/<the image's entry>`:
   * `/app/dist/refnode/bundle/main.js` with the bundle, else `/app/refnode/main.ts`
   * (`/app/dist/refnode/main.js` installed).
   */
  containerEntry?: string;
  /** Client options (timeouts, connections). */
  client?: RefnodeClientOptions;
  /** Time the genesis command may take. Default 30 000 ms. */
  genesisTimeoutMs?: number;
}

export { refnodeEntry } from './entry.ts';

/**
 * refnode's default image: its files relative to the package root (paths in the image are
 * posix). When local processes start the bundle (see `refnodeEntry`), so do containers: it
 * holds refnode and every package it imports in a few files, except sodium-native (a
 * native addon found through its package dir), so the image carries that one package and
 * a container boots as fast as a local process (the unbundled tree spends seconds resolving
 * and compiling ~450 modules). Else the image carries refnode's unbundled files and the
 * packages they import.
 */
export function refnodeImage(): ImageSpec {
  const toPosix = (p: string): string => p.split(sep).join(posix.sep);
  const entry = refnodeEntry();
  if (entry !== refnodeModuleEntry()) {
    return {
      name: 'chainlab/refnode',
      nodeApp: {
        root: packageRoot,
        include: [toPosix(relative(packageRoot, dirname(entry)))],
        entry: toPosix(relative(packageRoot, entry)),
        packages: ['sodium-native'],
      },
    };
  }
  return {
    name: 'chainlab/refnode',
    nodeApp: {
      root: packageRoot,
      include: (compiled
        ? [refnodeModuleEntry(), join(codeRoot, 'refnode', 'src')]
        : [join(codeRoot, 'refnode')]
      ).map((p) => toPosix(relative(packageRoot, p))),
      entry: toPosix(relative(packageRoot, refnodeModuleEntry())),
    },
  };
}

/** Where containers keep Node's compile cache and refnode's code cache (refnode/README.md, "Code cache"). */
const CONTAINER_COMPILE_CACHE = '/tmp/node-compile-cache';

/**
 * When nodes start from the bundle, the code cache local nodes wrote for it as a file for each
 * container (a `cache` file: docker mounts it read-only): the default image holds the same
 * bundle and the same Node binary, so a container starts as warm as a local process. Looked up
 * at each container start.
 */
function bundleCodeCache(): (() => { source: string; target: string; cache: true }[]) | undefined {
  const entry = refnodeEntry();
  if (entry === refnodeModuleEntry()) return undefined;
  const files = bundleCacheFiles(join(dirname(entry), 'refnode.cjs'));
  if (files === undefined) return undefined;
  return () => {
    const found = [files.warm, files.boot].find((f) => existsSync(f));
    if (found === undefined) return [];
    const target = posix.join(CONTAINER_COMPILE_CACHE, 'refnode', basename(found));
    return [{ source: found, target, cache: true }];
  };
}

/**
 * The cache file names of the bundle script, which hold a hash of its bytes: computed once per
 * build of it (size and modification time) rather than at every cluster's prepare.
 */
function bundleCacheFiles(script: string): { warm: string; boot: string } | undefined {
  try {
    const { size, mtimeMs } = statSync(script);
    const dir = codeCacheDir();
    const version = `${script}:${size}:${mtimeMs}:${dir}`;
    if (cacheFilesMemo?.version !== version) {
      cacheFilesMemo = { version, files: codeCacheFiles(script, readFileSync(script), dir) };
    }
    return cacheFilesMemo.files;
  } catch {
    return undefined;
  }
}
let cacheFilesMemo: { version: string; files: { warm: string; boot: string } } | undefined;

/** Formats where a peer listens as a libp2p multiaddr with its peer id. */
function multiaddr(host: string, port: number, peerId: string): string {
  const family = isIP(host) === 6 ? 'ip6' : isIP(host) === 4 ? 'ip4' : 'dns4';
  return `/${family}/${host}/tcp/${port}/p2p/${peerId}`;
}

function runGenesis(node: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      node,
      args,
      { timeout: timeoutMs, cwd: codeRoot, maxBuffer: 8 * 1024 * 1024 },
      (error, _out, err) => {
        if (error) {
          const tail = String(err).trim().split('\n').slice(-10).join('\n');
          reject(
            new AdapterError('refnode', `genesis failed (${error.message.split('\n', 1)[0]})\n${tail}`, {
              cause: error,
            }),
          );
        } else resolve();
      },
    );
  });
}

/** Parses refnode's stdout ready line: `{"event":"ready","api":"http://…",…}`. */
export function parseReadyLine(line: string): { apiUrl: string } | undefined {
  if (!line.startsWith('{') || !line.includes('"ready"')) return undefined;
  try {
    const msg = JSON.parse(line) as { event?: string; api?: string };
    return msg.event === 'ready' && typeof msg.api === 'string' ? { apiUrl: msg.api } : undefined;
  } catch {
    return undefined;
  }
}

function peerIdOf(genesis: RefnodeGenesis, node: NodeSpec): string {
  const list = node.role === 'validator' ? genesis.validators : genesis.executors;
  const entry = list.find((v) => v.nodeId === node.name);
  if (!entry) throw new AdapterError('refnode', `genesis has no ${node.role} named ${node.name}`);
  return entry.peerId;
}

/**
 * refnode's slot schedule when a cluster leaves it unset: 200 ms slots, f = 0.5, k = 6, the
 * smallest schedule refnode/README ("Finality and CPU speed") says keeps final blocks agreeing
 * across nodes on a starved 2-core machine.
 */
const DEFAULT_SLOT_MS = 200;
const DEFAULT_ACTIVE_SLOT_COEFF = 0.5;
const DEFAULT_SECURITY_PARAM = 6;

function minFeeOf(facts: ChainFacts): bigint {
  return 'flat' in facts.defaultFee ? facts.defaultFee.flat : 0n;
}

/**
 * Creates the refnode {@link ChainAdapter}: facets accounts, supply (nothing minted after
 * genesis), slots, mempool, da, bugs, gossip, clock-skew, forging, containers and
 * api-surface; finality
 * as the node reports it (k deep).
 *
 * @example
 * const definition = Cluster.of(validators(3), { adapter: refnodeAdapter() });
 */
export function refnodeAdapter(opts: RefnodeAdapterOptions = {}): ChainAdapter {
  const entry = opts.entry ?? refnodeEntry();
  const nodeBinary = opts.nodeBinary ?? process.execPath;
  const image: ImageSpec = opts.image ?? refnodeImage();
  const containerEntry = opts.containerEntry ?? posix.join('/app', image.nodeApp?.entry ?? 'refnode/main.ts');
  const clientFor =
    (chainId: string) =>
    (url: string): ChainClient =>
      new RefnodeClient(url, { ...opts.client, chainId });

  return {
    name: 'refnode',
    facets: new Set(refnodeFacets),

    checkTopology(t: ChainParams) {
      const issues: { path: string; value: unknown; allowed: string }[] = [];
      if (t.slotMs !== undefined && !(Number.isInteger(t.slotMs) && t.slotMs >= 50 && t.slotMs <= 2000))
        issues.push({ path: 'slotMs', value: t.slotMs, allowed: 'an integer 50..2000 (ms; refnode slots)' });
      if (t.blockIntervalMs !== undefined)
        issues.push({
          path: 'blockIntervalMs',
          value: t.blockIntervalMs,
          allowed: 'nothing: refnode blocks follow its slots (set slotMs and activeSlotCoeff)',
        });
      if (t.walletBalance !== undefined && t.walletBalance > BigInt(Number.MAX_SAFE_INTEGER))
        issues.push({ path: 'walletBalance', value: t.walletBalance, allowed: 'at most 2^53-1 on refnode' });
      const timeout = t.apiLimits?.requestTimeoutMs;
      if (timeout !== undefined && !(Number.isInteger(timeout) && timeout >= 1000 && timeout <= 600_000))
        issues.push({
          path: 'apiLimits.requestTimeoutMs',
          value: timeout,
          allowed: 'an integer 1000..600000 (ms; refnode api.requestTimeoutMs)',
        });
      for (const key of ['ratePerSecond', 'burst'] as const) {
        const v = t.apiLimits?.[key];
        if (v !== undefined && !(Number.isInteger(v) && v >= 1 && v <= 10_000_000))
          issues.push({
            path: `apiLimits.${key}`,
            value: v,
            allowed: 'an integer 1..10000000 (refnode api.rateLimit)',
          });
      }
      return issues;
    },

    async prepare(topology: ResolvedTopology, dir: string, seed: number): Promise<PreparedChain> {
      const args = [
        entry,
        'genesis',
        '--validators',
        String(topology.validators),
        '--executors',
        String(topology.executors),
        '--wallets',
        String(topology.wallets),
        '--out',
        dir,
        '--slot-ms',
        String(topology.slotMs ?? DEFAULT_SLOT_MS),
        '--active-slot-coeff',
        String(topology.activeSlotCoeff ?? DEFAULT_ACTIVE_SLOT_COEFF),
        '--security-param',
        String(topology.securityParam ?? DEFAULT_SECURITY_PARAM),
        '--seed',
        String(seed),
      ];
      if (topology.walletBalance !== undefined) args.push('--wallet-balance', String(topology.walletBalance));
      if (topology.chainId !== undefined) args.push('--chain-id', topology.chainId);
      if (topology.standby) args.push('--standby', String(topology.standby));
      await runGenesis(nodeBinary, args, opts.genesisTimeoutMs ?? 30_000);
      await applyLimits(
        dir,
        topology.nodes.map((node) => node.index),
        topology.limits,
      );
      const limits = await readNodeLimits(dir);

      const genesis = await readGenesis(dir);
      const walletFile = await readWallets(dir);
      const facts = factsOf(genesis);
      const fee = minFeeOf(facts);
      const wallets = walletFile.wallets.map((w) => new RefnodeWallet(genesis.chainId, w, fee));
      const makeClient = clientFor(genesis.chainId);
      const peerIds = new Map(topology.nodes.map((n) => [n.name, peerIdOf(genesis, n)]));
      // Standby validators join later; their peer ids are in genesis too.
      for (const v of genesis.validators) peerIds.set(v.nodeId, v.peerId);

      const peerIdByName = (name: string): string => peerIds.get(name) ?? '';
      const codeCache = opts.image === undefined ? bundleCodeCache() : undefined;
      const launch = (node: NodeSpec, ep: LaunchEndpoints): LaunchSpec => {
        // Links or membership: the node gets an address book (strict dialling, re-read while
        // it runs) instead of `--peers`, so whatever it learns from peers resolves to the link
        // proxy, never around it, and a node that left is never dialled again.
        const linked = ep.reachable !== undefined;
        if (linked) writeBookFile(join(dir, bookFileName(node.name)), bookContent(ep, peerIdByName));
        const peers = linked ? [] : ep.peers.map((p) => multiaddr(p.host, p.p2pPort, peerIdByName(p.name)));
        const book = linked ? [`--peers-file=${join(ep.chainDir, bookFileName(node.name))}`] : [];
        const bugs = node.bugs.flatMap((b) => ['--bug', b]);
        const runArgs = (configDir: string, dataDir: string): string[] => [
          'run',
          '--config',
          join(configDir, `node-${node.index}.json`),
          '--data-dir',
          dataDir,
          '--api-host',
          ep.bindHost,
          '--api-port',
          String(ep.apiPort),
          '--p2p-host',
          ep.bindHost,
          '--p2p-port',
          String(ep.p2pPort),
          // `=` form so an empty list (a lone node) overrides the config's genesis mesh.
          `--peers=${peers.join(',')}`,
          `--announce=${multiaddr(ep.host, ep.p2pPort, peerIds.get(node.name) ?? '')}`,
          ...book,
          ...bugs,
        ];
        return {
          process: {
            command: nodeBinary,
            args: [entry, ...runArgs(ep.chainDir, ep.dataDir)],
            env: {},
            cwd: codeRoot,
          },
          container: {
            image,
            cmd: ['node', containerEntry, ...runArgs(ep.chainDir, ep.dataDir)],
            env: { NODE_COMPILE_CACHE: CONTAINER_COMPILE_CACHE },
            apiPort: ep.apiPort,
            p2pPort: ep.p2pPort,
            dataDir: ep.dataDir,
            files: [
              { source: join(dir, 'genesis.json'), target: `${ep.chainDir}/genesis.json` },
              {
                source: join(dir, `node-${node.index}.json`),
                target: `${ep.chainDir}/node-${node.index}.json`,
              },
              ...(linked
                ? [
                    {
                      source: join(dir, bookFileName(node.name)),
                      target: `${ep.chainDir}/${bookFileName(node.name)}`,
                    },
                  ]
                : []),
              ...(codeCache?.() ?? []),
            ],
          },
          readiness: { readyLine: parseReadyLine, healthPath: '/health' },
        };
      };

      return {
        facts,
        wallets,
        nodes: topology.nodes,
        dir,
        launch,
        client: makeClient,
        forger: refnodeForger(genesis.chainId, fee, facts.supply!.genesis, limits),
        gossip: refnodeGossip(genesis.chainId),
        apiSurface: refnodeApiSurface(genesis.chainId),
        updatePeers: (node, ep, ctx) =>
          updateBook(
            join(ep.chainDir, bookFileName(node.name)),
            bookContent(ep, peerIdByName),
            ctx,
            node.name,
          ),
        membership: refnodeMembership({ nodeBinary, entry, cwd: codeRoot, dir, genesis, seed, peerIds }),
      };
    },

    async attach({ urls, chainDir }): Promise<AttachedChain> {
      if (chainDir === undefined) {
        throw new AdapterError(
          'refnode',
          'attaching needs the chain dir with genesis.json (and wallets.json for workloads): set CHAINLAB_ATTACH_DIR or the attach option chainDir',
        );
      }
      const genesis = await readGenesis(chainDir);
      const facts = factsOf(genesis);
      const fee = minFeeOf(facts);
      const makeClient = clientFor(genesis.chainId);
      let wallets: RefnodeWallet[] = [];
      try {
        const walletFile = await readWallets(chainDir);
        wallets = walletFile.wallets.map((w) => new RefnodeWallet(genesis.chainId, w, fee));
      } catch {
        // A devnet may not share its wallets: observation and matchers still work.
      }
      const nodes = await Promise.all(
        urls.map(async (url, i) => {
          const client = makeClient(url);
          try {
            const info = await client.info();
            if (info.chainId !== genesis.chainId) {
              throw new AdapterError(
                'refnode',
                `${url} runs chain ${info.chainId}, but ${chainDir}/genesis.json is chain ${genesis.chainId}`,
              );
            }
            return { name: info.nodeId, role: info.role, index: i, bugs: [], url };
          } finally {
            await client.close();
          }
        }),
      );
      return {
        facts,
        wallets,
        nodes,
        client: makeClient,
        forger: refnodeForger(genesis.chainId, fee, facts.supply!.genesis, await readNodeLimits(chainDir)),
        gossip: refnodeGossip(genesis.chainId),
        apiSurface: refnodeApiSurface(genesis.chainId),
      };
    },
  };
}
