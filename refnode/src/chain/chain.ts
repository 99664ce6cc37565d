import type { KeyObject } from 'node:crypto';
import { sign, verify } from 'node:crypto';
import { privateKeyFromSeed, publicKeyFromAddress } from '../codec.ts';
import type { DaBlockFault } from '../da/block-rules.ts';
import { ChannelBook } from '../da/channels.ts';
import { type Genesis, genesisHash } from '../genesis.ts';
import { type Block, type BlockHeader, daRoot, headerHash, txRoot, zeroHash } from './block.ts';
import { LedgerState } from './ledger.ts';
import { proofDraw, slotProof, verifySlotProof, winProbability } from './lottery.ts';
import { type BlockTx, checkTxShape, isRejection, isShapeChecked, type VerifyCache } from './tx-check.ts';

/** Why a block was refused (metric label `reason`, logs). */
export type BlockRejectionReason =
  | 'bad_hash'
  | 'bad_signature'
  | 'bad_proof'
  | 'unknown_proposer'
  | 'bad_height'
  | 'bad_slot'
  | 'bad_timestamp'
  | 'future_block'
  | 'bad_tx_root'
  | 'bad_da_root'
  | 'bad_da'
  | 'bad_state_root'
  | 'bad_tx'
  | 'finality_violation';

/** A block known to the chain (any branch). */
export interface ChainNode {
  hash: string;
  parent: string;
  height: number;
  slot: number;
  block: Block;
  /** Ledger after this block; dropped for old blocks (see `stateRetention`). */
  state: LedgerState | undefined;
  /** DA channel owners and next sequences after this block (kept with `state`). */
  channels: ChannelBook | undefined;
}

/** What adding a block did. */
export type AddOutcome =
  | {
      kind: 'added';
      node: ChainNode;
      /** Blocks that left / joined the best chain (joined in height order); empty when the best chain did not change. */
      removed: ChainNode[];
      joined: ChainNode[];
      /** New final block when finality advanced (or, after a deep reorg, when the final block changed). */
      finalized: { height: number; hash: string } | undefined;
      /** Final blocks this block took off the best chain (only with `deepReorg`; else always 0). */
      revertedFinal: number;
      /** How far in the future the block's slot started when it was added, in ms (≤ 0 for a block on time). */
      aheadMs: number;
    }
  | { kind: 'known' }
  /** From the future but within the drift bound: add it again in `waitMs` (when its slot has started). */
  | { kind: 'early'; waitMs: number }
  | { kind: 'orphan'; parent: string }
  | { kind: 'invalid'; reason: BlockRejectionReason; message: string };

/** Options of a {@link Chain}. */
export interface ChainOptions {
  genesis: Genesis;
  verifyCache: VerifyCache;
  /** Wall clock in ms; default Date.now (libfaketime skews it). */
  now?: () => number;
  /** Accept blocks from any distance in the future at once (`ignore-drift` bug). */
  ignoreDrift?: boolean;
  /** Accept branches that fork below the final height, reverting final blocks (`deep-reorg` bug). */
  deepReorg?: boolean;
  /** Credit each proposer 1 unit per block (`mint-on-propose` bug). */
  mintOnPropose?: boolean;
  /** Final blocks below the final height whose state is still kept; default 64. */
  stateRetention?: number;
  /** Reads a block body no longer in memory (from disk). */
  loadBlock?: (hash: string) => Block | undefined;
  /**
   * The data-availability block rule: checks a block's certificates on top of its parent's
   * channel state and returns the state after it, or the fault (`bad_da`). Default: blocks
   * must carry no certificates.
   */
  applyDa?: (da: readonly unknown[], parent: ChannelBook) => { book: ChannelBook } | DaBlockFault;
}

const zeroSig = '0'.repeat(128);

/**
 * Fork choice between two tips: the higher one; at equal height the one whose slot proof drew
 * lower (then the lower hash: one proposer's two blocks of a slot share a proof). The order
 * does not depend on arrival, so every node that has heard both tips of a tie picks the same
 * one. Keeping the first seen instead lets two groups of validators whose blocks reach each
 * other later than a slot each extend their own branch of every tie, and such a run can
 * outlast k (measured: the fork model of `examples/fork-model.ts` with the gradient example's
 * delays gave a fork deeper than 6 blocks in 2.2 ‰ of 40 s runs with first-seen ties, none in
 * 5,000 with this order). A proposer cannot pick its draw: the proof is its deterministic
 * signature of the slot.
 */
export function prefersTip(candidate: ChainNode, best: ChainNode): boolean {
  if (candidate.height !== best.height) return candidate.height > best.height;
  const drawCandidate = proofDraw(candidate.block.proof);
  const drawBest = proofDraw(best.block.proof);
  if (drawCandidate !== drawBest) return drawCandidate < drawBest;
  return candidate.hash < best.hash;
}

/**
 * The block tree with fork choice and finality: longest chain wins, a tie goes to the tip with
 * the lower slot-proof draw (see {@link prefersTip}), and blocks deeper than k on the best chain
 * are final. A block on a branch that forks below the final height is refused, so a final block
 * is never reverted.
 */
export class Chain {
  readonly genesis: Genesis;
  readonly genesisNode: ChainNode;
  readonly #nodes = new Map<string, ChainNode>();
  readonly #byHeight = new Map<number, string[]>();
  /** Hashes of the best chain by height. */
  readonly #canonical: string[] = [];
  /** Included tx id → height on the best chain. */
  readonly #txIndex = new Map<string, number>();
  readonly #validators = new Map<string, { key: KeyObject; share: number; nodeId: string }>();
  readonly #options: ChainOptions;
  readonly #now: () => number;
  #best: ChainNode;
  #finalizedHeight = 0;
  #prunedBelow = 0;

  constructor(options: ChainOptions) {
    this.#options = options;
    this.genesis = options.genesis;
    this.#now = options.now ?? Date.now;
    const totalStake = options.genesis.validators.reduce((sum, v) => sum + v.stake, 0);
    for (const v of options.genesis.validators) {
      this.#validators.set(v.publicKey, {
        key: publicKeyFromAddress(v.publicKey),
        share: v.stake / totalStake,
        nodeId: v.nodeId,
      });
    }
    const state = LedgerState.fromBalances(options.genesis.accounts);
    const header: BlockHeader = {
      parent: zeroHash,
      height: 0,
      slot: 0,
      timestamp: options.genesis.genesisTime,
      proposer: zeroHash,
      proof: zeroSig,
      txRoot: txRoot([]),
      stateRoot: state.root(),
      daRoot: daRoot([]),
    };
    const block: Block = { ...header, hash: genesisHash(options.genesis), sig: zeroSig, txs: [], da: [] };
    this.genesisNode = {
      hash: block.hash,
      parent: zeroHash,
      height: 0,
      slot: 0,
      block,
      state,
      channels: new ChannelBook(),
    };
    this.#insert(this.genesisNode);
    this.#canonical.push(block.hash);
    this.#best = this.genesisNode;
  }

  get best(): ChainNode {
    return this.#best;
  }
  get height(): number {
    return this.#best.height;
  }
  get finalizedHeight(): number {
    return this.#finalizedHeight;
  }
  get finalizedHash(): string {
    return this.#canonical[this.#finalizedHeight]!;
  }

  /** Ledger at the tip of the best chain. */
  get tipState(): LedgerState {
    return this.#best.state!;
  }

  /** DA channel state at the tip of the best chain. */
  get tipChannels(): ChannelBook {
    return this.#best.channels!;
  }

  /** The data-availability rule for a block's certificates on top of `parent` (see ChainOptions.applyDa). */
  #applyDa(da: readonly unknown[], parent: ChannelBook): { book: ChannelBook } | DaBlockFault {
    if (this.#options.applyDa) return this.#options.applyDa(da, parent);
    return da.length === 0
      ? { book: parent }
      : { reason: 'bad_da', message: 'this chain takes no DA certificates' };
  }

  /** Current slot by the wall clock (negative before genesis). */
  currentSlot(now = this.#now()): number {
    return Math.floor((now - this.genesis.genesisTime) / this.genesis.slotMs);
  }

  slotStart(slot: number): number {
    return this.genesis.genesisTime + slot * this.genesis.slotMs;
  }

  /** Node id of a validator public key, if it is one. */
  validatorName(publicKey: string): string | undefined {
    return this.#validators.get(publicKey)?.nodeId;
  }

  /**
   * The lowest height a branch may fork from: the final height, or with `deepReorg` the oldest
   * height whose state is still kept (sync fetches a fork from just above it).
   */
  get reorgFloor(): number {
    if (!this.#options.deepReorg) return this.#finalizedHeight;
    return Math.max(0, this.#finalizedHeight - (this.#options.stateRetention ?? 64));
  }

  /** Restores the final height after a restart (never lowers it). */
  restoreFinalized(height: number): void {
    this.#finalizedHeight = Math.max(this.#finalizedHeight, Math.min(height, this.#best.height));
  }

  has(hash: string): boolean {
    return this.#nodes.has(hash);
  }

  /** Hash on the best chain at a height. */
  canonicalHash(height: number): string | undefined {
    return this.#canonical[height];
  }

  /** A block by hash: in memory, else through `loadBlock`. */
  getBlock(hash: string): Block | undefined {
    return this.#nodes.get(hash)?.block ?? this.#options.loadBlock?.(hash);
  }

  /** Best-chain blocks with heights from..to inclusive (clamped to the tip). */
  canonicalBlocks(from: number, to: number): Block[] {
    const blocks: Block[] = [];
    for (let height = Math.max(0, from); height <= Math.min(to, this.#best.height); height++) {
      const block = this.getBlock(this.#canonical[height]!);
      if (block) blocks.push(block);
    }
    return blocks;
  }

  /** State after the best-chain block at `height`, if still kept. */
  stateAt(height: number): LedgerState | undefined {
    const hash = this.#canonical[height];
    return hash === undefined ? undefined : this.#nodes.get(hash)?.state;
  }

  /** Height at which a tx was included on the best chain. */
  includedHeight(id: string): number | undefined {
    return this.#txIndex.get(id);
  }

  /** True when the validator with this key wins `slot`; returns the proof. */
  tryWinSlot(secretKey: KeyObject, publicKey: string, slot: number): string | undefined {
    const validator = this.#validators.get(publicKey);
    if (validator === undefined) return undefined;
    const proof = slotProof(secretKey, this.genesis.epochNonce, slot);
    return proofDraw(proof) < winProbability(this.genesis.activeSlotCoeff, validator.share)
      ? proof
      : undefined;
  }

  /**
   * Builds (but does not add) a block on the tip (or `parentHash`) for `slot` with candidate txs in order; txs
   * that no longer apply are skipped and reported in `dropped`. Past `deadline` (a
   * `performance.now()` time) no more txs are taken, so a starved proposer still proposes on
   * time, with a smaller block.
   */
  buildBlock(
    key: { secret: KeyObject; publicKey: string },
    slot: number,
    proof: string,
    candidates: Iterable<BlockTx>,
    maxTxs: number,
    parentHash?: string,
    certificates: readonly unknown[] = [],
    deadline = Number.POSITIVE_INFINITY,
  ): {
    block: Block;
    state: LedgerState;
    dropped: { tx: BlockTx; reason: 'bad_nonce' | 'insufficient_funds' }[];
    /** True when the deadline, not the candidates or maxTxs, ended the tx list. */
    cut: boolean;
  } {
    const parent = parentHash === undefined ? this.#best : this.#nodes.get(parentHash);
    if (parent?.state === undefined)
      throw new Error(`cannot build on ${parentHash}: unknown or its state is gone`);
    const state = parent.state.child();
    const txs: BlockTx[] = [];
    const dropped: { tx: BlockTx; reason: 'bad_nonce' | 'insufficient_funds' }[] = [];
    let cut = false;
    let taken = 0;
    for (const tx of candidates) {
      if (txs.length >= maxTxs) break;
      // Reading the clock every 32 txs keeps its cost out of the loop.
      if ((taken++ & 31) === 0 && performance.now() > deadline) {
        cut = true;
        break;
      }
      const failure = state.applyTx(tx, key.publicKey);
      if (failure === undefined) txs.push(tx);
      else dropped.push({ tx, reason: failure });
    }
    if (this.#options.mintOnPropose) state.mint(key.publicKey, 1);
    // Certificates the rule refuses (a pool bug) are left out rather than spoiling the block.
    const da =
      'book' in this.#applyDa(certificates, parent.channels ?? new ChannelBook()) ? [...certificates] : [];
    const header: BlockHeader = {
      parent: parent.hash,
      height: parent.height + 1,
      slot,
      timestamp: this.slotStart(slot),
      proposer: key.publicKey,
      proof,
      txRoot: txRoot(txs.map((tx) => tx.id)),
      stateRoot: state.root(),
      daRoot: daRoot(da),
    };
    const hash = headerHash(header);
    const block: Block = {
      ...header,
      hash,
      sig: sign(null, Buffer.from(hash, 'hex'), key.secret).toString('hex'),
      txs,
      da,
    };
    return { block, state, dropped, cut };
  }

  /**
   * Validates and adds a block. `trusted` (replay from our own disk) skips signature, proof and
   * drift checks but still recomputes the state root.
   */
  addBlock(block: Block, options: { trusted?: boolean; state?: LedgerState } = {}): AddOutcome {
    if (this.#nodes.has(block.hash)) return { kind: 'known' };
    const invalid = (reason: BlockRejectionReason, message: string): AddOutcome => ({
      kind: 'invalid',
      reason,
      message,
    });
    if (headerHash(block) !== block.hash)
      return invalid('bad_hash', `block hash ${block.hash} does not match its header`);
    const deepReorg = this.#options.deepReorg === true;
    if (block.height <= this.#finalizedHeight) {
      if (this.#canonical[block.height] === block.hash) return { kind: 'known' };
      if (!deepReorg)
        return invalid(
          'finality_violation',
          `block ${block.height} ${block.hash.slice(0, 12)} conflicts with final height ${this.#finalizedHeight}`,
        );
    }
    const parent = this.#nodes.get(block.parent);
    if (parent === undefined) return { kind: 'orphan', parent: block.parent };
    if (block.height !== parent.height + 1)
      return invalid('bad_height', `height ${block.height} after parent height ${parent.height}`);
    if (block.slot <= parent.slot)
      return invalid('bad_slot', `slot ${block.slot} not after parent slot ${parent.slot}`);
    if (block.timestamp !== this.slotStart(block.slot)) {
      return invalid('bad_timestamp', `timestamp ${block.timestamp} is not the start of slot ${block.slot}`);
    }
    const trusted = options.trusted === true;
    const validator = this.#validators.get(block.proposer);
    if (validator === undefined)
      return invalid('unknown_proposer', `proposer ${block.proposer.slice(0, 12)} is not a validator`);
    const aheadMs = block.timestamp - this.#now();
    if (!trusted) {
      // Future blocks: beyond the drift bound refused; within it held until their slot starts.
      if (aheadMs > this.genesis.maxDriftMs && !this.#options.ignoreDrift) {
        return invalid(
          'future_block',
          `slot ${block.slot} starts ${aheadMs} ms in the future (drift bound ${this.genesis.maxDriftMs} ms)`,
        );
      }
      if (
        !verifySlotProof(
          validator.key,
          this.genesis.epochNonce,
          block.slot,
          block.proof,
          this.genesis.activeSlotCoeff,
          validator.share,
        )
      ) {
        return invalid('bad_proof', `proof of ${validator.nodeId} does not win slot ${block.slot}`);
      }
      if (
        !/^[0-9a-f]{128}$/.test(block.sig) ||
        !verify(null, Buffer.from(block.hash, 'hex'), validator.key, Buffer.from(block.sig, 'hex'))
      ) {
        return invalid('bad_signature', `block signature is not ${validator.nodeId}'s`);
      }
      // Checked after the signature so only a real slot winner's block is held.
      if (aheadMs > 0 && !this.#options.ignoreDrift) return { kind: 'early', waitMs: aheadMs };
    }
    // The branch must pass through our final block; otherwise accepting it could revert it.
    let ancestor: ChainNode | undefined = parent;
    while (ancestor !== undefined && ancestor.height > this.#finalizedHeight)
      ancestor = this.#nodes.get(ancestor.parent);
    if (!deepReorg && (ancestor === undefined || ancestor.hash !== this.#canonical[this.#finalizedHeight])) {
      return invalid(
        'finality_violation',
        `block ${block.height} forks below final height ${this.#finalizedHeight}`,
      );
    }
    if (deepReorg) {
      // A deep reorg may fork lower, but its fork point must still be known: a branch whose
      // lower blocks were forgotten cannot be switched to.
      while (ancestor !== undefined && this.#canonical[ancestor.height] !== ancestor.hash)
        ancestor = this.#nodes.get(ancestor.parent);
      if (ancestor === undefined)
        return invalid(
          'finality_violation',
          `block ${block.height} forks below the blocks this node keeps (from height ${this.reorgFloor})`,
        );
    }
    if (block.daRoot !== daRoot(block.da))
      return invalid('bad_da_root', 'daRoot does not match the certificates');
    if (parent.channels === undefined)
      return invalid('finality_violation', `channel state of parent ${parent.height} is no longer kept`);
    const da = this.#applyDa(block.da, parent.channels);
    if ('reason' in da) return invalid('bad_da', da.message);
    if (block.txRoot !== txRoot(block.txs.map((tx) => tx?.id)))
      return invalid('bad_tx_root', 'txRoot does not match the tx ids');
    let state = options.state;
    if (state === undefined) {
      if (parent.state === undefined)
        return invalid('finality_violation', `state of parent ${parent.height} is no longer kept`);
      state = parent.state.child();
      for (const [index, raw] of block.txs.entries()) {
        if (!trusted) {
          // Txs rebuilt from our own mempool were shape-checked with their id computed on admission.
          if (!isShapeChecked(raw)) {
            const checked = checkTxShape(raw, this.genesis.chainId, this.genesis.minFee);
            if (isRejection(checked))
              return invalid('bad_tx', `tx ${index}: ${checked.code}: ${checked.message}`);
            if (checked.id !== raw.id) return invalid('bad_tx', `tx ${index}: id does not match`);
          }
          if (!this.#options.verifyCache.verify(raw, raw.id))
            return invalid('bad_tx', `tx ${index}: bad_signature`);
        }
        const failure = state.applyTx(raw, block.proposer);
        if (failure !== undefined) return invalid('bad_tx', `tx ${index} ${raw.id.slice(0, 12)}: ${failure}`);
      }
      if (this.#options.mintOnPropose) state.mint(block.proposer, 1);
    }
    if (state.root() !== block.stateRoot) {
      return invalid(
        'bad_state_root',
        `stateRoot ${block.stateRoot.slice(0, 12)} but the txs give ${state.root().slice(0, 12)}`,
      );
    }
    const node: ChainNode = {
      hash: block.hash,
      parent: block.parent,
      height: block.height,
      slot: block.slot,
      block,
      state,
      channels: da.book,
    };
    this.#insert(node);
    if (!prefersTip(node, this.#best))
      return {
        kind: 'added',
        node,
        removed: [],
        joined: [],
        finalized: undefined,
        revertedFinal: 0,
        aheadMs,
      };
    return { kind: 'added', node, ...this.#switchBest(node), aheadMs };
  }

  #insert(node: ChainNode): void {
    this.#nodes.set(node.hash, node);
    const list = this.#byHeight.get(node.height);
    if (list) list.push(node.hash);
    else this.#byHeight.set(node.height, [node.hash]);
  }

  #switchBest(node: ChainNode): {
    removed: ChainNode[];
    joined: ChainNode[];
    finalized: { height: number; hash: string } | undefined;
    revertedFinal: number;
  } {
    const joined: ChainNode[] = [];
    let cursor: ChainNode = node;
    while (this.#canonical[cursor.height] !== cursor.hash) {
      joined.push(cursor);
      cursor = this.#nodes.get(cursor.parent)!;
    }
    joined.reverse();
    const removed: ChainNode[] = [];
    for (let height = this.#best.height; height > cursor.height; height--) {
      const removedNode = this.#nodes.get(this.#canonical[height]!);
      if (removedNode) {
        removed.push(removedNode);
        for (const tx of removedNode.block.txs) this.#txIndex.delete(tx.id);
      }
    }
    this.#canonical.length = cursor.height + 1;
    for (const added of joined) {
      this.#canonical.push(added.hash);
      for (const tx of added.block.txs) this.#txIndex.set(tx.id, added.height);
    }
    this.#best = node;
    let finalized: { height: number; hash: string } | undefined;
    // Only a deep reorg (the `deepReorg` bug) forks at or below the final height.
    const revertedFinal = Math.max(0, this.#finalizedHeight - cursor.height);
    const target = node.height - this.genesis.securityParam;
    if (target > this.#finalizedHeight) {
      this.#finalizedHeight = target;
      finalized = { height: target, hash: this.#canonical[target]! };
      this.#prune();
    } else if (revertedFinal > 0) {
      finalized = { height: this.#finalizedHeight, hash: this.#canonical[this.#finalizedHeight]! };
    }
    return { removed, joined, finalized, revertedFinal };
  }

  /**
   * Forgets side branches at or below the final height and old blocks' states and bodies. With
   * `deepReorg` side branches are kept as long as final blocks are (down to `reorgFloor`): a
   * branch may fork there, and one that outgrows ours later needs its lower blocks.
   */
  #prune(): void {
    const retention = this.#options.stateRetention ?? 64;
    const keepNodesFrom = this.#finalizedHeight - retention;
    const keepSideBranches = this.#options.deepReorg === true;
    for (let height = this.#prunedBelow; height <= this.#finalizedHeight; height++) {
      const hashes = this.#byHeight.get(height);
      if (hashes === undefined) continue;
      const canonical = this.#canonical[height];
      const kept = hashes.filter((hash) => {
        if (hash === canonical && (height >= keepNodesFrom || height === 0)) return true;
        if (keepSideBranches && height >= keepNodesFrom && height > 0) return true;
        this.#nodes.delete(hash);
        return false;
      });
      if (kept.length === 0) this.#byHeight.delete(height);
      else this.#byHeight.set(height, kept);
    }
    this.#prunedBelow = Math.max(0, keepNodesFrom);
  }
}

/** The private KeyObject and public key (address) of a node's secret key. */
export function nodeKey(secretKey: string, publicKey: string): { secret: KeyObject; publicKey: string } {
  return { secret: privateKeyFromSeed(secretKey), publicKey };
}
