import type { Account, LedgerState } from './chain/ledger.ts';
import { type BlockTx, type CheckedTx, markShapeChecked, type Rejection } from './chain/tx-check.ts';

/** Mempool bounds (config `mempool`). */
export interface MempoolLimits {
  /** Most txs held; default 10000. */
  maxCount: number;
  /** Most bytes (sum of encoded tx sizes) held; default 8 MiB. */
  maxBytes: number;
  /** Highest nonce held ahead of the account nonce; default 64. */
  maxNonceGap: number;
}

interface Entry {
  tx: BlockTx;
  size: number;
  seq: number;
  /** How far ahead of the sender's account nonce it was when admitted (0 = executable). */
  gap: number;
  /** When it was admitted or last re-gossiped (ms, Date.now). */
  sentAt: number;
  /** When it was admitted (ms, Date.now). */
  admittedAt: number;
  /** False once removed (it may still sit in an eviction stack until dropped lazily). */
  live: boolean;
}

/** Result of offering a tx: accepted (maybe evicting lower-fee txs) or refused. */
export type AddResult = { ok: true; evicted: BlockTx[] } | ({ ok: false } & Rejection);

/**
 * Pending txs, bounded by count and bytes. Block building takes them by fee (highest first)
 * while keeping each sender's nonce order; when full, the lowest-fee tx is evicted for a
 * higher-fee one (newest of equal fee first, with the sender's later nonces that depend on it),
 * and a tx that does not beat the lowest fee is refused with `mempool_full`.
 */
export class Mempool {
  readonly limits: MempoolLimits;
  readonly #byId = new Map<string, Entry>();
  readonly #bySender = new Map<string, Map<number, Entry>>();
  /** Pending spend (amount + fee) per sender, to refuse txs the balance cannot cover. */
  readonly #pendingCost = new Map<string, number>();
  readonly #byFee = new Map<number, Set<string>>();
  /** Distinct fees present, ascending. */
  readonly #fees: number[] = [];
  /**
   * Eviction order: per fee, per gap, entries oldest → newest, so the victim (furthest ahead,
   * newest on ties) is found without scanning the fee's txs. Removed entries are dropped lazily
   * (or all at once when they outnumber the live ones).
   */
  readonly #evictable = new Map<number, Map<number, Entry[]>>();
  #removedInStacks = 0;
  #bytes = 0;
  #seq = 0;
  /** Txs evicted for higher-fee ones since start. */
  evictedTotal = 0;

  constructor(limits: MempoolLimits) {
    this.limits = limits;
  }

  get size(): number {
    return this.#byId.size;
  }
  get bytes(): number {
    return this.#bytes;
  }
  has(id: string): boolean {
    return this.#byId.has(id);
  }
  get(id: string): BlockTx | undefined {
    return this.#byId.get(id)?.tx;
  }
  ids(): string[] {
    return [...this.#byId.keys()];
  }
  /** Lowest fee present (undefined when empty). */
  get lowestFee(): number | undefined {
    return this.#fees[0];
  }

  /** Offers a tx that passed shape and signature checks; `account` is the sender at the tip. */
  add(checked: CheckedTx, account: Account): AddResult {
    const { tx, id, size } = checked;
    if (this.#byId.has(id)) return { ok: false, code: 'duplicate', message: `tx ${id} is already pending` };
    if (tx.nonce < account.nonce) {
      return {
        ok: false,
        code: 'bad_nonce',
        message: `nonce ${tx.nonce} is used; the sender's next nonce is ${account.nonce}`,
      };
    }
    if (tx.nonce > account.nonce + this.limits.maxNonceGap) {
      return {
        ok: false,
        code: 'bad_nonce',
        message: `nonce ${tx.nonce} is too far ahead: allowed ${account.nonce}..${account.nonce + this.limits.maxNonceGap}`,
      };
    }
    const sameNonce = this.#bySender.get(tx.from)?.get(tx.nonce);
    if (sameNonce !== undefined && sameNonce.tx.fee >= tx.fee) {
      return {
        ok: false,
        code: 'bad_nonce',
        message: `nonce ${tx.nonce} is already pending as ${sameNonce.tx.id} with fee ${sameNonce.tx.fee}; a replacement needs a higher fee`,
      };
    }
    const cost = tx.amount + tx.fee;
    const pending =
      (this.#pendingCost.get(tx.from) ?? 0) - (sameNonce ? sameNonce.tx.amount + sameNonce.tx.fee : 0);
    if (pending + cost > account.balance) {
      return {
        ok: false,
        code: 'insufficient_funds',
        message: `balance ${account.balance} does not cover amount + fee ${cost}${pending > 0 ? ` plus ${pending} pending` : ''}`,
      };
    }
    if (size > this.limits.maxBytes)
      return {
        ok: false,
        code: 'too_large',
        message: `tx of ${size} bytes exceeds the mempool's ${this.limits.maxBytes} bytes`,
      };
    const evicted: BlockTx[] = [];
    if (sameNonce) this.#remove(sameNonce.tx.id);
    const gap = tx.nonce - account.nonce;
    while (this.#byId.size + 1 > this.limits.maxCount || this.#bytes + size > this.limits.maxBytes) {
      const lowest = this.#fees[0];
      const victim = lowest === undefined || lowest > tx.fee ? undefined : this.#victim(lowest);
      // A higher fee always wins; at an equal fee a tx closer to executable displaces one further
      // ahead, so a full pool of future nonces cannot lock out the txs that would unblock them.
      if (victim === undefined || lowest! > tx.fee || (lowest === tx.fee && victim.gap <= gap)) {
        return {
          ok: false,
          code: 'mempool_full',
          message: `mempool is full (${this.#byId.size}/${this.limits.maxCount} txs, ${this.#bytes}/${this.limits.maxBytes} bytes) and fee ${tx.fee} does not beat the lowest fee ${lowest}`,
        };
      }
      evicted.push(...this.#evict(victim));
    }
    const now = Date.now();
    const entry: Entry = {
      tx: { ...tx, id },
      size,
      seq: this.#seq++,
      gap,
      sentAt: now,
      admittedAt: now,
      live: true,
    };
    markShapeChecked(entry.tx);
    this.#pushEvictable(entry);
    this.#byId.set(id, entry);
    let senderTxs = this.#bySender.get(tx.from);
    if (senderTxs === undefined) {
      senderTxs = new Map();
      this.#bySender.set(tx.from, senderTxs);
    }
    senderTxs.set(tx.nonce, entry);
    this.#pendingCost.set(tx.from, (this.#pendingCost.get(tx.from) ?? 0) + cost);
    let bucket = this.#byFee.get(tx.fee);
    if (bucket === undefined) {
      bucket = new Set();
      this.#byFee.set(tx.fee, bucket);
      this.#fees.splice(lowerBound(this.#fees, tx.fee), 0, tx.fee);
    }
    bucket.add(id);
    this.#bytes += size;
    this.evictedTotal += evicted.length;
    return { ok: true, evicted };
  }

  /** The eviction victim among txs of `fee`: furthest ahead of its sender's nonce, newest on ties. */
  #victim(fee: number): Entry | undefined {
    const byGap = this.#evictable.get(fee);
    if (byGap === undefined) return undefined;
    let furthest: Entry | undefined;
    for (const [gap, stack] of byGap) {
      while (stack.length > 0 && !stack.at(-1)!.live) {
        stack.pop();
        this.#removedInStacks--;
      }
      if (stack.length === 0) byGap.delete(gap);
      else if (furthest === undefined || gap > furthest.gap) furthest = stack.at(-1);
    }
    if (byGap.size === 0) this.#evictable.delete(fee);
    return furthest;
  }

  #pushEvictable(entry: Entry): void {
    const { fee } = entry.tx;
    let byGap = this.#evictable.get(fee);
    if (byGap === undefined) {
      byGap = new Map();
      this.#evictable.set(fee, byGap);
    }
    const stack = byGap.get(entry.gap);
    if (stack === undefined) byGap.set(entry.gap, [entry]);
    else stack.push(entry);
  }

  /** Evicts `victim` and its sender's later nonces (they could no longer apply). */
  #evict(victim: Entry): BlockTx[] {
    const out: BlockTx[] = [];
    const senderTxs = this.#bySender.get(victim.tx.from)!;
    for (const [nonce, entry] of [...senderTxs]) {
      if (nonce >= victim.tx.nonce) {
        this.#remove(entry.tx.id);
        out.push(entry.tx);
      }
    }
    return out;
  }

  /** Removes a tx; returns it if it was present. */
  remove(id: string): BlockTx | undefined {
    const entry = this.#byId.get(id);
    if (entry === undefined) return undefined;
    this.#remove(id);
    return entry.tx;
  }

  #remove(id: string): void {
    const entry = this.#byId.get(id)!;
    this.#byId.delete(id);
    entry.live = false;
    if (++this.#removedInStacks > Math.max(1024, 2 * this.#byId.size)) {
      // Rebuilt from the live entries, in admission (= seq) order.
      this.#evictable.clear();
      this.#removedInStacks = 0;
      for (const live of this.#byId.values()) this.#pushEvictable(live);
    }
    const { tx } = entry;
    const senderTxs = this.#bySender.get(tx.from)!;
    senderTxs.delete(tx.nonce);
    if (senderTxs.size === 0) {
      this.#bySender.delete(tx.from);
      this.#pendingCost.delete(tx.from);
    } else this.#pendingCost.set(tx.from, this.#pendingCost.get(tx.from)! - tx.amount - tx.fee);
    const bucket = this.#byFee.get(tx.fee)!;
    bucket.delete(id);
    if (bucket.size === 0) {
      this.#byFee.delete(tx.fee);
      this.#fees.splice(lowerBound(this.#fees, tx.fee), 1);
    }
    this.#bytes -= entry.size;
  }

  /** Drops a sender's txs whose nonce is below its account nonce (applied or superseded); returns them. */
  dropStale(address: string, accountNonce: number): BlockTx[] {
    const senderTxs = this.#bySender.get(address);
    if (senderTxs === undefined) return [];
    const stale: BlockTx[] = [];
    for (const [nonce, entry] of [...senderTxs]) {
      if (nonce < accountNonce) {
        stale.push(entry.tx);
        this.#remove(entry.tx.id);
      }
    }
    return stale;
  }

  /**
   * How many pending txs a block on `state` could take: each sender's consecutive nonces from
   * its account nonce (txs further ahead wait for the gap to fill). O(senders + that count).
   */
  executableCount(state: LedgerState): number {
    let count = 0;
    for (const [address, senderTxs] of this.#bySender)
      for (let nonce = state.get(address).nonce; senderTxs.has(nonce); nonce++) count++;
    return count;
  }

  /**
   * Executable txs for a block on `state`: highest fee first across senders, each sender's txs
   * in consecutive nonce order from its account nonce. Lazy, so block building stops early.
   */
  *candidates(state: LedgerState): Generator<BlockTx> {
    for (const entry of this.#executable(state)) yield entry.tx;
  }

  /**
   * Executable txs that have waited at least `ageMs` since they were admitted or last re-gossiped,
   * at most `max`, marked as sent now. Gossip is best effort: a peer that missed one tx of a sender
   * holds all its later nonces stuck, so nodes re-gossip what is still pending.
   */
  takeStale(state: LedgerState, ageMs: number, max: number, now = Date.now()): BlockTx[] {
    const out: BlockTx[] = [];
    // Entries are kept in admission order: when the oldest is younger than ageMs, none is stale
    // (the common case under load, where walking a full pool every second would cost milliseconds).
    const oldest = this.#byId.values().next().value;
    if (oldest === undefined || now - oldest.admittedAt < ageMs) return out;
    for (const entry of this.#executable(state)) {
      if (out.length >= max) break;
      if (now - entry.sentAt < ageMs) continue;
      entry.sentAt = now;
      out.push(entry.tx);
    }
    return out;
  }

  *#executable(state: LedgerState): Generator<Entry> {
    const heap = new MaxHeap<Entry>((a, b) => (a.tx.fee !== b.tx.fee ? a.tx.fee > b.tx.fee : a.seq < b.seq));
    for (const [address, senderTxs] of this.#bySender) {
      const head = senderTxs.get(state.get(address).nonce);
      if (head) heap.push(head);
    }
    for (let entry = heap.pop(); entry !== undefined; entry = heap.pop()) {
      yield entry;
      const next = this.#bySender.get(entry.tx.from)?.get(entry.tx.nonce + 1);
      if (next) heap.push(next);
    }
  }
}

function lowerBound(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Binary heap; `before(a, b)` true when a comes out first. */
class MaxHeap<T> {
  readonly #items: T[] = [];
  readonly #before: (a: T, b: T) => boolean;
  constructor(before: (a: T, b: T) => boolean) {
    this.#before = before;
  }
  push(item: T): void {
    const items = this.#items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }
  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let best = i;
        if (left < items.length && this.#before(items[left]!, items[best]!)) best = left;
        if (right < items.length && this.#before(items[right]!, items[best]!)) best = right;
        if (best === i) break;
        [items[i], items[best]] = [items[best]!, items[i]!];
        i = best;
      }
    }
    return top;
  }
}
