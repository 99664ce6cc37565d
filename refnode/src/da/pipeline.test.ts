import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { blobId, createBlobSigner, dataHash, type SignedBlob } from './blob.ts';
import { verifyCertificate } from './certificate.ts';
import { ChunkHolder } from './chunk-holder.ts';
import { encodeBlob } from './chunks.ts';
import { BlobDisperser } from './disperser.ts';
import { LoopbackTransport } from './loopback-transport.ts';
import { BlobRetriever } from './retriever.ts';
import { DaStore } from './store.ts';
import { testKey, testValidators } from './test-keys.ts';

const chainId = 'da-test';
const validators = testValidators(4);
const alice = testKey('alice');
const bob = testKey('bob');
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'da-pipeline-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** 4 validator chunk holders (own sqlite files) and an executor, over a loopback transport. */
function cluster(options: { lingerMs?: number } = {}) {
  const transport = new LoopbackTransport();
  const dirs = validators.map(() => tempDir());
  const stores: DaStore[] = [];
  const holders: ChunkHolder[] = [];
  const startValidator = (i: number) => {
    const store = new DaStore(dirs[i]!);
    cleanups.push(() => store.close());
    const holder = new ChunkHolder({ chainId, validators, key: validators[i]!.key, store });
    stores[i] = store;
    holders[i] = holder;
    transport.attach(validators[i]!.peerId, holder);
  };
  for (const [i] of validators.entries()) startValidator(i);
  const executorDir = tempDir();
  const startExecutor = () => {
    const store = new DaStore(executorDir);
    const disperser = new BlobDisperser({
      chainId,
      validators,
      store,
      transport,
      maxBlobBytes: 100_000,
      maxSequenceGap: 2,
      retryDelaysMs: [10, 20, 50],
      lingerMs: options.lingerMs ?? 2000,
    });
    cleanups.push(async () => {
      await disperser.stop();
      store.close();
    });
    return { store, disperser };
  };
  const retrieverFor = (i: number) =>
    new BlobRetriever({
      validators,
      transport,
      store: stores[i]!,
      localChunk: (id, index) => holders[i]!.chunk(id, index),
      requestTimeoutMs: 500,
    });
  return { transport, stores, holders, startValidator, startExecutor, retrieverFor };
}

const signAlice = createBlobSigner(alice.seed);
const publish = (
  channel: string,
  sequence: number,
  size = 5000,
  owner = alice.address,
  sign = signAlice,
): SignedBlob =>
  sign({
    chainId,
    channel,
    owner,
    sequence,
    data: Buffer.from(
      Array.from({ length: size }, (_, i) => (i * 31 + sequence * 7 + channel.length) & 0xff),
    ),
  });

describe('DA pipeline (executor → validators → certificate → retrieval)', () => {
  it('certifies blobs on two channels and rebuilds them byte-for-byte on a validator that was not the entry point', async () => {
    const { startExecutor, retrieverFor, stores, transport } = cluster();
    const { disperser } = startExecutor();
    const bodies = [0, 1, 2].flatMap((sequence) => [
      publish('alpha', sequence),
      publish('beta', sequence, 7000),
    ]);
    const ids = bodies.map((body) => {
      const accepted = disperser.submit(body);
      if ('code' in accepted) throw new Error(accepted.message);
      expect(accepted).toMatchObject({ status: 'pending', duplicate: false });
      return accepted.id;
    });
    const certificates = await Promise.all(ids.map((id) => disperser.certificate(id)));
    for (const certificate of certificates) {
      expect(verifyCertificate(JSON.parse(JSON.stringify(certificate)), validators, chainId)).toMatchObject({
        ok: true,
      });
      expect(certificate.attestations.length).toBeGreaterThanOrEqual(3);
    }
    // Each validator stored exactly its own chunk of each blob.
    await expect.poll(() => stores.map((store) => store.counts().chunks)).toEqual([6, 6, 6, 6]);
    expect(stores[2]!.chunkIndexes(ids[0]!)).toEqual([2]);
    // val-3 holds only chunk 3; it fetches one more from the others and rebuilds.
    const retriever = retrieverFor(3);
    for (const [i, certificate] of certificates.entries()) {
      const data = await retriever.retrieve(certificate);
      expect(data.equals(Buffer.from(bodies[i]!.data, 'base64'))).toBe(true);
    }
    expect(retriever.counters).toEqual({ retrieved: 6, failures: 0 });
    expect(disperser.counters).toEqual({ received: 6, dispersed: 6, certified: 6 });
    expect(transport.delivered.get('peer-0')).toBe(6);
  });

  it('certifies with one validator down and hands it its chunk when it comes back', async () => {
    const { startExecutor, transport, stores } = cluster();
    transport.setUp('peer-1', false);
    const { disperser } = startExecutor();
    const accepted = disperser.submit(publish('alpha', 0));
    if ('code' in accepted) throw new Error(accepted.message);
    const certificate = await disperser.certificate(accepted.id);
    expect(certificate.attestations.map((a) => a.validator)).toEqual(
      [0, 2, 3].map((i) => validators[i]!.publicKey),
    );
    expect(disperser.counters.dispersed).toBe(0);
    transport.setUp('peer-1', true);
    await expect.poll(() => stores[1]!.chunkIndexes(accepted.id)).toEqual([1]);
    await expect.poll(() => disperser.counters.dispersed).toBe(1);
  });

  it('waits for the threshold: two validators down means no certificate until one returns', async () => {
    const { startExecutor, transport } = cluster();
    transport.setUp('peer-0', false);
    transport.setUp('peer-3', false);
    const { disperser, store } = startExecutor();
    const accepted = disperser.submit(publish('alpha', 0));
    if ('code' in accepted) throw new Error(accepted.message);
    let certified = false;
    void disperser.certificate(accepted.id).then(() => {
      certified = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(certified).toBe(false);
    expect(store.getBlob(accepted.id)!.certificate).toBeUndefined();
    transport.setUp('peer-3', true);
    await expect.poll(() => certified).toBe(true);
    expect(store.getBlob(accepted.id)!.certificate!.attestations).toHaveLength(3);
  });

  it('resumes dispersal after an executor restart; blobs and chunks survive restarts', async () => {
    const { startExecutor, transport, startValidator, retrieverFor } = cluster();
    for (const v of validators) transport.setUp(v.peerId, false);
    const first = startExecutor();
    const body = publish('alpha', 0, 20_000);
    const accepted = first.disperser.submit(body);
    if ('code' in accepted) throw new Error(accepted.message);
    await first.disperser.stop();
    first.store.close();

    for (const v of validators) transport.setUp(v.peerId, true);
    const second = startExecutor();
    expect(second.disperser.channel('alpha')).toEqual({ owner: alice.address, next: 1 });
    expect(second.disperser.resume()).toBe(1);
    const certificate = await second.disperser.certificate(accepted.id);
    // Validator 0 restarts (new store handle on the same file) and still serves its chunk.
    startValidator(0);
    expect(transport.delivered.get('peer-0')).toBe(1);
    const retriever = retrieverFor(0);
    expect((await retriever.retrieve(certificate)).equals(Buffer.from(body.data, 'base64'))).toBe(true);
    expect(second.disperser.submit(body)).toEqual({ id: accepted.id, status: 'certified', duplicate: true });
  });

  it('refuses out-of-order sequences and other keys on an owned channel', () => {
    const { startExecutor } = cluster();
    const { disperser } = startExecutor();
    expect(disperser.submit(publish('alpha', 3))).toMatchObject({
      code: 'bad_order',
      message: /not the next one \(0\); at most 2 away/,
    });
    expect(disperser.submit(publish('alpha', 0))).toMatchObject({ status: 'pending' });
    expect(disperser.submit(publish('alpha', 0, 10))).toMatchObject({
      code: 'bad_order',
      message: /already taken/,
    });
    // Within the gap: 2 may come before 1 (e.g. 1 went to another executor).
    expect(disperser.submit(publish('alpha', 2))).toMatchObject({ status: 'pending' });
    expect(disperser.submit(publish('alpha', 1))).toMatchObject({ status: 'pending' });
    expect(disperser.channel('alpha')).toEqual({ owner: alice.address, next: 3 });
    const byBob = publish('alpha', 3, 10, bob.address, createBlobSigner(bob.seed));
    expect(disperser.submit(byBob)).toMatchObject({
      code: 'bad_channel',
      message: /channel alpha is owned by/,
    });
    expect(disperser.submit({ ...publish('alpha', 3), sig: '00'.repeat(64) })).toMatchObject({
      code: 'bad_signature',
    });
    expect(disperser.submit(publish('alpha', 3, 200_000))).toMatchObject({ code: 'too_large' });
    // A certificate seen elsewhere moves the channel on.
    disperser.noteBlob({ channel: 'alpha', owner: alice.address, sequence: 9 });
    expect(disperser.channel('alpha')).toEqual({ owner: alice.address, next: 10 });
    expect(disperser.counters.received).toBe(3);
  });

  it('rebuilds around a validator that serves corrupted chunks, and reports when too few remain', async () => {
    const { startExecutor, transport, retrieverFor } = cluster();
    const { disperser } = startExecutor();
    const body = publish('alpha', 0);
    const accepted = disperser.submit(body);
    if ('code' in accepted) throw new Error(accepted.message);
    const certificate = await disperser.certificate(accepted.id);
    await expect.poll(() => disperser.counters.dispersed).toBe(1);
    transport.setCorrupt('peer-0', true);
    const onVal1 = retrieverFor(1);
    expect((await onVal1.retrieve(certificate)).equals(Buffer.from(body.data, 'base64'))).toBe(true);
    // val-2 with everyone else corrupt or down holds 1 valid chunk of the 2 needed.
    transport.setCorrupt('peer-1', true);
    transport.setUp('peer-3', false);
    const onVal2 = retrieverFor(2);
    await expect(onVal2.retrieve(certificate)).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(
        /need 2 valid chunks of 4, have 1.*val-0's chunk 0 failed its proof.*val-3: peer-3 is unreachable/,
      ),
    });
    expect(onVal2.counters).toEqual({ retrieved: 0, failures: 1 });
  });

  it('validators refuse chunks that are not theirs, do not prove, or carry a forged header', () => {
    const { holders } = cluster();
    const body = publish('alpha', 0);
    const data = Buffer.from(body.data, 'base64');
    const encoded = encodeBlob(data, 4);
    const dispersal = (index: number) => {
      const header = {
        chainId,
        channel: 'alpha',
        owner: alice.address,
        sequence: 0,
        size: data.length,
        dataHash: dataHash(data),
        sig: body.sig,
      };
      return { id: blobId(header), header, commitment: encoded.commitment, chunk: encoded.chunks[index]! };
    };
    const holder = holders[1]!;
    expect(holder.receive(dispersal(1))).toMatchObject({ validator: validators[1]!.publicKey });
    expect(holder.receive(dispersal(2))).toMatchObject({
      code: 'wrong_index',
      message: /chunk 2 sent to validator 1/,
    });
    const flipped = dispersal(1);
    flipped.chunk = { ...flipped.chunk, data: Uint8Array.from(flipped.chunk.data, (b) => b ^ 1) };
    expect(holder.receive(flipped)).toMatchObject({ code: 'bad_chunk' });
    const forged = dispersal(1);
    forged.header = { ...forged.header, sig: '11'.repeat(64) };
    expect(holder.receive(forged)).toMatchObject({ code: 'bad_signature' });
    expect(holder.receive({ ...dispersal(1), id: '00'.repeat(32) })).toMatchObject({ code: 'malformed' });
    expect(
      holder.receive({ ...dispersal(1), header: { ...dispersal(1).header, chainId: 'x' } }),
    ).toMatchObject({ code: 'wrong_chain' });
    expect(holder.receive(null)).toMatchObject({ code: 'malformed' });
  });
});
