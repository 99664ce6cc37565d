import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { keyPairFromSeed } from '../codec.ts';
import { buildGenesis, deriveSecretKey, genesisLimits } from '../genesis.ts';
import { peerIdFromSecretKey } from '../p2p/identity.ts';
import { type FlagSpec, parseFlags } from './flags.ts';

export const genesisFlags: FlagSpec[] = [
  {
    name: 'validators',
    type: 'int',
    min: 1,
    max: 100,
    required: true,
    help: 'number of validators (val-0..)',
  },
  { name: 'executors', type: 'int', min: 0, max: 100, default: '0', help: 'number of executors (exe-0..)' },
  {
    name: 'standby',
    type: 'int',
    min: 0,
    max: 99,
    default: '0',
    help: 'validators staked at genesis that start later (val-N..; configs written last, not dialled by the others); fewer than --validators',
  },
  {
    name: 'wallets',
    type: 'int',
    min: 0,
    max: 100_000,
    default: '0',
    help: 'number of funded wallets in wallets.json',
  },
  {
    name: 'out',
    type: 'string',
    required: true,
    help: 'directory to write genesis.json, wallets.json and node-<i>.json',
  },
  {
    name: 'slot-ms',
    type: 'int',
    min: genesisLimits.slotMs.min,
    max: genesisLimits.slotMs.max,
    default: '1000',
    help: 'slot length in ms',
  },
  {
    name: 'active-slot-coeff',
    type: 'number',
    default: '0.5',
    help: 'f, chance that some validator wins a slot (0 < f ≤ 1)',
    check: (raw) => (Number(raw) > 0 && Number(raw) <= 1 ? undefined : 'must be in (0, 1]'),
  },
  {
    name: 'security-param',
    type: 'int',
    min: 1,
    max: genesisLimits.securityParam.max,
    default: '10',
    help: 'k, blocks deeper than k are final',
  },
  {
    name: 'seed',
    type: 'string',
    default: 'refnode',
    help: 'seed of every key (same seed, same keys and chain id)',
  },
  {
    name: 'base-port',
    type: 'int',
    min: 1,
    max: 65535 - 400,
    help: 'count ports up from P (api = P+2i, p2p = P+2i+1); default: free ports',
  },
  {
    name: 'genesis-time',
    type: 'int',
    min: 0,
    help: 'ms since the epoch when slot 0 starts',
    default: 'now',
  },
  { name: 'wallet-balance', type: 'int', min: 1, default: '1000000000', help: 'balance of each wallet' },
  { name: 'min-fee', type: 'int', min: 0, default: '1', help: 'smallest accepted fee' },
  {
    name: 'chain-id',
    type: 'string',
    help: 'chain id (default refnode-<8 hex of sha256(seed)>)',
    check: (raw) =>
      /^[A-Za-z0-9._-]{1,64}$/.test(raw) ? undefined : 'must be 1..64 chars of A-Z a-z 0-9 . _ -',
  },
  {
    name: 'host',
    type: 'string',
    default: '127.0.0.1',
    help: 'host written into api/p2p config and peer addresses',
  },
];

/** Free TCP ports on the host, held open together so they are distinct. */
async function freePorts(count: number, host: string): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      await new Promise<void>((ok, fail) => server.once('error', fail).listen(0, host, () => ok()));
      servers.push(server);
    }
    return servers.map((server) => (server.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((server) => new Promise((ok) => server.close(ok))));
  }
}

/** `refnode genesis`: writes genesis.json, wallets.json and node-<i>.json. */
export async function genesisCommand(args: string[]): Promise<void> {
  const flags = parseFlags(args, genesisFlags);
  const validators = flags.validators as number;
  const executors = (flags.executors as number | undefined) ?? 0;
  const standby = (flags.standby as number | undefined) ?? 0;
  const seed = (flags.seed as string | undefined) ?? 'refnode';
  const host = (flags.host as string | undefined) ?? '127.0.0.1';
  const out = resolve(flags.out as string);
  const secretKeys = [
    ...Array.from({ length: validators }, (_, i) => deriveSecretKey(seed, `validator/${i}`)),
    ...Array.from({ length: executors }, (_, i) => deriveSecretKey(seed, `executor/${i}`)),
    ...Array.from({ length: standby }, (_, i) => deriveSecretKey(seed, `validator/${validators + i}`)),
  ];
  const peerIds = new Map<string, string>();
  for (const secretKey of secretKeys) peerIds.set(secretKey, await peerIdFromSecretKey(secretKey));
  const slotMs = (flags['slot-ms'] as number | undefined) ?? 1000;
  const { genesis, wallets, nodes } = buildGenesis(
    {
      validators,
      executors,
      standby,
      wallets: (flags.wallets as number | undefined) ?? 0,
      seed,
      chainId: flags['chain-id'] as string | undefined,
      slotMs,
      activeSlotCoeff: (flags['active-slot-coeff'] as number | undefined) ?? 0.5,
      securityParam: (flags['security-param'] as number | undefined) ?? 10,
      genesisTime: (flags['genesis-time'] as number | undefined) ?? Date.now(),
      walletBalance: (flags['wallet-balance'] as number | undefined) ?? 1_000_000_000,
      minFee: (flags['min-fee'] as number | undefined) ?? 1,
    },
    (secretKey) => peerIds.get(secretKey)!,
  );
  const basePort = flags['base-port'] as number | undefined;
  const ports =
    basePort !== undefined
      ? Array.from({ length: nodes.length * 2 }, (_, i) => basePort + i)
      : await freePorts(nodes.length * 2, host);
  const addresses = nodes.map(
    (node, i) => `/ip4/${host}/tcp/${ports[2 * i + 1]}/p2p/${peerIds.get(node.secretKey)}`,
  );
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'genesis.json'), `${JSON.stringify(genesis, null, 2)}\n`);
  writeFileSync(
    join(out, 'wallets.json'),
    `${JSON.stringify({ chainId: genesis.chainId, wallets }, null, 2)}\n`,
  );
  nodes.forEach((node, i) => {
    const config = {
      nodeId: node.nodeId,
      role: node.role,
      secretKey: node.secretKey,
      publicKey: keyPairFromSeed(node.secretKey).address,
      peerId: peerIds.get(node.secretKey),
      genesisFile: 'genesis.json',
      dataDir: `data/${node.nodeId}`,
      api: {
        host,
        port: ports[2 * i],
        maxBodyBytes: 1_048_576,
        rateLimit: { perSecond: 5000, burst: 10_000 },
      },
      // Nobody dials a standby validator (it may never start); it dials the others.
      p2p: {
        host,
        port: ports[2 * i + 1],
        peers: addresses.filter((_, j) => j !== i && !nodes[j]!.standby),
        announce: [],
      },
      mempool: { maxCount: 10_000, maxBytes: 8_388_608, maxNonceGap: 64 },
      block: { maxTxs: 4000 },
      bugs: [],
    };
    writeFileSync(join(out, `node-${i}.json`), `${JSON.stringify(config, null, 2)}\n`);
  });
  process.stdout.write(
    `${JSON.stringify({ event: 'genesis', out, chainId: genesis.chainId, nodes: nodes.map((n, i) => ({ nodeId: n.nodeId, ...(n.standby ? { standby: true } : {}), config: join(out, `node-${i}.json`), api: ports[2 * i], p2p: ports[2 * i + 1] })) })}\n`,
  );
}
