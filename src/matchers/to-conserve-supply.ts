/**
 * `toConserveSupply()`: on every node, at its final height,
 * - the total supply equals the genesis supply (nothing minted or burnt), and
 * - every account's balance and nonce equal the replay of the final chain's txs from the
 *   genesis balances (amount from sender to receiver, fee from sender to the proposer).
 */

import { z } from 'zod';
import type { Recording, StateObservation } from '../observe/recording.ts';
import { parseOptions } from '../support/validate.ts';
import { at, nodeList, plural, replayHint, short, signed } from './format.ts';
import {
  captureCallSite,
  type MatcherResult,
  type MatcherThis,
  refresh,
  settle,
  toSubject,
} from './shell.ts';

/** Options of `toConserveSupply`. */
export interface ConserveSupplyOptions {
  /** Judge only these nodes. Default: every node in the cluster now. */
  nodes?: string[];
}

/** A node's state matched genesis supply and the replay. */
export interface NodeSupply {
  node: string;
  height: number;
  supply: number;
  accounts: number;
  txs: number;
}

export interface Conserved {
  kind: 'conserved';
  genesisSupply: number;
  nodes: NodeSupply[];
}

/** Total supply at a node's final height differs from genesis. */
export interface SupplyChanged {
  kind: 'supply-changed';
  node: string;
  height: number;
  /** When the state snapshot was taken. */
  at: number;
  expected: number;
  observed: number;
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
  expected: { balance: number; nonce: number };
  observed: { balance: number; nonce: number };
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
  const genesis = rec.facts.genesisSupply;
  const snapshots: StateObservation[] = [];
  for (const node of names) {
    const s = rec.lastState(node);
    if (!s) {
      const failed = rec.events.findLast((e) => e.node === node && e.event === 'state-failed');
      return {
        kind: 'unobserved',
        node,
        reason: failed ? `its state could not be read (${failed.detail})` : 'no state snapshot was taken',
      };
    }
    snapshots.push(s);
  }
  const changed = snapshots.filter((s) => sum(s) !== genesis);
  if (changed.length > 0) {
    const first = changed[0]!;
    const replay = replayOn(rec, first);
    const verdict: SupplyChanged = {
      kind: 'supply-changed',
      node: first.node,
      height: first.snapshot.height,
      at: first.at,
      expected: genesis,
      observed: sum(first),
      alsoOn: changed.slice(1).map((s) => s.node),
    };
    if (replay.kind === 'balance-mismatch') verdict.witness = replay;
    return verdict;
  }
  const results: NodeSupply[] = [];
  for (const s of snapshots) {
    const v = replayOn(rec, s);
    if (v.kind !== 'ok') return v;
    results.push({
      node: s.node,
      height: s.snapshot.height,
      supply: genesis,
      accounts: Object.keys(s.snapshot.accounts).length,
      txs: v.txs,
    });
  }
  return { kind: 'conserved', genesisSupply: genesis, nodes: results };
}

function sum(s: StateObservation): number {
  let total = 0;
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
  const balances = new Map<string, number>(Object.entries(rec.facts.initialBalances));
  const nonces = new Map<string, number>();
  const proposed = new Map<string, number>();
  let txs = 0;
  for (let h = 1; h <= snapshot.height; h++) {
    const b = chain.get(h);
    if (!b) return { kind: 'unobserved', node, reason: `block ${h} of its final chain was never recorded` };
    proposed.set(b.proposer, (proposed.get(b.proposer) ?? 0) + 1);
    for (const id of b.txIds) {
      const t = rec.txBody(id);
      if (!t)
        return {
          kind: 'unobserved',
          node,
          reason: `the body of tx ${short(id)} in block ${h} was never recorded`,
        };
      const bal = balances.get(t.from) ?? 0;
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
      balances.set(t.to, (balances.get(t.to) ?? 0) + t.amount);
      balances.set(b.proposer, (balances.get(b.proposer) ?? 0) + t.fee);
      nonces.set(t.from, nonce + 1);
      txs++;
    }
  }
  const addresses = new Set([...balances.keys(), ...Object.keys(snapshot.accounts)]);
  const bad: BalanceMismatch[] = [];
  for (const address of [...addresses].sort()) {
    const expected = { balance: balances.get(address) ?? 0, nonce: nonces.get(address) ?? 0 };
    const observed = snapshot.accounts[address] ?? { balance: 0, nonce: 0 };
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
      line = `expected total supply on ${v.node} at final height ${v.height} (${at(v.at)}) to equal genesis ${v.expected}; it is ${v.observed} (${signed(v.observed - v.expected)})${witness}${also}`;
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
  const callSite = captureCallSite();
  const subject = toSubject('toConserveSupply', received);
  const opts = parseConserveSupplyOptions(options);
  const rec = subject.recording;
  const from = rec.now();
  await refresh(subject, { state: true });
  const verdict = checkConserveSupply(rec, opts);
  return settle(this, subject, {
    matcher: 'toConserveSupply',
    pass: verdict.kind === 'conserved',
    failure: () => supplyFailure(verdict, rec.seed),
    negated: () => supplyNegated(verdict, rec.seed),
    seed: rec.seed,
    actual: verdict,
    expected: { kind: 'conserved', genesisSupply: rec.facts.genesisSupply },
    window: { from, to: rec.now() },
    callSite,
  });
}
