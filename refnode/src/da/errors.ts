import { RefnodeError } from '../errors.ts';

/**
 * Every reason the DA layer refuses something:
 * - publishing (`POST /da/blobs`): `malformed`, `wrong_chain`, `bad_channel` (bad name, or the
 *   channel belongs to another key), `bad_signature`, `too_large`, `bad_order` (sequence is not
 *   the channel's next one);
 * - dispersal: `bad_chunk` (chunk or proof does not match the commitment), `wrong_index` (the
 *   chunk is meant for another validator);
 * - certificates: `bad_certificate`;
 * - retrieval: `not_found` (unknown blob), `unavailable` (too few valid chunks reachable),
 *   `inconsistent` (chunks decode to data that does not match the commitment or data hash).
 */
export const daErrorCodes = [
  'malformed',
  'wrong_chain',
  'bad_channel',
  'bad_signature',
  'too_large',
  'bad_order',
  'bad_chunk',
  'wrong_index',
  'bad_certificate',
  'not_found',
  'unavailable',
  'inconsistent',
] as const;
export type DaErrorCode = (typeof daErrorCodes)[number];

/** A typed refusal, as returned by checks (no throw) and sent in API errors. */
export interface DaRejection {
  code: DaErrorCode;
  message: string;
}

export function isDaRejection(value: unknown): value is DaRejection {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as DaRejection).code === 'string' &&
    typeof (value as DaRejection).message === 'string' &&
    (daErrorCodes as readonly string[]).includes((value as DaRejection).code)
  );
}

/** A DA failure thrown by the pipelines; `code` says which (see {@link daErrorCodes}). */
export class DaError extends RefnodeError {
  readonly isDaError = true;
  readonly code: DaErrorCode;
  constructor(code: DaErrorCode, message: string, options?: ErrorOptions) {
    super('da', message, options);
    this.name = 'DaError';
    this.code = code;
  }

  static from(rejection: DaRejection): DaError {
    return new DaError(rejection.code, rejection.message);
  }
}
