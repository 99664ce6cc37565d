/**
 * `toConserveSupply()`: on every node, at its final height,
 * - the total supply equals what the adapter's emission rule allows at that height (genesis
 *   alone when nothing is minted, as on refnode; genesis plus every block's subsidy on a
 *   proof-of-work chain), read from the account state (facet `accounts`) or from the
 *   chain's own UTXO-set total (`supply.source: 'utxo-set'`); and
 * - with facet `accounts`, every account's balance and nonce equal the replay of the final
 *   chain's txs from the genesis balances (amount from sender to receiver, fee from sender
 *   to the proposer).
 * Needs facet `supply`.
 */

import { z } from 'zod';
import { expectedSupply, hasFacet, requireFacet } from '../adapter/facets.ts';
import type { Recording, StateObservation, SupplyObservation } from '../observe/recording.ts';
import { parseOptions } from '../support/validate.ts';
import { at, nodeList, plural, replayHint, short, signed } from './format.ts';
import { type MatcherResult, type MatcherThis, refresh, settle, toSubject } from './shell.ts';

/** Options of `toConserveSupply`. */
export interface ConserveSupplyOptions {
  /** Judge only these nodes. Default: every node in the cluster now. */
  nodes?: string[];
}

/** A node's state matched genesis supply and the replay. */
export interface NodeSupply {
  node: string;
  height: number;
  supply: bigint;
  /** Accounts compared with the replay (0 without facet `accounts`). */
  accounts: number;
  txs: number;
}

export interface Conserved {
  kind: 'conserved';
  genesisSupply: bigint;
  nodes: NodeSupply[];
}

/** Total supply at a node's final height differs from genesis. */
export interface SupplyChanged {
  kind: 'supply-changed';
  node: string;
  height: number;
  /** When the state snapshot (or supply reading) was taken. */
  at: number;
  /** Genesis supply plus what the emission rule allows up to `height`. */
  expected: bigint;
  observed: bigint;
  /** True when the chain mints new coins (the message names the emission). */
  emits: boolean;
  /** Other nodes with a changed supply. */
  alsoOn: string[];
  /** An account whose balance differs from the replay on `node` (the minimal witness), if found. */
  witness?: BalanceMismatch;
}

/** An account's balance or nonce differs from the replay of the final chain. */
export interface BalanceMismatch {
  kind: 'balance-mismatch';
  node: string;
  height: number;
  /** When the state snapshot was taken. */
  at: number;
  address: string;
  expected: { balance: bigint; nonce: number };
  observed: { balance: bigint; nonce: number };
  /** Blocks this address proposed up to `height` (hints at a proposer reward bug). */
  proposed: number;
  /** Total mismatching accounts on this node. */
  mismatches: number;
}

/** The final chain carries a tx the ledger rules forbid (bad nonce, overdraft). */
export interface InvalidTxIncluded {
  kind: 'invalid-tx';
  node: string;
  height: number;
  txId: string;
  problem: string;
}

/** We lack what the judgement needs: a snapshot, a block or a tx body. */
export interface Unobserved {
  kind: 'unobserved';
  node: string;
  reason: string;
}

export type SupplyVerdict = Conserved | SupplyChanged | BalanceMismatch | InvalidTxIncluded | Unobserved;

const optionsSchema = z.object({ nodes: z.array(z.string()).min(1).optional() }).strict();

/** Validates `toConserveSupply` options. */
export function parseConserveSupplyOptions(opts: unknown): ConserveSupplyOptions {
  return parseOptions(optionsSchema, opts ?? {}, 'toConserveSupply options', {
    nodes: 'a non-empty array of node names',
    '*': 'nodes is the only option',
  }) as ConserveSupplyOptions;
}

/**
 * Judges the newest state snapshot of each node (take them with `observer.refresh({ state: true })`).
 * Pure.
 *
 * @example
 * await cluster.observer.refresh({ state: true });
 * const v = checkConserveSupply(cluster.recording, {});
 */
export function checkConserveSupply(rec: Recording, opts: ConserveSupplyOptions = {}): SupplyVerdict {
  const names = opts.nodes ?? rec.activeNodes().map((n) => n.name);
  const facts = rec.facts.supply;
  if (facts === undefined)
    return {
      kind: 'unobserved',
      node: names[0] ?? '(none)',
      reason: `the ${rec.facts.adapter} adapter states no supply`,
    };
  const accounts = hasFacet(rec, 'accounts');
  const emits = facts.emission.kind !== 'none';
  // Account chains: the supply is the sum of the state; otherwise the chain's own total.
  const readings: { node: string; at: number; height: number; supply: bigint; state?: StateObservation }[] =
    [];
  for (const node of names) {
    if (accounts && facts.source === 'accounts') {
      const s = rec.lastState(node);
      if (!s) return unobserved(rec, node, 'state-failed', 'state');
      readings.push({ node, at: s.at, height: s.snapshot.height, supply: sum(s), state: s });
    } else {
      const x: SupplyObservation | undefined = rec.lastSupply(node);
      if (!x) return unobserved(rec, node, 'supply-failed', 'supply');
      const s = accounts ? rec.lastState(node) : undefined;
      readings.push({ node, at: x.at, height: x.height, supply: x.supply, ...(s ? { state: s } : {}) });
    }
  }
  const changed = readings.filter((r) => r.supply !== expectedSupply(facts, r.height));
  if (changed.length > 0) {
    const first = changed[0]!;
    const verdict: SupplyChanged = {
      kind: 'supply-changed',
      node: first.node,
      height: first.height,
      at: first.at,
      expected: expectedSupply(facts, first.height),
      observed: first.supply,
      emits,
      alsoOn: changed.slice(1).map((r) => r.node),
    };
    const replay = first.state ? replayOn(rec, first.state) : undefined;
    if (replay?.kind === 'balance-mismatch') verdict.witness = replay;
    return verdict;
  }
  const results: NodeSupply[] = [];
  for (const r of readings) {
    let txs = 0;
    if (r.state) {
      const v = replayOn(rec, r.state);
      if (v.kind !== 'ok') return v;
      txs = v.txs;
    }
    results.push({
      node: r.node,
      height: r.height,
      supply: r.supply,
      accounts: r.state ? Object.keys(r.state.snapshot.accounts).length : 0,
      txs,
    });
  }
  return { kind: 'conserved', genesisSupply: facts.genesis, nodes: results };
}

function unobserved(rec: Recording, node: string, event: string, what: string): Unobserved {
  const failed = rec.events.findLast((e) => e.node === node && e.event === event);
  return {
    kind: 'unobserved',
    node,
    reason: failed
      ? `its ${what} could not be read (${failed.detail})`
      : `no ${what === 'state' ? 'state snapshot' : 'supply reading'} was taken`,
  };
}

function sum(s: StateObservation): bigint {
  let total = 0n;
  for (const a of Object.values(s.snapshot.accounts)) total += a.balance;
  return total;
}

/** Replays the node's recorded chain up to the snapshot and compares every account. */
function replayOn(
  rec: Recording,
  s: StateObservation,
): { kind: 'ok'; txs: number } | BalanceMismatch | InvalidTxIncluded | Unobserved {
  const { node, snapshot } = s;
  const chain = rec.bestChain(node, s.at);
  const top = chain.get(snapshot.height);
  if (!top || top.hash !== snapshot.hash) {
    return {
      kind: 'unobserved',
      node,
      reason: `the recorded chain has no block ${short(snapshot.hash)} at its final height ${snapshot.height}`,
    };
  }
  const balances = new Map<string, bigint>(Object.entries(rec.facts.initialBalances ?? {}));
  const nonces = new Map<string, number>();
  const proposed = new Map<string, number>();
  let txs = 0;
  for (let h = 1; h <= snapshot.height; h++) {
    const b = chain.get(h);
    if (!b) return { kind: 'unobserved', node, reason: `block ${h} of its final chain was never recorded` };
    // Fees go to the proposer: without one named in the block the replay cannot place them.
    if (b.proposer === undefined)
      return { kind: 'unobserved', node, reason: `block ${h} names no proposer to credit fees to` };
    proposed.set(b.proposer, (proposed.get(b.proposer) ?? 0) + 1);
    for (const id of b.txIds) {
      const t = rec.txBody(id);
      if (!t || t.from === undefined || t.to === undefined || t.amount === undefined || t.fee === undefined)
        return {
          kind: 'unobserved',
          node,
          reason: `the body of tx ${short(id)} in block ${h} was never recorded`,
        };
      const bal = balances.get(t.from) ?? 0n;
      const nonce = nonces.get(t.from) ?? 0;
      if (t.nonce !== nonce)
        return {
          kind: 'invalid-tx',
          node,
          height: h,
          txId: id,
          problem: `nonce ${t.nonce} where the sender's nonce was ${nonce}`,
        };
      if (bal < t.amount + t.fee)
        return {
          kind: 'invalid-tx',
          node,
          height: h,
          txId: id,
          problem: `spends ${t.amount + t.fee} of a balance of ${bal}`,
        };
      balances.set(t.from, bal - t.amount - t.fee);
      balances.set(t.to, (balances.get(t.to) ?? 0n) + t.amount);
      balances.set(b.proposer, (balances.get(b.proposer) ?? 0n) + t.fee);
      nonces.set(t.from, nonce + 1);
      txs++;
    }
  }
  const addresses = new Set([...balances.keys(), ...Object.keys(snapshot.accounts)]);
  const bad: BalanceMismatch[] = [];
  for (const address of [...addresses].sort()) {
    const expected = { balance: balances.get(address) ?? 0n, nonce: nonces.get(address) ?? 0 };
    const observed = snapshot.accounts[address] ?? { balance: 0n, nonce: 0 };
    if (expected.balance !== observed.balance || expected.nonce !== observed.nonce) {
      bad.push({
        kind: 'balance-mismatch',
        node,
        height: snapshot.height,
        at: s.at,
        address,
        expected,
        observed,
        proposed: proposed.get(address) ?? 0,
        mismatches: 0,
      });
    }
  }
  if (bad.length > 0) return { ...bad[0]!, mismatches: bad.length };
  return { kind: 'ok', txs };
}

/** Why supply is not conserved, naming the node, height, account and both values. */
export function supplyFailure(v: SupplyVerdict, seed: number): string {
  let line: string;
  switch (v.kind) {
    case 'conserved':
      return supplyNegated(v, seed);
    case 'supply-changed': {
      const also = v.alsoOn.length > 0 ? `; also changed on ${nodeList(v.alsoOn)}` : '';
      const w = v.witness;
      const witness = w
        ? `; e.g. ${short(w.address)} has ${w.observed.balance}, the replay gives ${w.expected.balance} (${signed(w.observed.balance - w.expected.balance)}${w.proposed > 0 ? `, it proposed ${plural(w.proposed, 'block')}` : ''})`
        : '';
      const target = v.emits
        ? `${v.expected} (genesis plus the emission rule's subsidy to that height)`
        : `genesis ${v.expected}`;
      line = `expected total supply on ${v.node} at final height ${v.height} (${at(v.at)}) to equal ${target}; it is ${v.observed} (${signed(v.observed - v.expected)})${witness}${also}`;
      break;
    }
    case 'balance-mismatch': {
      const what =
        v.expected.balance !== v.observed.balance
          ? `balance ${v.observed.balance}, replay of the final chain gives ${v.expected.balance} (${signed(v.observed.balance - v.expected.balance)})`
          : `nonce ${v.observed.nonce}, replay gives ${v.expected.nonce}`;
      const hint = v.proposed > 0 ? `; it proposed ${v.proposed} of those blocks` : '';
      const more =
        v.mismatches > 1
          ? `; ${plural(v.mismatches - 1, 'more account differs', 'more accounts differ')}`
          : '';
      line = `expected every account on ${v.node} at final height ${v.height} (${at(v.at)}) to match the replay of its included txs; ${short(v.address)} has ${what}${hint}${more}`;
      break;
    }
    case 'invalid-tx':
      line = `expected the final chain of ${v.node} to hold only valid txs; tx ${short(v.txId)} in block ${v.height} ${v.problem}`;
      break;
    case 'unobserved':
      line = `could not judge supply on ${v.node}: ${v.reason}`;
      break;
  }
  return `${line} (seed ${seed})\n${replayHint(seed)}`;
}

/** The `.not` message: supply was conserved. */
export function supplyNegated(v: SupplyVerdict, seed: number): string {
  const where = v.kind === 'conserved' ? v.nodes.map((n) => `${n.node} at ${n.height}`).join(', ') : '';
  return `expected supply not to be conserved, but every node matched genesis ${v.kind === 'conserved' ? v.genesisSupply : ''} and the replay (${where}) (seed ${seed})`;
}

/**
 * Takes fresh state snapshots of every node, then checks supply and balances.
 *
 * @example
 * await expect(cluster).toConserveSupply();
 */
export async function toConserveSupply(
  this: MatcherThis,
  received: unknown,
  options?: ConserveSupplyOptions,
): Promise<MatcherResult> {
  const subject = toSubject('toConserveSupply', received);
  requireFacet(subject.recording, 'toConserveSupply', 'supply');
  const opts = parseConserveSupplyOptions(options);
  const rec = subject.recording;
  await refresh(subject, { state: true });
  const verdict = checkConserveSupply(rec, opts);
  return settle(this, subject, {
    matcher: 'toConserveSupply',
    pass: verdict.kind === 'conserved',
    failure: () => supplyFailure(verdict, rec.seed),
    negated: () => supplyNegated(verdict, rec.seed),
    actual: verdict,
    expected: {
      kind: 'conserved',
      genesisSupply: rec.facts.supply?.genesis,
      emission: rec.facts.supply?.emission,
    },
    window: { from: 0, to: rec.now() },
  });
}
