import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkBlob, createBlobSigner } from './blob.ts';
import { buildCertificate, signAttestation } from './certificate.ts';
import { encodeBlob } from './chunks.ts';
import { DaStore } from './store.ts';
import { testKey, testValidators } from './test-keys.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const owner = testKey('owner');
const validators = testValidators(4);
const checked = checkBlob(
  createBlobSigner(owner.seed)({
    chainId: 'c',
    channel: 'ch',
    owner: owner.address,
    sequence: 0,
    data: Buffer.from('x'.repeat(999)),
  }),
  'c',
  1 << 20,
);
if ('code' in checked) throw new Error(checked.message);
const { id, header, data } = checked;
const encoded = encodeBlob(data, 4);

describe('DaStore', () => {
  it('keeps blobs, chunks and certificates across a reopen', () => {
    const dir = mkdtempSync(join(tmpdir(), 'da-store-'));
    dirs.push(dir);
    const store = new DaStore(dir);
    store.putBlob({ id, header, data });
    expect(store.uncertified()).toEqual([id]);
    store.putChunk({ id, header, commitment: encoded.commitment }, encoded.chunks[2]!);
    const attestations = [0, 1, 2].map((i) =>
      signAttestation(validators[i]!.key, {
        chainId: 'c',
        id,
        commitment: encoded.commitment,
        size: header.size,
        layout: encoded.layout,
      }),
    );
    const certificate = buildCertificate(
      { id, header, commitment: encoded.commitment },
      attestations,
      validators,
    );
    store.putCertificate(certificate);
    store.close();
    store.close(); // idempotent

    const reopened = new DaStore(dir);
    const blob = reopened.getBlob(id)!;
    expect(Buffer.from(blob.data!).equals(data)).toBe(true);
    expect(blob.header).toEqual(header);
    expect(blob.commitment).toBe(encoded.commitment);
    expect(blob.certificate).toEqual(certificate);
    expect(reopened.uncertified()).toEqual([]);
    const chunk = reopened.getChunk(id, 2)!;
    expect(Buffer.from(chunk.data).equals(Buffer.from(encoded.chunks[2]!.data))).toBe(true);
    expect(chunk.proof).toEqual(encoded.chunks[2]!.proof);
    expect(reopened.getChunk(id, 1)).toBeUndefined();
    expect(reopened.chunkIndexes(id)).toEqual([2]);
    expect(reopened.blobsAt('ch', 0)).toEqual([id]);
    expect(reopened.channelHeads()).toEqual([{ channel: 'ch', owner: owner.address, first: 0, last: 0 }]);
    expect(reopened.counts()).toEqual({ blobs: 1, withData: 1, certified: 1, chunks: 1 });
    reopened.close();
  });

  it('fills in data for a blob first known by its certificate, never overwrites it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'da-store-'));
    dirs.push(dir);
    const store = new DaStore(dir);
    store.putBlob({ id, header });
    expect(store.getBlob(id)!.data).toBeUndefined();
    store.putBlob({ id, header, data });
    store.putBlob({ id, header, data: Buffer.from('other') });
    expect(Buffer.from(store.getBlob(id)!.data!).equals(data)).toBe(true);
    expect(store.getBlob('0'.repeat(64))).toBeUndefined();
    store.close();
  });
});
