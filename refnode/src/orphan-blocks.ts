import { Counter, type Registry } from 'prom-client';

/** Most gossiped blocks kept while their parent is unknown; the oldest goes first. */
export const MAX_ORPHAN_BLOCKS = 64;
/** Most bytes those blocks may take together (a compact block is a header and tx ids). */
export const MAX_ORPHAN_BYTES = 8 * 1024 * 1024;

/** A gossiped block kept until its parent is added. */
export interface OrphanBlock {
  hash: string;
  parent: string;
  height: number;
  /** The gossip message as received, to be handled again once the parent is there. */
  data: Uint8Array;
  /** The peer that sent it (asked for missing txs then). */
  from: string;
}

/**
 * Gossiped blocks whose parent this node does not have yet, kept until it does. Without them
 * a node that missed one block on a slow link would drop every block gossiped while sync
 * fetched the parent (each arrives before that sync ends), and would follow the chain by
 * sync only, two round trips or more behind, for as long as blocks come faster than that. With
 * them, the sync that brings the parent lets the kept blocks attach at once, and gossip
 * carries the node again. Bounded in count and bytes; nothing in it is trusted: a kept block
 * is checked like any other when it is handled again.
 */
export class OrphanBlocks {
  /** By hash, oldest first. */
  readonly #blocks = new Map<string, OrphanBlock>();
  #bytes = 0;
  readonly #counter: Counter<'outcome'>;

  constructor(registry: Registry) {
    this.#counter = new Counter({
      name: 'refnode_orphan_blocks_total',
      help: 'Gossiped blocks with an unknown parent: kept, released to be handled again once the parent came, or dropped (pool full, or below the final height)',
      labelNames: ['outcome'],
      registers: [registry],
    });
  }

  get size(): number {
    return this.#blocks.size;
  }

  /** Keeps a block until its parent comes; false if it was kept already or is too big to keep. */
  keep(block: OrphanBlock): boolean {
    if (this.#blocks.has(block.hash) || block.data.length > MAX_ORPHAN_BYTES) return false;
    // A copy: the message may be a view into a larger RPC buffer, which would stay alive with it.
    this.#blocks.set(block.hash, { ...block, data: block.data.slice() });
    this.#bytes += block.data.length;
    this.#counter.inc({ outcome: 'kept' });
    for (const oldest of this.#blocks.values()) {
      if (this.#blocks.size <= MAX_ORPHAN_BLOCKS && this.#bytes <= MAX_ORPHAN_BYTES) break;
      this.#remove(oldest, 'dropped');
    }
    return true;
  }

  /** Takes out the kept blocks whose parent is `hash` (it was just added), in the order they came. */
  childrenOf(hash: string): OrphanBlock[] {
    const children = [...this.#blocks.values()].filter((b) => b.parent === hash);
    for (const child of children) this.#remove(child, 'released');
    return children;
  }

  /** Drops kept blocks at or below `height`: below a final block they can never attach. */
  dropAtOrBelow(height: number): void {
    for (const block of [...this.#blocks.values()])
      if (block.height <= height) this.#remove(block, 'dropped');
  }

  clear(): void {
    this.#blocks.clear();
    this.#bytes = 0;
  }

  #remove(block: OrphanBlock, outcome: 'released' | 'dropped'): void {
    this.#blocks.delete(block.hash);
    this.#bytes -= block.data.length;
    this.#counter.inc({ outcome });
  }
}
