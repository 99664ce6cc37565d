import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import type { Libp2p } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { createLibp2p } from 'libp2p';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaClient, serveDa } from '../p2p/da-protocol.ts';
import { peerIdFromSecretKey, privateKeyFromSecretKey } from '../p2p/identity.ts';
import { blobId, createBlobSigner, dataHash } from './blob.ts';
import { verifyCertificate } from './certificate.ts';
import { encodeBlob } from './chunks.ts';
import { DaService } from './da-service.ts';
import { testKey, testValidators } from './test-keys.ts';

/*
 * The DA service of 4 validators and 1 executor, each with its own libp2p node (TCP, noise,
 * yamux on 127.0.0.1) and sqlite file, talking the real /refnode/<chainId>/da/1 protocol.
 */
const chainId = 'da-wire';
const logger = pino({ level: 'silent' });
const owner = testKey('owner');
const base = testValidators(4);
let validators: (typeof base)[number][];
const nodes: { libp2p: Libp2p; service: DaService; client: DaClient; stop: AbortController }[] = [];
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'da-wire-'));
  validators = await Promise.all(
    base.map(async (v) => ({ ...v, peerId: await peerIdFromSecretKey(v.seed) })),
  );
  const executor = testKey('executor');
  const members = [
    ...validators.map((v) => ({ nodeId: v.nodeId, seed: v.seed, key: v.key, role: 'validator' as const })),
    { nodeId: 'exe-0', seed: executor.seed, key: executor.key, role: 'executor' as const },
  ];
  for (const member of members) {
    const libp2p = await createLibp2p({
      privateKey: await privateKeyFromSecretKey(member.seed),
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
    });
    const service = new DaService({
      role: member.role,
      chainId,
      dataDir: join(dir, member.nodeId),
      validators,
      executors: [{ nodeId: 'exe-0', peerId: libp2p.peerId.toString() }],
      key: member.key,
      logger,
      registry: new Registry(),
    });
    await serveDa(libp2p, chainId, service.provider, 5000);
    const stop = new AbortController();
    const client = new DaClient(libp2p, chainId, 5000, stop.signal);
    service.attach({
      sendChunk: (peer, message) => client.sendChunk(peer, message),
      fetchChunk: (peer, id, index) => client.fetchChunk(peer, id, index),
      publish: async () => undefined,
    });
    nodes.push({ libp2p, service, client, stop });
  }
  // Everyone learns everyone's address (the node's peer keeper does this from genesis peers).
  for (const a of nodes)
    for (const b of nodes)
      if (a !== b) await a.libp2p.peerStore.merge(b.libp2p.peerId, { multiaddrs: b.libp2p.getMultiaddrs() });
});

afterAll(async () => {
  for (const node of nodes) {
    node.stop.abort();
    await node.service.stop();
    await node.libp2p.stop();
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('DA protocol over libp2p', () => {
  it('disperses a 64 KiB blob to 4 validators, certifies it, and rebuilds it on another validator', async () => {
    const executor = nodes[4]!.service;
    const data = Buffer.from(Array.from({ length: 65_536 }, (_, i) => (i * 7919) % 251));
    const body = createBlobSigner(owner.seed)({
      chainId,
      channel: 'wire',
      owner: owner.address,
      sequence: 0,
      data,
    });
    const accepted = executor.submit(body);
    if ('code' in accepted) throw new Error(accepted.message);
    await expect.poll(() => executor.status(accepted.id)?.status, { timeout: 10_000 }).toBe('certified');
    const certificate = executor.store.getBlob(accepted.id)!.certificate!;
    expect(verifyCertificate(certificate, validators, chainId)).toMatchObject({ ok: true });
    await expect
      .poll(() => nodes.slice(0, 4).map((n) => n.service.store.counts().chunks), { timeout: 10_000 })
      .toEqual([1, 1, 1, 1]);
    // val-2 learns the certificate (gossip, in the node) and rebuilds from its chunk plus others over the wire.
    const val2 = nodes[2]!.service;
    expect(val2.onGossip(Buffer.from(JSON.stringify({ certificates: [certificate], sentAt: 1 })))).toBe(
      'accept',
    );
    expect(val2.onGossip(Buffer.from(JSON.stringify({ certificates: [certificate], sentAt: 2 })))).toBe(
      'ignore',
    );
    expect(val2.pool.size).toBe(1);
    expect((await val2.data(accepted.id)).equals(data)).toBe(true);
    expect(val2.status(accepted.id)).toMatchObject({ status: 'certified', channel: 'wire', size: 65_536 });
    expect(executor.info()).toMatchObject({ received: 1, certified: 1 });
  });

  it('returns typed refusals and missing chunks across the wire', async () => {
    const client = nodes[4]!.client;
    const data = Buffer.from('refused');
    const body = createBlobSigner(owner.seed)({
      chainId,
      channel: 'wire',
      owner: owner.address,
      sequence: 1,
      data,
    });
    const header = {
      chainId,
      channel: 'wire',
      owner: owner.address,
      sequence: 1,
      size: data.length,
      dataHash: dataHash(data),
      sig: body.sig,
    };
    const encoded = encodeBlob(data, 4);
    const message = { id: blobId(header), header, commitment: encoded.commitment, chunk: encoded.chunks[0]! };
    await expect(client.sendChunk(validators[1]!.peerId, message)).rejects.toMatchObject({
      isDaError: true,
      code: 'wrong_index',
      message: expect.stringMatching(/refused: chunk 0 sent to validator 1/),
    });
    expect(await client.fetchChunk(validators[1]!.peerId, message.id, 1)).toBeUndefined();
    await expect(client.fetchChunk(validators[1]!.peerId, 'nothex', 1)).rejects.toMatchObject({
      code: 'remote_error',
      message: expect.stringMatching(/id must be 64 hex/),
    });
    const attestation = await client.sendChunk(validators[0]!.peerId, message);
    expect(attestation.validator).toBe(validators[0]!.publicKey);
    const fetched = await client.fetchChunk(validators[0]!.peerId, message.id, 0);
    expect(Buffer.from(fetched!.data).equals(Buffer.from(encoded.chunks[0]!.data))).toBe(true);
    expect(fetched!.proof).toEqual(encoded.chunks[0]!.proof);
  });
});
