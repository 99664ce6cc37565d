import { createHash } from 'node:crypto';
import type { SignedTx } from '../codec.ts';

/** One account; immutable, replaced on change so states can share them. */
export interface Account {
  readonly balance: number;
  readonly nonce: number;
}

const emptyAccount: Account = { balance: 0, nonce: 0 };

/**
 * The ledger after some block: balances and nonces by address. Copy-on-write: `child()` makes
 * a cheap copy for the next block, so every recent block keeps its own state (fork choice
 * needs the state of any recent block).
 */
export class LedgerState {
  readonly accounts: Map<string, Account>;
  #sortedAddresses: string[] | undefined;
  #root: string | undefined;

  constructor(accounts: Map<string, Account>, sortedAddresses?: string[]) {
    this.accounts = accounts;
    this.#sortedAddresses = sortedAddresses;
  }

  /** The state of genesis accounts. */
  static fromBalances(balances: Record<string, number>): LedgerState {
    return new LedgerState(
      new Map(Object.entries(balances).map(([address, balance]) => [address, { balance, nonce: 0 }])),
    );
  }

  /** A mutable copy for applying the next block. */
  child(): LedgerState {
    return new LedgerState(new Map(this.accounts), this.#sortedAddresses);
  }

  get(address: string): Account {
    return this.accounts.get(address) ?? emptyAccount;
  }

  #set(address: string, account: Account): void {
    if (!this.accounts.has(address)) this.#sortedAddresses = undefined;
    this.accounts.set(address, account);
    this.#root = undefined;
  }

  /**
   * Applies a transfer: nonce must equal the sender's, balance must cover amount + fee; the fee
   * goes to `proposer`. Returns the refusal code or undefined when applied.
   */
  applyTx(tx: SignedTx, proposer: string): 'bad_nonce' | 'insufficient_funds' | undefined {
    const sender = this.get(tx.from);
    if (tx.nonce !== sender.nonce) return 'bad_nonce';
    const cost = tx.amount + tx.fee;
    if (sender.balance < cost) return 'insufficient_funds';
    this.#set(tx.from, { balance: sender.balance - cost, nonce: sender.nonce + 1 });
    const recipient = this.get(tx.to);
    this.#set(tx.to, { balance: recipient.balance + tx.amount, nonce: recipient.nonce });
    if (tx.fee > 0) {
      const collector = this.get(proposer);
      this.#set(proposer, { balance: collector.balance + tx.fee, nonce: collector.nonce });
    }
    return undefined;
  }

  /** Credits an account out of thin air: only the `mint-on-propose` bug does this. */
  mint(address: string, amount: number): void {
    const account = this.get(address);
    this.#set(address, { balance: account.balance + amount, nonce: account.nonce });
  }

  /** Sum of all balances. */
  supply(): number {
    let total = 0;
    for (const account of this.accounts.values()) total += account.balance;
    return total;
  }

  /** sha256 over `address:balance:nonce;` of every account in address order. */
  root(): string {
    if (this.#root !== undefined) return this.#root;
    this.#sortedAddresses ??= [...this.accounts.keys()].sort();
    const hash = createHash('sha256');
    let chunk = '';
    for (const address of this.#sortedAddresses) {
      const account = this.accounts.get(address)!;
      chunk += `${address}:${account.balance}:${account.nonce};`;
      if (chunk.length > 60_000) {
        hash.update(chunk);
        chunk = '';
      }
    }
    hash.update(chunk);
    this.#root = hash.digest('hex');
    return this.#root;
  }

  /** Plain JSON view: `{ [address]: { balance, nonce } }` in address order. */
  toJSON(): Record<string, Account> {
    const out: Record<string, Account> = {};
    for (const address of [...this.accounts.keys()].sort()) out[address] = this.accounts.get(address)!;
    return out;
  }
}
