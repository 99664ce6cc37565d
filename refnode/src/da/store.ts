import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { BlobHeader } from './blob.ts';
import type { Certificate } from './certificate.ts';
import type { Chunk } from './chunks.ts';

/** A blob as this node knows it: always the header; data, commitment and certificate when held. */
export interface StoredBlob {
  id: string;
  header: BlobHeader;
  /** The payload: on the executor it was published to, or after a retrieval. */
  data: Uint8Array | undefined;
  commitment: string | undefined;
  certificate: Certificate | undefined;
  /** ms since the epoch when this node first stored it. */
  receivedAt: number;
}

interface BlobRow {
  id: string;
  header: string;
  data: Uint8Array | null;
  commitment: string | null;
  certificate: string | null;
  received_at: number;
}

/**
 * Blobs, chunks and certificates on disk: `da.sqlite` in the node's data dir (WAL), apart
 * from the chain database so DA writes never hold up block commits. Each write is one
 * statement or one transaction, so a SIGKILL leaves a consistent file.
 */
export class DaStore {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #insertBlob: StatementSync;
  readonly #setData: StatementSync;
  readonly #setCommitment: StatementSync;
  readonly #setCertificate: StatementSync;
  readonly #getBlob: StatementSync;
  readonly #blobAt: StatementSync;
  readonly #insertChunk: StatementSync;
  readonly #getChunk: StatementSync;
  readonly #chunkIndexes: StatementSync;
  readonly #uncertified: StatementSync;
  readonly #channelHeads: StatementSync;
  readonly #counts: StatementSync;
  #closed = false;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.path = join(dataDir, 'da.sqlite');
    this.#db = new DatabaseSync(this.path);
    this.#db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      CREATE TABLE IF NOT EXISTS blobs (
        id TEXT PRIMARY KEY, channel TEXT NOT NULL, owner TEXT NOT NULL, sequence INTEGER NOT NULL,
        header TEXT NOT NULL, data BLOB, commitment TEXT, certificate TEXT, received_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS blobs_by_channel ON blobs (channel, sequence);
      CREATE TABLE IF NOT EXISTS chunks (
        blob_id TEXT NOT NULL, idx INTEGER NOT NULL, data BLOB NOT NULL, proof TEXT NOT NULL,
        PRIMARY KEY (blob_id, idx));
    `);
    this.#insertBlob = this.#db.prepare(
      'INSERT OR IGNORE INTO blobs (id, channel, owner, sequence, header, received_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.#setData = this.#db.prepare('UPDATE blobs SET data = ? WHERE id = ? AND data IS NULL');
    this.#setCommitment = this.#db.prepare(
      'UPDATE blobs SET commitment = ? WHERE id = ? AND commitment IS NULL',
    );
    this.#setCertificate = this.#db.prepare(
      'UPDATE blobs SET certificate = ?, commitment = ? WHERE id = ? AND certificate IS NULL',
    );
    this.#getBlob = this.#db.prepare(
      'SELECT id, header, data, commitment, certificate, received_at FROM blobs WHERE id = ?',
    );
    this.#blobAt = this.#db.prepare('SELECT id FROM blobs WHERE channel = ? AND sequence = ?');
    this.#insertChunk = this.#db.prepare(
      'INSERT OR IGNORE INTO chunks (blob_id, idx, data, proof) VALUES (?, ?, ?, ?)',
    );
    this.#getChunk = this.#db.prepare('SELECT data, proof FROM chunks WHERE blob_id = ? AND idx = ?');
    this.#chunkIndexes = this.#db.prepare('SELECT idx FROM chunks WHERE blob_id = ? ORDER BY idx');
    this.#uncertified = this.#db.prepare(
      'SELECT id FROM blobs WHERE data IS NOT NULL AND certificate IS NULL ORDER BY received_at, sequence',
    );
    this.#channelHeads = this.#db.prepare(
      'SELECT channel, owner, MIN(sequence) AS first, MAX(sequence) AS last FROM blobs GROUP BY channel, owner ORDER BY first',
    );
    this.#counts = this.#db.prepare(
      'SELECT (SELECT COUNT(*) FROM blobs) AS blobs, (SELECT COUNT(*) FROM blobs WHERE data IS NOT NULL) AS withData, (SELECT COUNT(*) FROM blobs WHERE certificate IS NOT NULL) AS certified, (SELECT COUNT(*) FROM chunks) AS chunks',
    );
  }

  /** Records a blob (header, and data/commitment when given); fills in missing parts of a known one. */
  putBlob(blob: { id: string; header: BlobHeader; data?: Uint8Array; commitment?: string }): void {
    const { id, header } = blob;
    this.#db.exec('BEGIN');
    try {
      this.#insertBlob.run(
        id,
        header.channel,
        header.owner,
        header.sequence,
        JSON.stringify(header),
        Date.now(),
      );
      if (blob.data !== undefined) this.#setData.run(blob.data, id);
      if (blob.commitment !== undefined) this.#setCommitment.run(blob.commitment, id);
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Records a (verified) certificate, creating the blob row from its header if needed. */
  putCertificate(certificate: Certificate): void {
    this.putBlob({ id: certificate.id, header: certificate.header });
    this.#setCertificate.run(JSON.stringify(certificate), certificate.commitment, certificate.id);
  }

  getBlob(id: string): StoredBlob | undefined {
    const row = this.#getBlob.get(id) as BlobRow | undefined;
    if (row === undefined) return undefined;
    return {
      id: row.id,
      header: JSON.parse(row.header) as BlobHeader,
      data: row.data ?? undefined,
      commitment: row.commitment ?? undefined,
      certificate: row.certificate === null ? undefined : (JSON.parse(row.certificate) as Certificate),
      receivedAt: row.received_at,
    };
  }

  /** Ids of blobs stored at (channel, sequence): normally one; more when keys compete for a channel. */
  blobsAt(channel: string, sequence: number): string[] {
    return (this.#blobAt.all(channel, sequence) as { id: string }[]).map((row) => row.id);
  }

  /** Records one (verified) chunk with the header and commitment it belongs to, atomically. */
  putChunk(blob: { id: string; header: BlobHeader; commitment: string }, chunk: Chunk): void {
    this.#db.exec('BEGIN');
    try {
      this.#insertBlob.run(
        blob.id,
        blob.header.channel,
        blob.header.owner,
        blob.header.sequence,
        JSON.stringify(blob.header),
        Date.now(),
      );
      this.#setCommitment.run(blob.commitment, blob.id);
      this.#insertChunk.run(blob.id, chunk.index, chunk.data, JSON.stringify(chunk.proof));
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  getChunk(blobId: string, index: number): Chunk | undefined {
    const row = this.#getChunk.get(blobId, index) as { data: Uint8Array; proof: string } | undefined;
    return row ? { index, data: row.data, proof: JSON.parse(row.proof) as string[] } : undefined;
  }

  /** Indexes of the chunks of a blob held here. */
  chunkIndexes(blobId: string): number[] {
    return (this.#chunkIndexes.all(blobId) as { idx: number }[]).map((row) => row.idx);
  }

  /** Ids of blobs with data but no certificate yet (dispersal to resume after a restart), oldest first. */
  uncertified(): string[] {
    return (this.#uncertified.all() as { id: string }[]).map((row) => row.id);
  }

  /** Per channel and owner: lowest and highest stored sequence (to rebuild channel views at start). */
  channelHeads(): { channel: string; owner: string; first: number; last: number }[] {
    return this.#channelHeads.all() as { channel: string; owner: string; first: number; last: number }[];
  }

  /** Row counts, for logs and tests. */
  counts(): { blobs: number; withData: number; certified: number; chunks: number } {
    return this.#counts.get() as { blobs: number; withData: number; certified: number; chunks: number };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}
