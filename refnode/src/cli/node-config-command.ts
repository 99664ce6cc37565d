import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { keyPairFromSeed } from '../codec.ts';
import { UsageError } from '../errors.ts';
import { loadGenesis } from '../genesis.ts';
import { peerIdFromSecretKey } from '../p2p/identity.ts';
import { type FlagSpec, parseFlags } from './flags.ts';

export const nodeConfigFlags: FlagSpec[] = [
  { name: 'genesis', type: 'string', required: true, help: 'genesis.json of the chain to join' },
  {
    name: 'node-id',
    type: 'string',
    required: true,
    help: 'name of the new node (in logs, metrics and /info)',
    check: (raw) =>
      /^[A-Za-z0-9._-]{1,64}$/.test(raw) ? undefined : 'must be 1..64 chars of A-Z a-z 0-9 . _ -',
  },
  { name: 'out', type: 'string', required: true, help: 'config file to write' },
  {
    name: 'role',
    type: 'string',
    default: 'executor',
    help: 'only executor: a fresh key cannot validate (a later validator is a genesis --standby one)',
    check: (raw) =>
      raw === 'executor'
        ? undefined
        : "must be executor (a validator's key must be staked at genesis: write it with genesis --standby N and start its node-<i>.json)",
  },
  {
    name: 'seed',
    type: 'string',
    help: 'derive the key from this seed and the node id (default: a random key)',
  },
  { name: 'host', type: 'string', default: '127.0.0.1', help: 'API and p2p listen host' },
  { name: 'peers-file', type: 'string', help: 'address book the node reads (p2p.peersFile)' },
];

/**
 * `refnode node-config`: writes the config of a node that joins a running chain with a fresh
 * identity (new key and peer id, empty data dir, any free ports). It has no peers of its own:
 * give it a peers file or `--peers` to bootstrap from.
 */
export async function nodeConfigCommand(args: string[]): Promise<void> {
  const flags = parseFlags(args, nodeConfigFlags);
  const genesisFile = resolve(flags.genesis as string);
  const genesis = loadGenesis(genesisFile);
  const nodeId = flags['node-id'] as string;
  const taken = [...genesis.validators, ...genesis.executors].find((node) => node.nodeId === nodeId);
  if (taken !== undefined)
    throw new UsageError(`--node-id ${nodeId} is a genesis node's name; pick a new one`, ['--node-id']);
  const seed = flags.seed as string | undefined;
  const secretKey =
    seed === undefined
      ? randomBytes(32).toString('hex')
      : createHash('sha256').update(`refnode-node/1|${seed}|${nodeId}`).digest('hex');
  const out = resolve(flags.out as string);
  const peerId = await peerIdFromSecretKey(secretKey);
  const publicKey = keyPairFromSeed(secretKey).address;
  const host = (flags.host as string | undefined) ?? '127.0.0.1';
  const peersFile = flags['peers-file'] as string | undefined;
  const config = {
    nodeId,
    role: 'executor',
    secretKey,
    publicKey,
    peerId,
    genesisFile: relative(dirname(out), genesisFile),
    dataDir: `data/${nodeId}`,
    api: { host, port: 0 },
    p2p: { host, port: 0, peers: [], announce: [], ...(peersFile ? { peersFile: resolve(peersFile) } : {}) },
    bugs: [],
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(config, null, 2)}\n`);
  process.stdout.write(
    `${JSON.stringify({ event: 'node-config', nodeId, peerId, publicKey, config: out })}\n`,
  );
}
