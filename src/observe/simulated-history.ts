/**
 * Deterministic synthetic recordings for unit tests of checkers: a canonical chain with
 * one block every `blockMs`, seen by every node, plus per-node deviations (a stall, a
 * crash, a lag, a private fork on another genesis), transfers with inclusion, fault windows
 * and state snapshots (optionally with a minting bug). Real recorded histories complement
 * these; this builder makes edge cases exact and readable.
 */

import { createHash } from 'node:crypto';
import type { ChainFacts, NodeInfo, StateSnapshot } from '../adapter/types.ts';
import type { BlockObservation, FaultWindow, RecordingDump, Sample, TxRecord } from './recording.ts';
import { Recording } from './recording.ts';

/** How one simulated node deviates from the healthy canonical chain. */
export interface SimulatedNode {
  name: string;
  role?: 'validator' | 'executor';
  /** Stops adding blocks (but keeps answering) from this time on. */
  stallAt?: number;
  /** Stops answering (samples fail, no blocks) from this time on. */
  crashAt?: number;
  /** Comes back after a crash/stall at this time and catches up at once. */
  resumeAt?: number;
  /** Sees every block this many blocks late. */
  lagBlocks?: number;
  /** Runs its own chain from a different genesis, one block every `blockMs / forkRate`. */
  forkRate?: number;
  /** Joins the cluster at this time. */
  joinAt?: number;
  /** Leaves for good at this time. */
  leaveAt?: number;
}

/** What to simulate. */
export interface SimulationOptions {
  seed?: number;
  /** Overrides of the default facts (slotMs 200, f 0.5, k 3). */
  facts?: Partial<ChainFacts>;
  durationMs: number;
  nodes: SimulatedNode[];
  /** Default `slotMs / f` (exactly on schedule). */
  blockMs?: number;
  /** Default 1000. */
  sampleEveryMs?: number;
  /** Transfers per block on the canonical chain. Default 0. */
  txsPerBlock?: number;
  /** Accepted txs that never make it into a block (submitted at these times). */
  lostTxsAt?: number[];
  faults?: FaultWindow[];
  /** Take state snapshots at the end (default true). */
  states?: boolean;
  /** The proposer gets this much extra per block in the states (a supply bug). */
  mintPerBlock?: number;
  /** Test-start mark at this time. */
  testStartAt?: number;
}

/** Address of simulated wallet `i` (64 hex chars, like a real ed25519 public key). */
export function simAddress(label: string): string {
  return createHash('sha256').update(`addr|${label}`).digest('hex');
}

function hash(...parts: (string | number)[]): string {
  return createHash('sha256').update(parts.join('|')).digest('hex');
}

const WALLETS = 5;
const WALLET_BALANCE = 1_000_000;

/** Builds a recording that looks as if an observer had watched such a cluster. */
export function simulateHistory(opts: SimulationOptions): Recording {
  const validators = opts.nodes.filter((n) => (n.role ?? 'validator') === 'validator');
  const initialBalances: Record<string, number> = {};
  for (let i = 0; i < WALLETS; i++) initialBalances[simAddress(`wallet-${i}`)] = WALLET_BALANCE;
  for (const v of validators) initialBalances[simAddress(v.name)] = 0;
  const facts: ChainFacts = {
    chainId: 'sim-chain',
    slotMs: 200,
    activeSlotCoeff: 0.5,
    securityParam: 3,
    maxDriftMs: 500,
    genesisTime: 1_700_000_000_000,
    minFee: 1,
    genesisSupply: WALLETS * WALLET_BALANCE,
    initialBalances,
    ...opts.facts,
  };
  const blockMs = opts.blockMs ?? facts.slotMs / facts.activeSlotCoeff;
  const sampleEvery = opts.sampleEveryMs ?? 1000;
  const k = facts.securityParam;
  const seed = opts.seed ?? 913;

  // The canonical chain: block h at time h · blockMs, proposers round-robin.
  interface SimBlock extends Omit<BlockObservation, 'node' | 'at'> {
    time: number;
  }
  const balances = new Map(Object.entries(initialBalances));
  const nonces = new Map<string, number>();
  const txs: TxRecord[] = [];
  const canonical: SimBlock[] = [];
  const genesis = hash('genesis', facts.chainId);
  canonical.push(block(0, genesis, '0'.repeat(64), 0, simAddress('nobody'), []));
  // The last block is one every node has seen before the recording ends.
  const last = Math.floor((opts.durationMs - 50) / blockMs);
  for (let h = 1; h <= last; h++) {
    const time = h * blockMs;
    const proposer =
      validators.length > 0 ? simAddress(validators[h % validators.length]!.name) : simAddress('nobody');
    const ids: string[] = [];
    for (let j = 0; j < (opts.txsPerBlock ?? 0); j++) {
      const from = simAddress(`wallet-${(h + j) % WALLETS}`);
      const to = simAddress(`wallet-${(h + j + 1) % WALLETS}`);
      const nonce = nonces.get(from) ?? 0;
      const amount = 10 + j;
      const fee = 1;
      const id = hash('tx', from, nonce);
      nonces.set(from, nonce + 1);
      balances.set(from, balances.get(from)! - amount - fee);
      balances.set(to, balances.get(to)! + amount);
      balances.set(proposer, (balances.get(proposer) ?? 0) + fee);
      ids.push(id);
      const submittedAt = Math.max(0, time - blockMs / 2);
      const finalAt = h + k <= last ? { finalAt: time + k * blockMs } : {};
      const node = opts.nodes[0]!.name;
      txs.push({
        id,
        from,
        to,
        amount,
        fee,
        nonce,
        workload: 'transactions',
        node,
        submittedAt,
        outcome: 'accepted',
        includedAt: time,
        height: h,
        includedOn: node,
        ...finalAt,
      });
    }
    const prev = canonical[h - 1]!;
    const b = block(h, hash('block', facts.chainId, h), prev.hash, time, proposer, ids);
    b.stateRoot = hash('root', h, opts.mintPerBlock ?? 0);
    canonical.push(b);
  }

  function block(
    height: number,
    h: string,
    parent: string,
    time: number,
    proposer: string,
    txIds: string[],
  ): SimBlock {
    return {
      hash: h,
      parent,
      height,
      slot: Math.round(time / facts.slotMs),
      timestamp: facts.genesisTime + time,
      proposer,
      stateRoot: hash('root', height),
      txIds,
      time,
    };
  }
  // Re-link parents after hashing so the chain is consistent.
  for (let h = 1; h < canonical.length; h++) {
    const b = canonical[h]!;
    b.parent = canonical[h - 1]!.hash;
    b.hash = hash('block', facts.chainId, h, b.parent);
  }
  for (const t of txs) if (t.height !== undefined) t.blockHash = canonical[t.height]!.hash;

  const blocks: BlockObservation[] = [];
  const finalized: RecordingDump['finalized'] = [];
  const samples: Sample[] = [];
  const states: RecordingDump['states'] = [];
  const nodes: RecordingDump['nodes'] = [];

  for (const n of opts.nodes) {
    const role = n.role ?? 'validator';
    const since = n.joinAt ?? 0;
    nodes.push({ name: n.name, role, since, ...(n.leaveAt !== undefined ? { leftAt: n.leaveAt } : {}) });
    const end = Math.min(opts.durationMs, n.leaveAt ?? opts.durationMs);
    const down = (t: number): boolean =>
      n.crashAt !== undefined && t >= n.crashAt && (n.resumeAt === undefined || t < n.resumeAt);
    const frozen = (t: number): boolean =>
      n.stallAt !== undefined && t >= n.stallAt && (n.resumeAt === undefined || t < n.resumeAt);

    // The node's own chain: canonical, or a private fork from a different genesis.
    let chain: SimBlock[] = canonical;
    if (n.forkRate !== undefined) {
      chain = [block(0, hash('genesis', 'other', n.name), '0'.repeat(64), 0, simAddress(n.name), [])];
      const every = blockMs / n.forkRate;
      for (let h = 1; h * every <= opts.durationMs; h++) {
        const b = block(h, '', chain[h - 1]!.hash, h * every, simAddress(n.name), []);
        b.hash = hash('fork', n.name, h);
        chain.push(b);
      }
    }
    const lag = n.lagBlocks ?? 0;
    const seenAt = (b: SimBlock): number => b.time + 15 + lag * blockMs;
    const visible = (t: number): SimBlock[] => chain.filter((b) => seenAt(b) <= t);
    let height = -1;
    const frozenHeight = (t: number): number => {
      const vis = visible(t);
      return vis.length === 0 ? -1 : vis.at(-1)!.height;
    };
    const tipAt = (t: number): number => {
      const cut =
        n.crashAt !== undefined && t >= n.crashAt
          ? n.crashAt
          : n.stallAt !== undefined && t >= n.stallAt
            ? n.stallAt
            : undefined;
      if (cut !== undefined && (n.resumeAt === undefined || t < n.resumeAt)) return frozenHeight(cut);
      return frozenHeight(t);
    };
    // Blocks and finality as the feed delivers them.
    for (const b of chain) {
      const t = Math.max(seenAt(b), since);
      if (t > end) break;
      if (down(t) || frozen(t)) continue;
      if (b.height <= height) continue;
      // After a resume the node catches up: the skipped blocks arrive at once.
      for (let h = height + 1; h <= b.height; h++) {
        const cb = chain[h]!;
        blocks.push({
          ...strip(cb),
          txIds: [...cb.txIds],
          node: n.name,
          at: t,
          source: h === b.height ? 'feed' : 'backfill',
        });
      }
      height = b.height;
      if (height - k >= 0)
        finalized.push({ node: n.name, at: t, height: height - k, hash: chain[height - k]!.hash });
    }
    // Samples.
    for (let t = Math.max(sampleEvery, since); t <= end; t += sampleEvery) {
      if (down(t)) {
        samples.push({ node: n.name, at: t, ok: false, error: 'connect ECONNREFUSED 127.0.0.1:40001' });
        continue;
      }
      const tip = tipAt(t);
      if (tip < 0) continue;
      const fin = Math.max(0, tip - k);
      const info: NodeInfo = {
        nodeId: n.name,
        role,
        chainId: n.forkRate !== undefined ? 'other-chain' : facts.chainId,
        slot: Math.floor(t / facts.slotMs),
        height: tip,
        tip: chain[tip]!.hash,
        stateRoot: chain[tip]!.stateRoot,
        finalizedHeight: fin,
        finalizedTip: chain[fin]!.hash,
        finalizedStateRoot: chain[fin]!.stateRoot,
        peers: opts.nodes.length - 1,
      };
      samples.push({
        node: n.name,
        at: t,
        ok: true,
        info,
        mempool: { size: 0, bytes: 0, capacity: 10_000, evicted: 0, rejected: {} },
      });
    }
    // A state snapshot at the final height at the end.
    if ((opts.states ?? true) && !down(end)) {
      const tip = tipAt(end);
      const fin = Math.max(0, tip - k);
      states.push({ node: n.name, at: end, snapshot: stateAt(chain, fin) });
    }
  }

  function stateAt(chain: SimBlock[], height: number): StateSnapshot {
    const bal = new Map(Object.entries(initialBalances));
    const non = new Map<string, number>();
    const byId = new Map(txs.map((t) => [t.id, t]));
    for (let h = 1; h <= height; h++) {
      const b = chain[h]!;
      for (const id of b.txIds) {
        const t = byId.get(id)!;
        bal.set(t.from, bal.get(t.from)! - t.amount - t.fee);
        bal.set(t.to, (bal.get(t.to) ?? 0) + t.amount);
        bal.set(b.proposer, (bal.get(b.proposer) ?? 0) + t.fee);
        non.set(t.from, (non.get(t.from) ?? 0) + 1);
      }
      if (opts.mintPerBlock) bal.set(b.proposer, (bal.get(b.proposer) ?? 0) + opts.mintPerBlock);
    }
    const accounts: StateSnapshot['accounts'] = {};
    for (const [a, balance] of [...bal].sort(([x], [y]) => x.localeCompare(y)))
      accounts[a] = { balance, nonce: non.get(a) ?? 0 };
    return { height, hash: chain[height]!.hash, stateRoot: chain[height]!.stateRoot, accounts };
  }

  for (const [i, t] of (opts.lostTxsAt ?? []).entries()) {
    const from = simAddress(`wallet-${i % WALLETS}`);
    txs.push({
      id: hash('lost', i),
      from,
      to: simAddress('wallet-0'),
      amount: 5,
      fee: 1,
      nonce: 1000 + i,
      workload: 'transactions',
      node: opts.nodes[opts.nodes.length - 1]!.name,
      submittedAt: t,
      outcome: 'accepted',
    });
  }
  blocks.sort((a, b) => a.at - b.at);
  finalized.sort((a, b) => a.at - b.at);
  samples.sort((a, b) => a.at - b.at);
  const dump: RecordingDump = {
    version: 1,
    seed,
    facts,
    startedAt: facts.genesisTime,
    endedAt: opts.durationMs,
    nodes,
    blocks,
    finalized,
    samples,
    states,
    txs,
    txBodies: [],
    faults: opts.faults ?? [],
    events: [],
    marks: opts.testStartAt !== undefined ? [{ at: opts.testStartAt, label: 'test-start' }] : [],
  };
  return Recording.fromJSON(dump);
}

function strip(
  b: { time: number } & Omit<BlockObservation, 'node' | 'at'>,
): Omit<BlockObservation, 'node' | 'at'> {
  const { time: _time, ...rest } = b;
  return rest;
}
