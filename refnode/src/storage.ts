import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { type Block, decodeBlock, encodeBlock } from './chain/block.ts';

/**
 * Blocks on disk in sqlite (WAL). Every accepted block is written in its own transaction
 * before it is announced, together with the best-chain index and the final height, so a
 * SIGKILL at any moment leaves a consistent database and no final block is lost.
 */
export class BlockStore {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #insertBlock: StatementSync;
  readonly #getBlock: StatementSync;
  readonly #setCanonical: StatementSync;
  readonly #truncateCanonical: StatementSync;
  readonly #canonicalRange: StatementSync;
  readonly #canonicalIndex: StatementSync;
  readonly #setMeta: StatementSync;
  readonly #getMeta: StatementSync;
  #closed = false;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, 'chain.sqlite');
    this.#db = new DatabaseSync(this.path);
    // WAL + NORMAL: a committed transaction survives a process kill (the OS has the pages);
    // only a power loss could drop the last commits, which this test node does not model.
    this.#db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      CREATE TABLE IF NOT EXISTS blocks (hash TEXT PRIMARY KEY, height INTEGER NOT NULL, data BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS canonical (height INTEGER PRIMARY KEY, hash TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
    this.#insertBlock = this.#db.prepare(
      'INSERT OR IGNORE INTO blocks (hash, height, data) VALUES (?, ?, ?)',
    );
    this.#getBlock = this.#db.prepare('SELECT data FROM blocks WHERE hash = ?');
    this.#setCanonical = this.#db.prepare('INSERT OR REPLACE INTO canonical (height, hash) VALUES (?, ?)');
    this.#truncateCanonical = this.#db.prepare('DELETE FROM canonical WHERE height > ?');
    this.#canonicalRange = this.#db.prepare(
      'SELECT b.data AS data FROM canonical c JOIN blocks b ON b.hash = c.hash WHERE c.height >= ? AND c.height <= ? ORDER BY c.height',
    );
    this.#canonicalIndex = this.#db.prepare('SELECT height, hash FROM canonical ORDER BY height');
    this.#setMeta = this.#db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    this.#getMeta = this.#db.prepare('SELECT value FROM meta WHERE key = ?');
  }

  /** The genesis hash this database was created for (undefined when new). */
  get genesisHash(): string | undefined {
    return (this.#getMeta.get('genesis') as { value: string } | undefined)?.value;
  }
  set genesisHash(hash: string) {
    this.#setMeta.run('genesis', hash);
  }

  get finalizedHeight(): number {
    const row = this.#getMeta.get('finalized') as { value: string } | undefined;
    return row ? Number(row.value) : 0;
  }

  /**
   * Records one accepted block atomically: the block, the best-chain change it caused
   * (heights above `forkHeight` replaced by `joined`), and the final height.
   */
  commit(change: {
    block: Block;
    bytes?: Uint8Array;
    forkHeight?: number;
    joined: { height: number; hash: string }[];
    finalizedHeight: number;
  }): void {
    this.#db.exec('BEGIN');
    try {
      this.#insertBlock.run(
        change.block.hash,
        change.block.height,
        change.bytes ?? encodeBlock(change.block),
      );
      if (change.joined.length > 0) {
        this.#truncateCanonical.run(change.forkHeight ?? change.joined[0]!.height - 1);
        for (const joined of change.joined) this.#setCanonical.run(joined.height, joined.hash);
      }
      this.#setMeta.run('finalized', String(change.finalizedHeight));
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  getBlock(hash: string): Block | undefined {
    const row = this.#getBlock.get(hash) as { data: Uint8Array } | undefined;
    return row ? decodeBlock(row.data) : undefined;
  }

  /** Raw bytes of best-chain blocks from..to (inclusive), in height order. */
  canonicalBytes(from: number, to: number): Uint8Array[] {
    return (this.#canonicalRange.all(from, to) as { data: Uint8Array }[]).map((row) => row.data);
  }

  /** Every best-chain block from height 1 upward, in batches (for replay at start). */
  *canonicalBlocks(batch = 500): Generator<Block> {
    for (let from = 1; ; from += batch) {
      const rows = this.canonicalBytes(from, from + batch - 1);
      for (const row of rows) yield decodeBlock(row);
      if (rows.length < batch) return;
    }
  }

  /** The best-chain index as stored: `(height, hash)` rows in height order. */
  canonicalIndex(): { height: number; hash: string }[] {
    return this.#canonicalIndex.all() as { height: number; hash: string }[];
  }

  /** sqlite's own consistency check (`PRAGMA integrity_check`): empty when the file is sound. */
  integrityProblems(): string[] {
    return (this.#db.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[])
      .map((row) => row.integrity_check)
      .filter((line) => line !== 'ok');
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}
