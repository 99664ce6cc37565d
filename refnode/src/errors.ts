/** Brand carried by every refnode error, so callers in other realms (workers) can recognize them. */
export const refnodeErrorBrand: unique symbol = Symbol.for('refnode.error');

/** Base of refnode's typed errors. */
export class RefnodeError extends Error {
  readonly [refnodeErrorBrand] = true;
  /** Machine-readable kind, e.g. `usage`, `config`. */
  readonly kind: string;
  constructor(kind: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RefnodeError';
    this.kind = kind;
  }
}

/** A bad command line: unknown flag, missing or bad value. The CLI exits 2 on it. */
export class UsageError extends RefnodeError {
  readonly isUsageError = true;
  /** The flags at fault, e.g. `['--slot-ms']`. */
  readonly flags: string[];
  constructor(message: string, flags: string[]) {
    super('usage', message);
    this.name = 'UsageError';
    this.flags = flags;
  }
}

/** A config or genesis file that cannot be used; names the file, field and bad value. */
export class ConfigError extends RefnodeError {
  readonly isConfigError = true;
  /** The fields at fault, e.g. `['api.port']`. */
  readonly fields: string[];
  constructor(message: string, fields: string[]) {
    super('config', message);
    this.name = 'ConfigError';
    this.fields = fields;
  }
}

/** True for any refnode error, across realms. */
export function isRefnodeError(value: unknown): value is RefnodeError {
  return typeof value === 'object' && value !== null && refnodeErrorBrand in value;
}
