/**
 * Small hand-written histories for the mempool matchers' unit tests: a few nodes, a
 * canonical chain whose blocks carry given txs, mempool samples listing pending ids, and tx
 * records. Exact and readable where a live run is noisy; real recordings complement them.
 */

import { createHash } from 'node:crypto';
import type { ChainFacts, MempoolInfo, NodeInfo } from '../adapter/types.ts';
import type { BlockObservation, RecordingDump, Sample, TxRecord } from '../observe/recording.ts';
import { Recording } from '../observe/recording.ts';

/** A 64-hex id or address derived from a label, stable across runs. */
export function hexOf(label: string): string {
  return createHash('sha256').update(label).digest('hex');
}

export interface HistoryBlock {
  height: number;
  /** When each node saw it (node → ms); nodes not listed never saw it. */
  seenAt: Record<string, number>;
  txIds?: string[];
  /** Overrides for one node (a fork): hash and state root. */
  forkOn?: Record<string, { hash: string; stateRoot: string }>;
}

export interface HistorySample {
  node: string;
  at: number;
  ids?: string[];
  size?: number;
  capacity?: number;
  evicted?: number;
  finalizedHeight?: number;
}

export interface HistoryOptions {
  nodes: string[];
  blocks?: HistoryBlock[];
  samples?: HistorySample[];
  txs?: TxRecord[];
  endedAt: number;
  seed?: number;
  facts?: Partial<ChainFacts>;
  marks?: { at: number; label: string; detail?: string }[];
}

const facts: ChainFacts = {
  chainId: 'hist-chain',
  slotMs: 200,
  activeSlotCoeff: 0.5,
  securityParam: 3,
  maxDriftMs: 500,
  genesisTime: 0,
  minFee: 1,
  genesisSupply: 1_000_000,
  initialBalances: {},
};

/** A transfer record as a workload would have written it. */
export function txRecord(label: string, over: Partial<TxRecord> = {}): TxRecord {
  return {
    id: hexOf(`tx|${label}`),
    from: hexOf('wallet|0'),
    to: hexOf('wallet|1'),
    amount: 10,
    fee: 1,
    nonce: 0,
    workload: 'w',
    node: 'val-0',
    submittedAt: 1000,
    outcome: 'accepted',
    ...over,
  };
}

/** Builds the recording. */
export function historyOf(o: HistoryOptions): Recording {
  const blocks: BlockObservation[] = [];
  for (const b of o.blocks ?? []) {
    for (const [node, at] of Object.entries(b.seenAt)) {
      const fork = b.forkOn?.[node];
      blocks.push({
        node,
        at,
        hash: fork?.hash ?? hexOf(`block|${b.height}`),
        parent: b.height === 0 ? '0'.repeat(64) : hexOf(`block|${b.height - 1}`),
        height: b.height,
        slot: b.height * 2,
        timestamp: b.height * 400,
        proposer: hexOf('proposer'),
        stateRoot: fork?.stateRoot ?? hexOf(`state|${b.height}`),
        txIds: b.txIds ?? [],
        source: 'feed',
      });
    }
  }
  blocks.sort((a, b) => a.at - b.at);
  const samples: Sample[] = (o.samples ?? []).map((s) => {
    const info: NodeInfo = {
      nodeId: s.node,
      role: 'validator',
      chainId: facts.chainId,
      slot: 0,
      height: 0,
      tip: '',
      stateRoot: '',
      finalizedHeight: s.finalizedHeight ?? 0,
      finalizedTip: hexOf(`block|${s.finalizedHeight ?? 0}`),
      finalizedStateRoot: '',
      peers: o.nodes.length - 1,
    };
    const mempool: MempoolInfo = {
      size: s.size ?? s.ids?.length ?? 0,
      bytes: 0,
      capacity: s.capacity ?? 10_000,
      evicted: s.evicted ?? 0,
      rejected: {},
    };
    if (s.ids) mempool.ids = s.ids;
    return { node: s.node, at: s.at, ok: true, info, mempool };
  });
  samples.sort((a, b) => a.at - b.at);
  const dump: RecordingDump = {
    version: 1,
    seed: o.seed ?? 913,
    facts: { ...facts, ...o.facts },
    startedAt: 0,
    endedAt: o.endedAt,
    nodes: o.nodes.map((name) => ({ name, role: 'validator', since: 0 })),
    blocks,
    finalized: [],
    samples,
    states: [],
    txs: o.txs ?? [],
    txBodies: [],
    faults: [],
    events: [],
    marks: o.marks ?? [],
  };
  return Recording.fromJSON(dump);
}
