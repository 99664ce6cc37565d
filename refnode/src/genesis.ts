import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { keyPairFromSeed } from './codec.ts';
import { ConfigError } from './errors.ts';

/** A validator in genesis: stake weighs its chance to win a slot. */
export interface GenesisValidator {
  nodeId: string;
  /** ed25519 public key hex (also its fee address). */
  publicKey: string;
  peerId: string;
  stake: number;
  /**
   * A standby validator: staked at genesis but started later (or never). Informational: its
   * stake counts like any other, also in the stake-majority rule.
   */
  standby?: true;
}

/** An executor in genesis: follows the chain and serves the API, never proposes. */
export interface GenesisExecutor {
  nodeId: string;
  publicKey: string;
  peerId: string;
}

/** Contents of `genesis.json` (see refnode/README.md). */
export interface Genesis {
  chainId: string;
  /** ms since the epoch at which slot 0 starts. */
  genesisTime: number;
  /** Slot length in ms, 50..2000. */
  slotMs: number;
  /** f: probability that some validator wins a slot (0 < f ≤ 1). */
  activeSlotCoeff: number;
  /** k: blocks deeper than k on the best chain are final. */
  securityParam: number;
  /** A block whose slot starts more than this many ms in the future is rejected. */
  maxDriftMs: number;
  /** 32 bytes hex mixed into every slot proof. */
  epochNonce: string;
  minFee: number;
  validators: GenesisValidator[];
  executors: GenesisExecutor[];
  accounts: Record<string, number>;
  totalSupply: number;
}

/** Deterministic 32-byte seed (hex) for one key of a genesis set. */
export function deriveSecretKey(seed: string, label: string): string {
  return createHash('sha256').update(`refnode-genesis/1|${seed}|${label}`).digest('hex');
}

/** Limits of genesis parameters, shared by the CLI and the loader. */
export const genesisLimits = {
  slotMs: { min: 50, max: 2000 },
  activeSlotCoeff: { min: 0, max: 1 },
  securityParam: { min: 1, max: 10_000 },
} as const;

/** Options to build a genesis set. Defaults as in the CLI help. */
export interface GenesisParams {
  validators: number;
  /** Validators staked at genesis that start later (`val-<validators>`…); default 0. */
  standby?: number;
  executors: number;
  wallets: number;
  seed: string;
  chainId?: string;
  slotMs: number;
  activeSlotCoeff: number;
  securityParam: number;
  genesisTime: number;
  walletBalance: number;
  minFee: number;
}

/** A wallet in `wallets.json`. */
export interface Wallet {
  index: number;
  address: string;
  secretKey: string;
  balance: number;
}

/** A node key of the genesis set, before peer ids and ports are attached. */
export interface GenesisNodeKey {
  nodeId: string;
  role: 'validator' | 'executor';
  /** A standby validator (configs of the other nodes do not dial it). */
  standby?: true;
  secretKey: string;
  publicKey: string;
}

/** Builds genesis, wallets and node keys deterministically from the seed (peer ids filled by the caller). */
export function buildGenesis(
  params: GenesisParams,
  peerIds: (secretKey: string) => string,
): { genesis: Genesis; wallets: Wallet[]; nodes: GenesisNodeKey[] } {
  const chainId =
    params.chainId ?? `refnode-${createHash('sha256').update(params.seed).digest('hex').slice(0, 8)}`;
  const nodes: GenesisNodeKey[] = [];
  for (let i = 0; i < params.validators; i++) {
    const secretKey = deriveSecretKey(params.seed, `validator/${i}`);
    nodes.push({
      nodeId: `val-${i}`,
      role: 'validator',
      secretKey,
      publicKey: keyPairFromSeed(secretKey).address,
    });
  }
  for (let i = 0; i < params.executors; i++) {
    const secretKey = deriveSecretKey(params.seed, `executor/${i}`);
    nodes.push({
      nodeId: `exe-${i}`,
      role: 'executor',
      secretKey,
      publicKey: keyPairFromSeed(secretKey).address,
    });
  }
  // Standby validators go last, so the nodes that start keep their indexes (node-<i>.json).
  const standby = params.standby ?? 0;
  if (standby >= params.validators) {
    throw new ConfigError(
      `--standby ${standby}: the ${params.validators} validators that start must hold more than half of the stake, or no block is ever proposed; use --standby 0..${params.validators - 1}`,
      ['standby'],
    );
  }
  for (let i = params.validators; i < params.validators + standby; i++) {
    const secretKey = deriveSecretKey(params.seed, `validator/${i}`);
    nodes.push({
      nodeId: `val-${i}`,
      role: 'validator',
      standby: true,
      secretKey,
      publicKey: keyPairFromSeed(secretKey).address,
    });
  }
  const wallets: Wallet[] = [];
  const accounts: Record<string, number> = {};
  for (let i = 0; i < params.wallets; i++) {
    const secretKey = deriveSecretKey(params.seed, `wallet/${i}`);
    const { address } = keyPairFromSeed(secretKey);
    wallets.push({ index: i, address, secretKey, balance: params.walletBalance });
    accounts[address] = (accounts[address] ?? 0) + params.walletBalance;
  }
  const totalSupply = Object.values(accounts).reduce((sum, balance) => sum + balance, 0);
  if (!Number.isSafeInteger(totalSupply)) {
    throw new ConfigError(`total supply ${totalSupply} exceeds 2^53; lower --wallet-balance or --wallets`, [
      'walletBalance',
    ]);
  }
  const genesis: Genesis = {
    chainId,
    genesisTime: params.genesisTime,
    slotMs: params.slotMs,
    activeSlotCoeff: params.activeSlotCoeff,
    securityParam: params.securityParam,
    maxDriftMs: Math.max(params.slotMs, 500),
    epochNonce: createHash('sha256').update(`refnode-epoch/1|${params.seed}|${chainId}`).digest('hex'),
    minFee: params.minFee,
    validators: nodes
      .filter((node) => node.role === 'validator')
      .map((node) => ({
        nodeId: node.nodeId,
        publicKey: node.publicKey,
        peerId: peerIds(node.secretKey),
        stake: 100,
        ...(node.standby ? { standby: true as const } : {}),
      })),
    executors: nodes
      .filter((node) => node.role === 'executor')
      .map((node) => ({ nodeId: node.nodeId, publicKey: node.publicKey, peerId: peerIds(node.secretKey) })),
    accounts,
    totalSupply,
  };
  return { genesis, wallets, nodes };
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Reads and validates a genesis file; every problem names the field and the bad value. */
export function loadGenesis(file: string): Genesis {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`cannot read genesis file ${file}: ${(error as Error).message}`, ['genesisFile']);
  }
  return validateGenesis(raw, file);
}

/** Validates parsed genesis JSON and returns it with fields in a fixed order (its hash depends on it). */
export function validateGenesis(raw: unknown, file = 'genesis'): Genesis {
  const problems: string[] = [];
  const fields: string[] = [];
  const bad = (field: string, message: string) => {
    fields.push(field);
    problems.push(`${file}: ${field} ${message}`);
  };
  if (typeof raw !== 'object' || raw === null)
    throw new ConfigError(`${file}: not a JSON object`, ['genesis']);
  const g = raw as Record<string, unknown>;
  const num = (field: string, min: number, max: number, integer: boolean): number => {
    const value = g[field];
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      (integer && !Number.isSafeInteger(value)) ||
      value < min ||
      value > max
    ) {
      bad(
        field,
        `must be ${integer ? 'an integer' : 'a number'} in ${min}..${max}, got ${JSON.stringify(value)}`,
      );
      return min;
    }
    return value;
  };
  if (typeof g.chainId !== 'string' || g.chainId.length === 0 || g.chainId.length > 64) {
    bad('chainId', `must be a string of 1..64 chars, got ${JSON.stringify(g.chainId)}`);
  }
  const genesisTime = num('genesisTime', 0, Number.MAX_SAFE_INTEGER, true);
  const slotMs = num('slotMs', genesisLimits.slotMs.min, genesisLimits.slotMs.max, true);
  const activeSlotCoeff = num('activeSlotCoeff', Number.MIN_VALUE, 1, false);
  const securityParam = num('securityParam', 1, genesisLimits.securityParam.max, true);
  const maxDriftMs = num('maxDriftMs', 0, 3_600_000, true);
  const minFee = num('minFee', 0, Number.MAX_SAFE_INTEGER, true);
  const totalSupply = num('totalSupply', 0, Number.MAX_SAFE_INTEGER, true);
  if (typeof g.epochNonce !== 'string' || !HEX64.test(g.epochNonce))
    bad('epochNonce', 'must be 64 hex chars');
  const validators: GenesisValidator[] = [];
  if (!Array.isArray(g.validators) || g.validators.length === 0)
    bad('validators', 'must be a non-empty array');
  else {
    g.validators.forEach((v: Record<string, unknown>, i: number) => {
      if (typeof v?.nodeId !== 'string' || typeof v.publicKey !== 'string' || !HEX64.test(v.publicKey)) {
        bad(`validators[${i}]`, 'needs nodeId and publicKey (64 hex chars)');
      } else if (typeof v.stake !== 'number' || !(v.stake > 0) || !Number.isSafeInteger(v.stake)) {
        bad(`validators[${i}].stake`, `must be a positive integer, got ${JSON.stringify(v.stake)}`);
      } else {
        validators.push({
          nodeId: v.nodeId,
          publicKey: v.publicKey,
          peerId: String(v.peerId ?? ''),
          stake: v.stake,
          // Kept only when set, so genesis files without standby validators hash as before.
          ...(v.standby === true ? { standby: true as const } : {}),
        });
      }
    });
  }
  const executors: GenesisExecutor[] = [];
  if (g.executors !== undefined && !Array.isArray(g.executors)) bad('executors', 'must be an array');
  for (const [i, e] of ((g.executors as Record<string, unknown>[] | undefined) ?? []).entries()) {
    if (typeof e?.nodeId !== 'string' || typeof e.publicKey !== 'string' || !HEX64.test(e.publicKey)) {
      bad(`executors[${i}]`, 'needs nodeId and publicKey (64 hex chars)');
    } else executors.push({ nodeId: e.nodeId, publicKey: e.publicKey, peerId: String(e.peerId ?? '') });
  }
  const accounts: Record<string, number> = {};
  let sum = 0;
  if (typeof g.accounts !== 'object' || g.accounts === null)
    bad('accounts', 'must be an object of address → balance');
  else {
    for (const [address, balance] of Object.entries(g.accounts)) {
      if (!HEX64.test(address)) bad(`accounts.${address}`, 'address must be 64 hex chars');
      else if (typeof balance !== 'number' || !Number.isSafeInteger(balance) || balance < 0) {
        bad(`accounts.${address}`, `balance must be a non-negative integer, got ${JSON.stringify(balance)}`);
      } else {
        accounts[address] = balance;
        sum += balance;
      }
    }
  }
  if (problems.length === 0 && sum !== totalSupply)
    bad('totalSupply', `is ${totalSupply} but accounts sum to ${sum}`);
  if (problems.length > 0) throw new ConfigError(problems.join('\n'), fields);
  return {
    chainId: g.chainId as string,
    genesisTime,
    slotMs,
    activeSlotCoeff,
    securityParam,
    maxDriftMs,
    epochNonce: g.epochNonce as string,
    minFee,
    validators,
    executors,
    accounts,
    totalSupply,
  };
}

/** Hash of the genesis block (height 0): sha256 of the normalized genesis JSON. */
export function genesisHash(genesis: Genesis): string {
  return createHash('sha256')
    .update(`refnode-genesis/1|${JSON.stringify(genesis)}`)
    .digest('hex');
}
