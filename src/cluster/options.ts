/**
 * Cluster options: the schema, defaults and the environment (`CHAINLAB_DEPLOYER`,
 * `CHAINLAB_ATTACH_URLS`, `CHAINLAB_ATTACH_DIR`), validated up front so a bad option fails
 * with one `ConfigError` naming every problem before anything starts.
 */
import { z } from 'zod';
import { defaultAdapter } from '../adapter/default-adapter.ts';
import type {
  ChainAdapter,
  ChainParams,
  FacetName,
  NodeLimits,
  NodeSpec,
  ResolvedTopology,
  TopologyShape,
} from '../adapter/types.ts';
import { type K8sOptions, type ResolvedK8sOptions, resolveK8sOptions } from '../deployers/k8s/k8s-options.ts';
import type { ConfigIssue } from '../support/errors.ts';
import { MAX_SEED } from '../support/rng.ts';
import { type AllowedText, parseOptions, throwIfIssues } from '../support/validate.ts';
import {
  type ClockSetting,
  type ClockSkewOptions,
  clockSkewAllowed,
  clockSkewSchema,
  settingsOf,
  unknownClockNodes,
} from './clock-offset.ts';
import type { ReadyStrategy } from './ready.ts';
import type { DeployerName } from './types.ts';

/** Options of a cluster definition. Every field is optional; defaults are listed. */
export interface ClusterOptions {
  /** Validators (block producers). Default 3; 1..16. */
  validators?: number;
  /** Executors (DA nodes, no block production). Default 0; 0..16. */
  executors?: number;
  /** Who dials whom at start: `mesh` (everyone) or `star` (everyone dials val-0). Default `mesh`. */
  shape?: TopologyShape;
  /** Wallets funded at genesis (workloads send from these). Default 20; 0..10 000. */
  wallets?: number;
  /** Balance per wallet, in the chain's smallest unit. Default: the chain's default. */
  walletBalance?: bigint | number;
  /**
   * Target block interval in ms for chains whose block production the test drives (a
   * seeded mining lottery). Default: the adapter's. Chains with slots refuse it.
   */
  blockIntervalMs?: number;
  /** Slot duration in ms (facet `slots`). Default: the adapter's (refnode 200; 50..2000). */
  slotMs?: number;
  /** Active slot coefficient f: chance a slot has a leader (facet `slots`). Default: the adapter's (refnode 0.5); 0 < f ≤ 1. */
  activeSlotCoeff?: number;
  /** Security parameter k: finality depth. Default: the adapter's (refnode 6); 1..1000. */
  securityParam?: number;
  /** Chain id. Default: derived from the seed by the adapter. */
  chainId?: string;
  /** Deliberate faults per node name (facet `bugs`), e.g. `{ 'val-1': ['no-sync'] }`. */
  bugs?: Record<string, string[]>;
  /**
   * Mempool bounds per node (facet `mempool`). Default: the chain's (refnode: 10 000 txs, 8 MiB).
   * Small bounds make pressure reachable in CI. On refnode a `maxCount` above 4000 also raises its
   * `admission.maxPendingTxs` to it, so the API can fill the mempool.
   */
  mempool?: { maxCount?: number; maxBytes?: number };
  /** Most txs a validator puts in one block (facet `mempool`). Default: the chain's (refnode: 4000). */
  maxBlockTxs?: number;
  /**
   * Run every node with a skewable wall clock (facet `clock-skew`, deployer capability
   * `clock-skew`), starting at these per-node offsets and jitter; `clockSkew: {}` starts
   * them unskewed. Only then can `node.setClockOffset()` and the `clockSkew` chaos change
   * clocks at run time. With `membership`, nodes that join later run the same way: they
   * may be named here too (standby validators `val-<n>`, fresh executors under their default
   * names `exe-<n>`), and a joiner not named starts unskewed. Default: clocks untouched
   * (no libfaketime).
   * @example { offsets: { 'val-1': '+1s', 'exe-0': '-1s' }, jitter: { 'val-2': '±200ms' } }
   */
  clockSkew?: ClockSkewOptions;
  /**
   * Every node's API limits (facet `api-surface`): requests per second one client (IP) may
   * make and the burst above it, and how long a request may take to arrive. Default: the
   * chain's (refnode: 5000/s, burst 10 000, 30 000 ms). Low limits make an API flood's
   * excess visible in CI.
   */
  apiLimits?: { ratePerSecond?: number; burst?: number; requestTimeoutMs?: number };
  /** Seed of every random choice. Default: `CHAINLAB_SEED`, else random (printed on failure). */
  seed?: number;
  /** Deployer. Default: `CHAINLAB_DEPLOYER`, else `local`. */
  deployer?: DeployerName;
  /** For the `attach` deployer. Default: `CHAINLAB_ATTACH_URLS` (comma-separated) and `CHAINLAB_ATTACH_DIR`. */
  attach?: { urls: string[]; chainDir?: string };
  /** For the `k8s` deployer: kubeconfig context, image, storage, API access (see docs/KUBERNETES.md). Default: `CHAINLAB_K8S_*`. */
  k8s?: K8sOptions;
  /** Time for every node to start and the `ready` strategy to pass. Default 60 000 ms. */
  startTimeoutMs?: number;
  /** Graceful stop delay before SIGKILL. Default 5000 ms. */
  stopGraceMs?: number;
  /** When the cluster counts as ready. Default: every node serves and has ≥ 1 peer. */
  ready?: ReadyStrategy;
  /** The chain. Default: the default adapter (src/adapter/default-adapter.ts: refnode). */
  adapter?: ChainAdapter;
  /** Observation sampling period in ms. Default: the observer's default. */
  sampleEveryMs?: number;
  /**
   * Route every node-to-node connection through chainlab's link proxy, one link per
   * direction, so `cluster.links` can delay, throttle and cut single links (local, docker and k8s
   * deployers). Default false: nodes dial each other directly.
   */
  links?: boolean;
  /** Name for logs and dirs. Default `cluster`. */
  name?: string;
  /**
   * Dynamic membership: nodes join (`cluster.addNode`) and leave for good
   * (`cluster.removeNode`) at run time, and every node is told its peers as they do. With
   * `links: true` a joiner gets a link to and from every present node; with `clockSkew` it
   * gets a skewable clock. `standby`: validators staked at genesis that join later (default
   * 0; fewer than `validators`). Default: off. Local and docker deployers.
   */
  membership?: { standby?: number };
}

/** Options after defaults and environment were applied. */
export interface ResolvedClusterOptions {
  topology: ResolvedTopology;
  seed: number | undefined;
  deployer: DeployerName;
  attach: { urls: string[]; chainDir: string | undefined } | undefined;
  /** Resolved `k8s` options when the deployer is `k8s` (or the option was given). */
  k8s: ResolvedK8sOptions | undefined;
  startTimeoutMs: number;
  stopGraceMs: number;
  ready: ReadyStrategy | undefined;
  adapter: ChainAdapter;
  sampleEveryMs: number | undefined;
  links: boolean;
  name: string;
  /** Every node's starting clock (skewed or not) when `clockSkew` was given, else undefined. */
  clockSkew: ReadonlyMap<string, ClockSetting> | undefined;
  /** Set when the cluster has dynamic membership (see `ClusterOptions.membership`). */
  membership?: { standby: number };
}

/** What each option allows, used in `ConfigError` messages. */
export const clusterOptionsAllowed: AllowedText = {
  validators: 'an integer 1..16',
  executors: 'an integer 0..16',
  shape: `'mesh' or 'star'`,
  wallets: 'an integer 0..10000',
  walletBalance: 'an integer ≥ 1 (number or bigint)',
  blockIntervalMs: 'an integer 1..3600000 (ms)',
  slotMs: 'an integer 1..3600000 (ms; the adapter may allow less)',
  activeSlotCoeff: 'a number with 0 < f ≤ 1',
  securityParam: 'an integer 1..1000',
  chainId: 'a string of 1..64 letters, digits, - or _',
  bugs: 'an object { [node name]: string[] }',
  'mempool.maxCount': 'an integer 1..1000000',
  'mempool.maxBytes': 'an integer 1024..1073741824 (bytes)',
  'mempool.*': 'one of maxCount, maxBytes',
  mempool: 'an object { maxCount?, maxBytes? }',
  maxBlockTxs: 'an integer 1..100000',
  ...clockSkewAllowed('clockSkew'),
  'apiLimits.ratePerSecond': 'an integer ≥ 1 (requests per second per client)',
  'apiLimits.burst': 'an integer ≥ 1 (requests)',
  'apiLimits.requestTimeoutMs': 'an integer ≥ 1 (ms; the adapter may allow less)',
  'apiLimits.*': 'one of ratePerSecond, burst, requestTimeoutMs',
  apiLimits: 'an object { ratePerSecond?, burst?, requestTimeoutMs? }',
  seed: `an integer 0..${MAX_SEED}`,
  deployer: `'local', 'docker', 'k8s' or 'attach'`,
  'attach.urls': 'a non-empty list of http(s) URLs',
  'attach.chainDir': 'a directory path',
  startTimeoutMs: 'an integer 1000..600000 (ms)',
  stopGraceMs: 'an integer 0..60000 (ms)',
  ready: 'a Ready strategy (Ready.forPeers(1), …)',
  adapter: 'a ChainAdapter ({ name, facets, prepare, attach })',
  sampleEveryMs: 'an integer 50..60000 (ms)',
  links: 'true or false',
  name: 'a string of 1..40 letters, digits, - or _',
  membership: 'an object { standby? }',
  'membership.standby':
    'an integer 0..15, fewer than validators (the validators that start must hold most of the stake)',
  'membership.*': 'standby',
  '*': 'one of validators, executors, shape, wallets, walletBalance, blockIntervalMs, slotMs, activeSlotCoeff, securityParam, chainId, bugs, mempool, maxBlockTxs, clockSkew, apiLimits, links, membership, seed, deployer, attach, k8s, startTimeoutMs, stopGraceMs, ready, adapter, sampleEveryMs, name',
};

const deployers = ['local', 'docker', 'k8s', 'attach'] as const;

const schema = z.strictObject({
  validators: z.int().min(1).max(16).default(3),
  executors: z.int().min(0).max(16).default(0),
  shape: z.enum(['mesh', 'star']).default('mesh'),
  wallets: z.int().min(0).max(10_000).default(20),
  walletBalance: z
    .union([z.int().min(1).max(Number.MAX_SAFE_INTEGER), z.bigint().min(1n)])
    .transform((v) => BigInt(v))
    .optional(),
  blockIntervalMs: z.int().min(1).max(3_600_000).optional(),
  slotMs: z.int().min(1).max(3_600_000).optional(),
  activeSlotCoeff: z.number().gt(0).lte(1).optional(),
  securityParam: z.int().min(1).max(1000).optional(),
  chainId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
  bugs: z.record(z.string(), z.array(z.string().min(1))).default({}),
  mempool: z
    .strictObject({
      maxCount: z.int().min(1).max(1_000_000).optional(),
      maxBytes: z.int().min(1024).max(1_073_741_824).optional(),
    })
    .optional(),
  maxBlockTxs: z.int().min(1).max(100_000).optional(),
  clockSkew: clockSkewSchema.optional(),
  apiLimits: z
    .strictObject({
      ratePerSecond: z.int().min(1).optional(),
      burst: z.int().min(1).optional(),
      requestTimeoutMs: z.int().min(1).optional(),
    })
    .optional(),
  seed: z.int().min(0).max(MAX_SEED).optional(),
  deployer: z.enum(deployers).optional(),
  attach: z
    .strictObject({
      urls: z.array(z.url({ protocol: /^https?$/ })).min(1),
      chainDir: z.string().min(1).optional(),
    })
    .optional(),
  // validated by resolveK8sOptions, which also reads CHAINLAB_K8S_*
  k8s: z.unknown().optional(),
  startTimeoutMs: z.int().min(1000).max(600_000).default(60_000),
  stopGraceMs: z.int().min(0).max(60_000).default(5000),
  ready: z.custom<ReadyStrategy>((v) => typeof v === 'object' && v !== null && 'wait' in v).optional(),
  adapter: z.custom<ChainAdapter>(isAdapter).default(() => defaultAdapter()),
  sampleEveryMs: z.int().min(50).max(60_000).optional(),
  links: z.boolean().default(false),
  name: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/)
    .default('cluster'),
  membership: z.strictObject({ standby: z.int().min(0).max(15).default(0) }).optional(),
});

/** Node names: validators `val-0..`, executors `exe-0..` (validators first). */
export function nodeSpecs(validators: number, executors: number, bugs: Record<string, string[]>): NodeSpec[] {
  const out: NodeSpec[] = [];
  for (let i = 0; i < validators; i++) {
    out.push({ name: `val-${i}`, role: 'validator', index: i, bugs: bugs[`val-${i}`] ?? [] });
  }
  for (let i = 0; i < executors; i++) {
    const name = `exe-${i}`;
    out.push({ name, role: 'executor', index: validators + i, bugs: bugs[name] ?? [] });
  }
  return out;
}

/** Who dials whom: mesh = every other node; star = every node dials the first validator. */
export function dialPlan(nodes: readonly NodeSpec[], shape: TopologyShape): Record<string, string[]> {
  const hub = nodes[0]?.name;
  const out: Record<string, string[]> = {};
  for (const n of nodes) {
    if (shape === 'mesh') out[n.name] = nodes.filter((m) => m.name !== n.name).map((m) => m.name);
    else out[n.name] = hub === undefined || hub === n.name ? [] : [hub];
  }
  return out;
}

/** Reads `CHAINLAB_DEPLOYER` / `CHAINLAB_ATTACH_URLS` / `CHAINLAB_ATTACH_DIR`. */
function fromEnv(env: NodeJS.ProcessEnv): {
  deployer?: unknown;
  attach?: { urls: string[]; chainDir?: string };
} {
  const out: { deployer?: unknown; attach?: { urls: string[]; chainDir?: string } } = {};
  if (env.CHAINLAB_DEPLOYER !== undefined && env.CHAINLAB_DEPLOYER !== '')
    out.deployer = env.CHAINLAB_DEPLOYER;
  if (env.CHAINLAB_ATTACH_URLS !== undefined && env.CHAINLAB_ATTACH_URLS !== '') {
    out.attach = { urls: env.CHAINLAB_ATTACH_URLS.split(',').map((u) => u.trim()) };
    if (env.CHAINLAB_ATTACH_DIR) out.attach.chainDir = env.CHAINLAB_ATTACH_DIR;
  }
  return out;
}

/**
 * Validates options and applies defaults and the environment. Throws one `ConfigError`
 * listing every problem (options first, then environment variables).
 */
export function resolveClusterOptions(
  input: ClusterOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedClusterOptions {
  const issues: ConfigIssue[] = [];
  let parsed: z.output<typeof schema> | undefined;
  try {
    parsed = parseOptions(schema, input ?? {}, 'cluster options', clusterOptionsAllowed);
  } catch (error) {
    issues.push(...(error as { issues: ConfigIssue[] }).issues);
  }

  const envOpts = fromEnv(env);
  let deployer: DeployerName = 'local';
  const explicit = input?.deployer ?? envOpts.deployer;
  if (explicit !== undefined) {
    if ((deployers as readonly unknown[]).includes(explicit)) deployer = explicit as DeployerName;
    else if (input?.deployer === undefined) {
      issues.push({ path: 'CHAINLAB_DEPLOYER', value: explicit, allowed: clusterOptionsAllowed.deployer! });
    }
  }
  const attachIn = input?.attach ?? envOpts.attach;
  if (deployer === 'attach' && attachIn === undefined) {
    issues.push({
      path: 'attach.urls',
      value: undefined,
      allowed: 'the attach deployer needs node API URLs: set CHAINLAB_ATTACH_URLS or the attach option',
    });
  }
  if (input?.attach === undefined && envOpts.attach !== undefined && deployer === 'attach') {
    for (const [i, u] of envOpts.attach.urls.entries()) {
      if (!/^https?:\/\/[^/\s]+/.test(u)) {
        issues.push({ path: `CHAINLAB_ATTACH_URLS[${i}]`, value: u, allowed: 'an http(s) URL' });
      }
    }
  }

  let k8s: ResolvedK8sOptions | undefined;
  if (deployer === 'k8s' || input?.k8s !== undefined) {
    const resolved = resolveK8sOptions(input?.k8s, deployer === 'k8s' ? env : {});
    issues.push(...resolved.issues);
    k8s = resolved.options;
  }

  // The chain's own ranges, checked on what was given even when other options are bad.
  const adapter = isAdapter(input?.adapter) ? input.adapter : defaultAdapter();
  issues.push(...(adapter.checkTopology?.(chainParamsOf(input ?? {})) ?? []));
  if (parsed !== undefined) {
    const nodes = nodeSpecs(parsed.validators, parsed.executors, parsed.bugs);
    const names = new Set(nodes.map((n) => n.name));
    for (const name of Object.keys(parsed.bugs)) {
      if (!names.has(name)) {
        issues.push({
          path: `bugs.${name}`,
          value: parsed.bugs[name],
          allowed: `a node of this cluster: ${[...names].join(', ')}`,
        });
      }
    }
    if (parsed.clockSkew !== undefined) {
      const joiners = joinerNames(parsed);
      const named = [...settingsOf(parsed.clockSkew).keys()];
      const known = new Set([...names, ...named.filter(joiners.accepts)]);
      for (const u of unknownClockNodes(input.clockSkew ?? {}, known, 'clockSkew'))
        issues.push({ ...u, allowed: `a node of this cluster: ${[...names].join(', ')}${joiners.text}` });
      if (deployer === 'attach')
        issues.push({
          path: 'clockSkew',
          value: input.clockSkew,
          allowed: 'nothing with the attach deployer: attached nodes are observed only (use local or docker)',
        });
    }
    issues.push(...membershipIssues(parsed, deployer));
  }
  issues.push(...facetIssues(input ?? {}, adapter, deployer));
  throwIfIssues('cluster options', issues);
  const p = parsed!;
  const topology = topologyOf(p);
  return {
    topology,
    seed: p.seed,
    deployer,
    attach: attachIn === undefined ? undefined : { urls: attachIn.urls, chainDir: attachIn.chainDir },
    k8s,
    startTimeoutMs: p.startTimeoutMs,
    stopGraceMs: p.stopGraceMs,
    ready: p.ready,
    adapter: p.adapter,
    sampleEveryMs: p.sampleEveryMs,
    links: p.links,
    name: p.name,
    clockSkew: p.clockSkew === undefined ? undefined : clockSettings(p.clockSkew, topology),
    ...(p.membership === undefined ? {} : { membership: { standby: p.membership.standby } }),
  };
}

/**
 * A starting clock for every node: the ones the option names (nodes that join later too),
 * the rest unskewed.
 */
function clockSettings(
  parsed: z.output<typeof clockSkewSchema>,
  topology: ResolvedTopology,
): ReadonlyMap<string, ClockSetting> {
  const named = settingsOf(parsed);
  const unskewed: ClockSetting = { offsetMs: 0, jitterMs: 0, everyMs: parsed.jitterEvery };
  return new Map([...topology.nodes.map((n): [string, ClockSetting] => [n.name, unskewed]), ...named]);
}

/**
 * Names of nodes that may join a cluster with `membership` (options such as `clockSkew`
 * may name them): the standby validators, and fresh executors under their default names.
 */
function joinerNames(p: z.output<typeof schema>): { accepts(name: string): boolean; text: string } {
  if (p.membership === undefined) return { accepts: () => false, text: '' };
  const standby = Array.from({ length: p.membership.standby }, (_, j) => `val-${p.validators + j}`);
  return {
    accepts: (name) => {
      if (standby.includes(name)) return true;
      const m = /^exe-(\d+)$/.exec(name);
      return m !== null && Number(m[1]) >= p.executors;
    },
    text: `, or one that joins: ${standby.length > 0 ? `${standby.join(', ')} (standby), ` : ''}exe-<n> for n ≥ ${p.executors}`,
  };
}

/** Membership needs standby validators to be a minority and a deployer that can add and remove nodes. */
function membershipIssues(p: z.output<typeof schema>, deployer: DeployerName): ConfigIssue[] {
  if (p.membership === undefined) return [];
  const issues: ConfigIssue[] = [];
  if (p.membership.standby >= p.validators)
    issues.push({
      path: 'membership.standby',
      value: p.membership.standby,
      allowed: `0..${p.validators - 1}: fewer than validators (${p.validators}), whose stake must finalize while the standby ones are away`,
    });
  if (deployer !== 'local' && deployer !== 'docker')
    issues.push({
      path: 'membership',
      value: p.membership,
      allowed: `nothing with the ${deployer} deployer: nodes join and leave at run time on the local and docker deployers`,
    });
  return issues;
}

function isAdapter(v: unknown): v is ChainAdapter {
  return typeof v === 'object' && v !== null && 'prepare' in v && 'name' in v && 'facets' in v;
}

/** The chain parameters as given (numbers only; zod reports other types). */
function chainParamsOf(input: ClusterOptions): ChainParams {
  const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
  const out: ChainParams = {};
  for (const key of [
    'validators',
    'executors',
    'blockIntervalMs',
    'slotMs',
    'activeSlotCoeff',
    'securityParam',
  ] as const) {
    const v = num(input[key]);
    if (v !== undefined) out[key] = v;
  }
  const b = input.walletBalance;
  if (typeof b === 'bigint' || (typeof b === 'number' && Number.isInteger(b))) out.walletBalance = BigInt(b);
  const api = input.apiLimits;
  if (typeof api === 'object' && api !== null) {
    const limits: NonNullable<ChainParams['apiLimits']> = {};
    for (const key of ['ratePerSecond', 'burst', 'requestTimeoutMs'] as const) {
      const v = num(api[key]);
      if (v !== undefined) limits[key] = v;
    }
    out.apiLimits = limits;
  }
  const limits: NodeLimits = {};
  const m = typeof input.mempool === 'object' && input.mempool !== null ? input.mempool : {};
  const maxCount = num(m.maxCount);
  const maxBytes = num(m.maxBytes);
  const maxTxs = num(input.maxBlockTxs);
  if (maxCount !== undefined) limits.mempoolMaxCount = maxCount;
  if (maxBytes !== undefined) limits.mempoolMaxBytes = maxBytes;
  if (maxTxs !== undefined) limits.blockMaxTxs = maxTxs;
  if (Object.keys(limits).length > 0) out.limits = limits;
  return out;
}

/**
 * Options that need a facet the adapter does not offer: each names the option, the value
 * and the missing facet. Read from the options as given, so they are reported together
 * with every other bad option, before anything starts.
 */
function facetIssues(input: ClusterOptions, adapter: ChainAdapter, deployer: DeployerName): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const need = (path: string, value: unknown, facet: FacetName): void => {
    if (!adapter.facets.has(facet))
      issues.push({ path, value, allowed: `nothing: the ${adapter.name} adapter has no \`${facet}\` facet` });
  };
  const bugs = typeof input.bugs === 'object' && input.bugs !== null ? input.bugs : {};
  if (Object.keys(bugs).length > 0) need('bugs', bugs, 'bugs');
  if (adapter.bugs !== undefined && adapter.facets.has('bugs')) {
    for (const [node, list] of Object.entries(bugs))
      for (const [i, bug] of (Array.isArray(list) ? list : []).entries())
        if (!adapter.bugs.includes(bug))
          issues.push({
            path: `bugs.${node}[${i}]`,
            value: bug,
            allowed: `one of ${adapter.bugs.join(', ')}`,
          });
  }
  if (input.mempool !== undefined) need('mempool', input.mempool, 'mempool');
  if (input.maxBlockTxs !== undefined) need('maxBlockTxs', input.maxBlockTxs, 'mempool');
  if (input.apiLimits !== undefined) need('apiLimits', input.apiLimits, 'api-surface');
  if (input.slotMs !== undefined) need('slotMs', input.slotMs, 'slots');
  if (input.activeSlotCoeff !== undefined) need('activeSlotCoeff', input.activeSlotCoeff, 'slots');
  if (input.clockSkew !== undefined) need('clockSkew', input.clockSkew, 'clock-skew');
  if (deployer === 'docker') need('deployer', deployer, 'containers');
  return issues;
}

function topologyOf(p: z.output<typeof schema>): ResolvedTopology {
  const nodes = nodeSpecs(p.validators, p.executors, p.bugs);
  return {
    validators: p.validators,
    executors: p.executors,
    shape: p.shape,
    wallets: p.wallets,
    walletBalance: p.walletBalance,
    blockIntervalMs: p.blockIntervalMs,
    slotMs: p.slotMs,
    activeSlotCoeff: p.activeSlotCoeff,
    securityParam: p.securityParam,
    chainId: p.chainId,
    nodes,
    dials: dialPlan(nodes, p.shape),
    limits: {
      ...(p.mempool?.maxCount === undefined ? {} : { mempoolMaxCount: p.mempool.maxCount }),
      ...(p.mempool?.maxBytes === undefined ? {} : { mempoolMaxBytes: p.mempool.maxBytes }),
      ...(p.maxBlockTxs === undefined ? {} : { blockMaxTxs: p.maxBlockTxs }),
      ...(p.apiLimits?.ratePerSecond === undefined ? {} : { apiRatePerSecond: p.apiLimits.ratePerSecond }),
      ...(p.apiLimits?.burst === undefined ? {} : { apiRateBurst: p.apiLimits.burst }),
      ...(p.apiLimits?.requestTimeoutMs === undefined
        ? {}
        : { apiRequestTimeoutMs: p.apiLimits.requestTimeoutMs }),
    },
    ...(p.membership?.standby ? { standby: p.membership.standby } : {}),
  };
}
