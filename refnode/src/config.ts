import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type BugName, bugNames } from './bugs.ts';
import { ConfigError } from './errors.ts';

export { type BugName, bugNames } from './bugs.ts';

/** A node config file (`node-<i>.json`) after defaults, with paths resolved. */
export interface NodeConfig {
  nodeId: string;
  role: 'validator' | 'executor';
  /** 32-byte ed25519 seed, hex: signs slot proofs and blocks, and is the libp2p identity. */
  secretKey: string;
  peerId: string;
  /** Absolute path of genesis.json. */
  genesisFile: string;
  /** Absolute path of the node's data directory (sqlite database). */
  dataDir: string;
  api: {
    host: string;
    port: number;
    /** Largest accepted request body; default 1 MiB. */
    maxBodyBytes: number;
    /** Token bucket per client IP; defaults 5000/s, burst 10000. */
    rateLimit: { perSecond: number; burst: number };
    /** Most open client connections; more are closed at once. Default 1024. */
    maxConnections: number;
    /** Longest time a request's headers and body may take to arrive (else 408). Default 30000 ms. */
    requestTimeoutMs: number;
  };
  p2p: {
    host: string;
    port: number;
    peers: string[];
    announce: string[];
    /** Absolute path of the peers file (address book), or undefined: see refnode/README.md, "Address book". */
    peersFile: string | undefined;
  };
  mempool: {
    /** default 10000 */
    maxCount: number;
    /** default 8 MiB */
    maxBytes: number;
    /** Highest nonce held ahead of the account nonce; default 64. */
    maxNonceGap: number;
  };
  block: {
    /** default 4000 */
    maxTxs: number;
    /**
     * Time a proposer spends taking txs into its block, from the start of its slot; default
     * (undefined) a quarter of the slot. Under CPU starvation blocks get smaller, not late.
     */
    buildBudgetMs: number | undefined;
  };
  /** Tx admission (see refnode/README.md, "Admission and overload"). */
  admission: {
    /** Worker threads verifying signatures; default 1 (0 = on the event loop, in slices). */
    verifyWorkers: number;
    /**
     * API txs are refused `overloaded` (503 + Retry-After) while the verify backlog would keep
     * a new tx waiting longer than this; default (undefined) one slot, at most 1000 ms.
     */
    maxVerifyWaitMs: number | undefined;
    /**
     * API txs are also refused `overloaded` while the event loop runs this much late (the node
     * is short of CPU for everything, not only signatures; smoothed); default 500 ms.
     */
    maxLoopLagMs: number;
    /**
     * API txs are also refused `overloaded` while more than this many txs wait for a block: the
     * mempool's executable txs (the next block could take them) plus those awaiting their
     * signature check; default 4000, one full block at the default `block.maxTxs`.
     */
    maxPendingTxs: number;
  };
  /** Data availability (see refnode/README.md, "Data availability"). */
  da: {
    /** Largest blob payload `POST /da/blobs` accepts; default 512 KiB. */
    maxBlobBytes: number;
    /** How far from a channel's next sequence a published blob may be; default 16 (0 = exactly the next). */
    maxSequenceGap: number;
    /** Most blob certificates per block; default 128. */
    maxCertificatesPerBlock: number;
  };
  bugs: BugName[];
}

/** Command-line overrides of a config file (`run` flags). */
export interface ConfigOverrides {
  dataDir?: string;
  apiHost?: string;
  apiPort?: number;
  p2pHost?: string;
  p2pPort?: number;
  peers?: string[];
  announce?: string[];
  peersFile?: string;
  bugs?: string[];
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Reads a config file, applies defaults and CLI overrides, and validates every field at once. */
export function loadNodeConfig(file: string, overrides: ConfigOverrides = {}): NodeConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`, ['config']);
  }
  return resolveNodeConfig(raw, dirname(resolve(file)), overrides, file);
}

/** Validates a parsed config object; relative paths resolve against `baseDir`. */
export function resolveNodeConfig(
  raw: unknown,
  baseDir: string,
  overrides: ConfigOverrides = {},
  file = 'config',
): NodeConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${file}: must be a JSON object`, ['config']);
  }
  // biome-ignore lint/suspicious/noExplicitAny: untrusted JSON, every field is checked below
  const c = raw as Record<string, any>;
  const problems: string[] = [];
  const fields: string[] = [];
  const bad = (field: string, message: string, value: unknown) => {
    fields.push(field);
    problems.push(`${file}: ${field} ${message}, got ${JSON.stringify(value)}`);
  };
  const int = (field: string, value: unknown, min: number, max: number, fallback: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      bad(field, `must be an integer in ${min}..${max}`, value);
      return fallback;
    }
    return value;
  };
  const str = (field: string, value: unknown, fallback?: string): string => {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'string' || value.length === 0) {
      bad(field, 'must be a non-empty string', value);
      return fallback ?? '';
    }
    return value;
  };
  const strings = (field: string, value: unknown): string[] => {
    if (value === undefined) return [];
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
      bad(field, 'must be an array of strings', value);
      return [];
    }
    return value;
  };
  const nodeId = str('nodeId', c.nodeId);
  const role = c.role ?? 'validator';
  if (role !== 'validator' && role !== 'executor') bad('role', 'must be "validator" or "executor"', role);
  const secretKey = str('secretKey', c.secretKey);
  if (secretKey && !HEX64.test(secretKey))
    bad('secretKey', 'must be 64 lowercase hex chars', `${secretKey.slice(0, 8)}…`);
  const api = c.api ?? {};
  const p2p = c.p2p ?? {};
  const mempool = c.mempool ?? {};
  const block = c.block ?? {};
  const admission = c.admission ?? {};
  const da = c.da ?? {};
  const rateLimit = api.rateLimit ?? {};
  const optionalPath = (value: unknown): string | undefined => {
    if (value === undefined || value === null) return undefined;
    return resolve(baseDir, str('p2p.peersFile', value));
  };
  const bugs = [...strings('bugs', c.bugs), ...(overrides.bugs ?? [])];
  for (const bug of bugs) {
    if (!(bugNames as readonly string[]).includes(bug))
      bad('bugs', `entries must be one of ${bugNames.join(', ')}`, bug);
  }
  const config: NodeConfig = {
    nodeId,
    role,
    secretKey,
    peerId: typeof c.peerId === 'string' ? c.peerId : '',
    genesisFile: resolve(baseDir, str('genesisFile', c.genesisFile, 'genesis.json')),
    dataDir: resolve(baseDir, overrides.dataDir ?? str('dataDir', c.dataDir, `data/${nodeId}`)),
    api: {
      host: overrides.apiHost ?? str('api.host', api.host, '127.0.0.1'),
      port: overrides.apiPort ?? int('api.port', api.port, 0, 65535, 0),
      maxBodyBytes: int('api.maxBodyBytes', api.maxBodyBytes, 1024, 64 * 1024 * 1024, 1024 * 1024),
      rateLimit: {
        perSecond: int('api.rateLimit.perSecond', rateLimit.perSecond, 1, 10_000_000, 5000),
        burst: int('api.rateLimit.burst', rateLimit.burst, 1, 10_000_000, 10_000),
      },
      maxConnections: int('api.maxConnections', api.maxConnections, 1, 100_000, 1024),
      requestTimeoutMs: int('api.requestTimeoutMs', api.requestTimeoutMs, 1000, 600_000, 30_000),
    },
    p2p: {
      host: overrides.p2pHost ?? str('p2p.host', p2p.host, '127.0.0.1'),
      port: overrides.p2pPort ?? int('p2p.port', p2p.port, 0, 65535, 0),
      peers: overrides.peers ?? strings('p2p.peers', p2p.peers),
      announce: overrides.announce ?? strings('p2p.announce', p2p.announce),
      peersFile: optionalPath(overrides.peersFile ?? p2p.peersFile),
    },
    mempool: {
      maxCount: int('mempool.maxCount', mempool.maxCount, 1, 10_000_000, 10_000),
      maxBytes: int('mempool.maxBytes', mempool.maxBytes, 1024, 4 * 1024 * 1024 * 1024, 8 * 1024 * 1024),
      maxNonceGap: int('mempool.maxNonceGap', mempool.maxNonceGap, 0, 1_000_000, 64),
    },
    block: {
      maxTxs: int('block.maxTxs', block.maxTxs, 0, 100_000, 4000),
      buildBudgetMs:
        block.buildBudgetMs === undefined
          ? undefined
          : int('block.buildBudgetMs', block.buildBudgetMs, 1, 10_000, 0),
    },
    admission: {
      verifyWorkers: int('admission.verifyWorkers', admission.verifyWorkers, 0, 64, 1),
      maxVerifyWaitMs:
        admission.maxVerifyWaitMs === undefined
          ? undefined
          : int('admission.maxVerifyWaitMs', admission.maxVerifyWaitMs, 1, 600_000, 0),
      maxLoopLagMs: int('admission.maxLoopLagMs', admission.maxLoopLagMs, 1, 600_000, 500),
      maxPendingTxs: int('admission.maxPendingTxs', admission.maxPendingTxs, 1, 10_000_000, 4000),
    },
    da: {
      maxBlobBytes: int('da.maxBlobBytes', da.maxBlobBytes, 1, 1024 * 1024, 512 * 1024),
      maxSequenceGap: int('da.maxSequenceGap', da.maxSequenceGap, 0, 1_000_000, 16),
      maxCertificatesPerBlock: int('da.maxCertificatesPerBlock', da.maxCertificatesPerBlock, 0, 10_000, 128),
    },
    bugs: [...new Set(bugs)] as BugName[],
  };
  if (problems.length > 0) throw new ConfigError(problems.join('\n'), fields);
  return config;
}
