import { type SignedTx, txId } from '../codec.ts';
import { verifyTx } from '../tx-signature.ts';

/** Every reason a tx can be refused (API errors, `GET /txs/:id`, mempool counters). */
export const rejectionCodes = [
  'bad_signature',
  'bad_nonce',
  'insufficient_funds',
  'malformed',
  'too_large',
  'wrong_chain',
  'duplicate',
  'fee_too_low',
  'mempool_full',
  'overloaded',
] as const;
export type RejectionCode = (typeof rejectionCodes)[number];

/** A refusal with its typed code and a message naming the field and value. */
export interface Rejection {
  code: RejectionCode;
  message: string;
}

/** A tx that passed the stateless checks, with its id and encoded size. */
export interface CheckedTx {
  tx: SignedTx;
  id: string;
  /** Bytes of its JSON encoding; what the mempool byte bound counts. */
  size: number;
}

/** A tx as carried in a block: the signed tx plus its id. */
export type BlockTx = SignedTx & { id: string };

/** Largest encoded tx; a well-formed one is about 370 bytes. */
export const maxTxBytes = 1024;

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;
const txFields = new Set(['chainId', 'from', 'to', 'amount', 'fee', 'nonce', 'sig', 'id']);

/**
 * Stateless checks of a tx as received (JSON value): size, shape, chain, min fee.
 * The signature is checked separately (through the verify cache) because it is the costly part.
 */
export function checkTxShape(raw: unknown, chainId: string, minFee: number): CheckedTx | Rejection {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return {
      code: 'malformed',
      message: `a tx must be a JSON object, got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}`,
    };
  }
  const encoded = JSON.stringify(raw);
  if (encoded.length > maxTxBytes) {
    return { code: 'too_large', message: `tx is ${encoded.length} bytes; at most ${maxTxBytes} allowed` };
  }
  const t = raw as Record<string, unknown>;
  for (const key of Object.keys(t)) {
    if (!txFields.has(key))
      return {
        code: 'malformed',
        message: `unknown tx field ${JSON.stringify(key)}; allowed: chainId, from, to, amount, fee, nonce, sig`,
      };
  }
  if (typeof t.chainId !== 'string')
    return { code: 'malformed', message: `chainId must be a string, got ${JSON.stringify(t.chainId)}` };
  for (const field of ['from', 'to'] as const) {
    const value = t[field];
    if (typeof value !== 'string' || !HEX64.test(value)) {
      return {
        code: 'malformed',
        message: `${field} must be an address (64 lowercase hex chars), got ${JSON.stringify(value)}`,
      };
    }
  }
  const ints = [
    ['amount', 1],
    ['fee', 0],
    ['nonce', 0],
  ] as const;
  for (const [field, min] of ints) {
    const value = t[field];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      return {
        code: 'malformed',
        message: `${field} must be a safe integer ≥ ${min}, got ${JSON.stringify(value)}`,
      };
    }
  }
  if (typeof t.sig !== 'string' || !HEX128.test(t.sig)) {
    return {
      code: 'malformed',
      message: `sig must be 128 lowercase hex chars (ed25519 signature), got ${JSON.stringify(t.sig)?.slice(0, 40)}`,
    };
  }
  if (t.chainId !== chainId) {
    return {
      code: 'wrong_chain',
      message: `chainId ${JSON.stringify(t.chainId)} is not this chain's ${JSON.stringify(chainId)}`,
    };
  }
  const amount = t.amount as number;
  const fee = t.fee as number;
  if (!Number.isSafeInteger(amount + fee)) {
    return { code: 'malformed', message: `amount + fee must be a safe integer, got ${amount} + ${fee}` };
  }
  if (fee < minFee) return { code: 'fee_too_low', message: `fee ${fee} is below the minimum fee ${minFee}` };
  const tx: SignedTx = {
    chainId: t.chainId,
    from: t.from as string,
    to: t.to as string,
    amount,
    fee,
    nonce: t.nonce as number,
    sig: t.sig,
  };
  const id = txId(tx);
  if (t.id !== undefined && t.id !== id)
    return {
      code: 'malformed',
      message: `id ${JSON.stringify(t.id)} does not match the tx (expected ${id})`,
    };
  return { tx, id, size: encoded.length - (t.id === undefined ? 0 : 74) };
}

/**
 * Tx objects this node built from a {@link checkTxShape} result (the mempool's entries): their
 * shape is valid and their `id` is computed from their fields, so validating a block made of
 * them need not check either again. Only the signature check (through the cache) remains.
 */
const shapeChecked = new WeakSet<object>();

/** Marks a tx object built from a shape-checked tx with its computed id (see {@link isShapeChecked}). */
export function markShapeChecked(tx: BlockTx): void {
  shapeChecked.add(tx);
}

/** True for tx objects marked by {@link markShapeChecked}. */
export function isShapeChecked(tx: unknown): boolean {
  return typeof tx === 'object' && tx !== null && shapeChecked.has(tx);
}

/** True when a {@link checkTxShape} result is a refusal. */
export function isRejection<T extends object>(value: T | Rejection): value is Rejection {
  return 'code' in value && 'message' in value;
}

/**
 * Remembers which (id, sig) pairs verified, so a tx seen by gossip, API and then in a block is
 * verified once per node. Bounded: the oldest half is forgotten when full.
 */
export class VerifyCache {
  readonly #good = new Map<string, string>();
  readonly #capacity: number;
  hits = 0;
  misses = 0;

  /** @param capacity entries kept; default 500_000 */
  constructor(capacity = 500_000) {
    this.#capacity = capacity;
  }

  /** True when this exact (id, sig) pair verified before (counted as a hit). */
  has(id: string, sig: string): boolean {
    if (this.#good.get(id) !== sig) return false;
    this.hits++;
    return true;
  }

  /**
   * Records a pair known to be valid: verified elsewhere (the verify pool), or read back from
   * blocks this node validated before.
   */
  remember(id: string, sig: string): void {
    if (this.#good.size >= this.#capacity) {
      let drop = this.#capacity >> 1;
      for (const key of this.#good.keys()) {
        this.#good.delete(key);
        if (--drop <= 0) break;
      }
    }
    this.#good.set(id, sig);
  }

  /** Verifies the signature on this thread unless this exact (id, sig) already verified. */
  verify(tx: SignedTx, id: string): boolean {
    if (this.has(id, tx.sig)) return true;
    this.misses++;
    if (!verifyTx(tx)) return false;
    this.remember(id, tx.sig);
    return true;
  }
}
