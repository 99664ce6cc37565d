/**
 * chainlab's error types. Tests run in workers and errors cross realms and serialisation,
 * so identity is a symbol brand (`Symbol.for`) plus a `kind` string, not `instanceof`.
 * Each error carries typed flags; `shortMessage` is one line, `message` may hold detail
 * such as a log tail.
 */

/** The brand every chainlab error carries. */
export const chainlabErrorBrand: unique symbol = Symbol.for('chainlab.error') as never;

/** Discriminant for chainlab errors. */
export type ChainlabErrorKind =
  | 'ChainlabError'
  | 'ConfigError'
  | 'ClusterStartError'
  | 'CapabilityError'
  | 'NodeControlError'
  | 'LinkFaultError'
  | 'WorkloadError'
  | 'AdapterError'
  | 'MatcherSubjectError'
  | 'InvariantError'
  | 'MembershipError';

/** True when `x` is a chainlab error (of `kind`, when given), across workers and realms. */
export function hasKind(x: unknown, kind: ChainlabErrorKind | undefined): boolean {
  if (typeof x !== 'object' || x === null) return false;
  const rec = x as Record<PropertyKey, unknown>;
  if (rec[chainlabErrorBrand] !== true) return false;
  return kind === undefined || rec.kind === kind;
}

/** Base of every error chainlab throws on purpose. */
export class ChainlabError extends Error {
  readonly [chainlabErrorBrand] = true as const;
  readonly kind: ChainlabErrorKind = 'ChainlabError';
  /** One line, without detail (the `message` may add a log tail or a list). */
  readonly shortMessage: string;

  constructor(message: string, options?: { cause?: unknown; shortMessage?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.shortMessage = options?.shortMessage ?? message.split('\n', 1)[0] ?? message;
  }

  /** True for any chainlab error, also across workers/realms. */
  static is(x: unknown): x is ChainlabError {
    return hasKind(x, undefined);
  }
}

/** One problem with an option: where, what was given, what is allowed. */
export interface ConfigIssue {
  /** Dotted option path, e.g. `topology.validators` or `transactions.rate`. */
  path: string;
  /** The value given (undefined when missing). */
  value: unknown;
  /** What is allowed, e.g. `an integer 1..64`. */
  allowed: string;
}

function showValue(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(v);
  }
}

/** Bad options, found before anything started. Lists every problem at once. */
export class ConfigError extends ChainlabError {
  override readonly kind = 'ConfigError' as const;
  readonly issues: readonly ConfigIssue[];

  constructor(subject: string, issues: readonly ConfigIssue[]) {
    const lines = issues.map((i) => `  - ${i.path}: got ${showValue(i.value)}, allowed: ${i.allowed}`);
    const head = `invalid ${subject}: ${issues.length} problem${issues.length === 1 ? '' : 's'}`;
    super(`${head}\n${lines.join('\n')}`, { shortMessage: head });
    this.issues = issues;
  }

  static override is(x: unknown): x is ConfigError {
    return hasKind(x, 'ConfigError');
  }
}

const keptLogsKey = Symbol.for('chainlab.keptLogs');

/**
 * Where a failed cluster start kept its node logs (it does so itself when no test is open to
 * give a verdict), if it did; set by {@link noteKeptLogs}.
 */
export function keptLogsOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const dir = (error as Record<PropertyKey, unknown>)[keptLogsKey];
  return typeof dir === 'string' ? dir : undefined;
}

/** Notes on a failed start's error where its node logs were kept: a last line of its message, and {@link keptLogsOf}. */
export function noteKeptLogs(error: unknown, dir: string): void {
  if (!(error instanceof Error) || keptLogsOf(error) !== undefined) return;
  error.message += `\nevery node's log up to the failure is kept in ${dir}`;
  Object.defineProperty(error, keptLogsKey, { value: dir, enumerable: false });
}

/** Flags of a failed node start (mirrors execa's error flags). */
export interface ClusterStartErrorDetails {
  /** Node that failed (undefined when the failure was not node-specific). */
  node?: string;
  timedOut: boolean;
  exitCode?: number | null;
  signal?: string | null;
  durationMs: number;
  /** Last lines of the node's log, if any. */
  logTail?: string;
  logFile?: string;
  cause?: unknown;
}

/** A cluster did not become ready: a node exited, timed out or could not be launched. */
export class ClusterStartError extends ChainlabError {
  override readonly kind = 'ClusterStartError' as const;
  readonly node: string | undefined;
  readonly timedOut: boolean;
  readonly exitCode: number | null | undefined;
  readonly signal: string | null | undefined;
  readonly durationMs: number;
  readonly logTail: string | undefined;
  readonly logFile: string | undefined;

  constructor(shortMessage: string, details: ClusterStartErrorDetails) {
    const long = [shortMessage];
    if (details.logFile) long.push(`log: ${details.logFile}`);
    if (details.logTail) long.push(`--- last log lines ---\n${details.logTail}`);
    super(long.join('\n'), { shortMessage, cause: details.cause });
    this.node = details.node;
    this.timedOut = details.timedOut;
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.durationMs = details.durationMs;
    this.logTail = details.logTail;
    this.logFile = details.logFile;
  }

  static override is(x: unknown): x is ClusterStartError {
    return hasKind(x, 'ClusterStartError');
  }
}

/** A deployer was asked for something it cannot do (thrown at once, before any effect). */
export class CapabilityError extends ChainlabError {
  override readonly kind = 'CapabilityError' as const;
  /** The node control (`pause`) or facet (`supply`) that is missing. */
  readonly capability: string;
  /** Who lacks it: a deployer name, or `<name> adapter` for a facet. */
  readonly deployer: string;
  /**
   * `control`: a deployer's node control; `facet`: an adapter's facet; `feature`: something
   * else the cluster cannot do where it runs (links on a deployer without the link proxy).
   */
  readonly missing: 'control' | 'facet' | 'feature';

  constructor(
    capability: string,
    deployer: string,
    hint?: string,
    opts?: { message?: string; missing?: 'control' | 'facet' | 'feature' },
  ) {
    super(opts?.message ?? `the ${deployer} deployer cannot ${capability} nodes${hint ? `; ${hint}` : ''}`);
    this.capability = capability;
    this.deployer = deployer;
    this.missing = opts?.missing ?? (opts?.message === undefined ? 'control' : 'facet');
  }

  /**
   * A facet the adapter does not declare, named with who needed it.
   *
   * @example
   * throw CapabilityError.facet('supply', 'litecoind', 'toConserveSupply');
   */
  static facet(facet: string, adapter: string, neededBy: string): CapabilityError {
    return new CapabilityError(facet, `${adapter} adapter`, undefined, {
      message: `${neededBy} needs the \`${facet}\` facet, which the ${adapter} adapter does not offer`,
    });
  }

  static override is(x: unknown): x is CapabilityError {
    return hasKind(x, 'CapabilityError');
  }
}

/** A node control action (stop/start/restart/kill/pause/resume) failed. */
export class NodeControlError extends ChainlabError {
  override readonly kind = 'NodeControlError' as const;
  readonly node: string;
  readonly action: string;

  constructor(node: string, action: string, message: string, options?: { cause?: unknown }) {
    super(`${action} ${node}: ${message}`, options);
    this.node = node;
    this.action = action;
  }

  static override is(x: unknown): x is NodeControlError {
    return hasKind(x, 'NodeControlError');
  }
}

/**
 * A link fault (partition, blocked peer, latency, per-link settings, reset) could not be
 * applied or confirmed: the link layer said no, a probe still passed through a cut link, or a
 * node still had a connection to a peer it was cut from.
 */
export class LinkFaultError extends ChainlabError {
  override readonly kind = 'LinkFaultError' as const;
  /** The action, as the schedule prints it (`partition(val-0 | val-1,val-2)`). */
  readonly action: string;
  /** Links it concerned (`val-0→val-1`). */
  readonly links: readonly string[];

  constructor(action: string, links: readonly string[], message: string, options?: { cause?: unknown }) {
    super(`${action}: ${message}`, options);
    this.action = action;
    this.links = links;
  }

  static override is(x: unknown): x is LinkFaultError {
    return hasKind(x, 'LinkFaultError');
  }
}

/**
 * A node could not join or leave the cluster: the cluster has no dynamic membership, or
 * removing a validator would leave the running ones without the stake to finalize
 * (`belowQuorum`; `removeNode(name, { allowBelowQuorum: true })` does it knowingly).
 */
export class MembershipError extends ChainlabError {
  override readonly kind = 'MembershipError' as const;
  readonly node: string;
  readonly action: 'add' | 'remove';
  /** True when the refusal protects the stake the chain needs to finalize. */
  readonly belowQuorum: boolean;
  /** Stake the present validators would hold after the change (set with `belowQuorum`). */
  readonly remainingStake: bigint | undefined;

  constructor(
    node: string,
    action: 'add' | 'remove',
    message: string,
    flags: { belowQuorum?: boolean; remainingStake?: bigint; cause?: unknown } = {},
  ) {
    super(`${action} ${node}: ${message}`, flags.cause === undefined ? undefined : { cause: flags.cause });
    this.node = node;
    this.action = action;
    this.belowQuorum = flags.belowQuorum ?? false;
    this.remainingStake = flags.remainingStake;
  }

  static override is(x: unknown): x is MembershipError {
    return hasKind(x, 'MembershipError');
  }
}

/** A workload could not run (e.g. not enough funded wallets). */
export class WorkloadError extends ChainlabError {
  override readonly kind = 'WorkloadError' as const;
  readonly workload: string;

  constructor(workload: string, message: string, options?: { cause?: unknown }) {
    super(`workload ${workload}: ${message}`, options);
    this.workload = workload;
  }

  static override is(x: unknown): x is WorkloadError {
    return hasKind(x, 'WorkloadError');
  }
}

/** A chain adapter failed: genesis could not be made, the API answered something unexpected. */
export class AdapterError extends ChainlabError {
  override readonly kind = 'AdapterError' as const;
  readonly adapter: string;
  /** HTTP status, when the failure was an API answer. */
  readonly status: number | undefined;

  constructor(adapter: string, message: string, options?: { cause?: unknown; status?: number }) {
    super(`${adapter} adapter: ${message}`, options);
    this.adapter = adapter;
    this.status = options?.status;
  }

  static override is(x: unknown): x is AdapterError {
    return hasKind(x, 'AdapterError');
  }
}
