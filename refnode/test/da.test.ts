/**
 * Data availability end to end: 4 validators + 2 executors as real refnode processes over
 * real libp2p. Bad DA requests get typed 4xx errors; forged certificates are refused on the
 * `da` topic and inside blocks; blobs published at a steady rate on 2 channels are certified,
 * included in order per channel, and rebuilt byte-for-byte on validators that were not their
 * entry point; a validator restarted mid-run still serves its chunks.
 */
import { randomBytes, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Block, daRoot, encodeCompactBlock, headerHash, txRoot } from '../src/chain/block.ts';
import { proofDraw, slotProof, winProbability } from '../src/chain/lottery.ts';
import { keyPairFromSeed, privateKeyFromSeed } from '../src/codec.ts';
import { type BlobHeader, blobId, createBlobSigner, dataHash, type SignedBlob } from '../src/da/blob.ts';
import { type Certificate, signAttestation } from '../src/da/certificate.ts';
import { encodeBlob } from '../src/da/chunks.ts';
import { type Network, startNetwork } from '../src/p2p/network.ts';
import { type GenesisSet, type RunningNode, waitFor, writeGenesis } from './cluster.ts';

const metric = async (node: RunningNode, name: string, labels = ''): Promise<number> => {
  const text = await (await fetch(`${node.api}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : 0;
};

let set: GenesisSet;
const nodes: RunningNode[] = [];
let genesis: {
  chainId: string;
  genesisTime: number;
  slotMs: number;
  activeSlotCoeff: number;
  epochNonce: string;
  validators: { publicKey: string; stake: number }[];
};
const validatorSeeds: string[] = [];

beforeAll(async () => {
  set = await writeGenesis({
    validators: 4,
    executors: 2,
    wallets: 4,
    slotMs: 200,
    securityParam: 5,
    seed: 'da-e2e',
  });
  genesis = JSON.parse(readFileSync(`${set.dir}/genesis.json`, 'utf8'));
  for (let i = 0; i < 4; i++)
    validatorSeeds.push(JSON.parse(readFileSync(set.configPath(i), 'utf8')).secretKey);
  // One at a time: six cold starts at once can starve each other on a busy 2-core box.
  for (let i = 0; i < 6; i++) nodes.push(await set.start(i));
  await waitFor(
    async () => (await Promise.all(nodes.map((n) => n.info()))).every((i) => i.peers >= 5),
    30_000,
    'full mesh',
  );
});
afterAll(async () => {
  await set?.[Symbol.asyncDispose]();
});

const blob = (
  wallet: number,
  channel: string,
  sequence: number,
  data: Buffer,
  chainId = set.chainId,
): SignedBlob =>
  createBlobSigner(set.wallets[wallet]!.secretKey)({
    chainId,
    channel,
    owner: set.wallets[wallet]!.address,
    sequence,
    data,
  });

describe('refnode data availability', () => {
  it('answers bad DA requests with typed 4xx errors', async () => {
    const [val0, , , , exe0] = nodes as [RunningNode, RunningNode, RunningNode, RunningNode, RunningNode];
    const post = (node: RunningNode, body: unknown) => node.post('/da/blobs', body);
    const first = await post(exe0, blob(2, 'errors', 0, Buffer.from('first')));
    expect(first).toMatchObject({ status: 202, body: { status: 'pending', duplicate: false } });
    expect(await post(exe0, blob(2, 'errors', 0, Buffer.from('first')))).toMatchObject({
      status: 200,
      body: { duplicate: true },
    });
    const cases: [string, RunningNode, unknown, number, string, RegExp][] = [
      ['malformed JSON', exe0, '{"chainId":', 400, 'malformed', /not valid JSON/],
      [
        'missing data',
        exe0,
        { ...blob(2, 'errors', 1, Buffer.from('x')), data: undefined },
        400,
        'malformed',
        /data must be a base64 string/,
      ],
      [
        'other chain',
        exe0,
        blob(2, 'errors', 1, Buffer.from('x'), 'other-chain'),
        400,
        'wrong_chain',
        /not this chain's/,
      ],
      [
        'bad channel name',
        exe0,
        blob(2, 'no spaces', 0, Buffer.from('x')),
        400,
        'bad_channel',
        /channel must be/,
      ],
      [
        'someone else’s channel',
        exe0,
        blob(3, 'errors', 1, Buffer.from('x')),
        400,
        'bad_channel',
        /channel errors is owned by/,
      ],
      [
        'forged signature',
        exe0,
        { ...blob(2, 'errors', 1, Buffer.from('x')), sig: 'ab'.repeat(64) },
        400,
        'bad_signature',
        /not a valid signature by owner/,
      ],
      [
        'payload over 512 KiB',
        exe0,
        blob(2, 'errors', 1, randomBytes(600 * 1024)),
        413,
        'too_large',
        /at most 524288 allowed/,
      ],
      ['sequence taken', exe0, blob(2, 'errors', 0, Buffer.from('other')), 409, 'bad_order', /already taken/],
      [
        'sequence far ahead',
        exe0,
        blob(2, 'errors', 40, Buffer.from('x')),
        409,
        'bad_order',
        /not the next one \(1\)/,
      ],
      [
        'publish to a validator',
        val0,
        blob(2, 'errors', 1, Buffer.from('x')),
        403,
        'wrong_role',
        /published to executors \(exe-0, exe-1\)/,
      ],
    ];
    for (const [name, node, body, status, code, message] of cases) {
      const res = await post(node, body);
      expect({ name, status: res.status, code: res.body.error?.code }).toEqual({ name, status, code });
      expect(res.body.error.message).toMatch(message);
    }
    expect(await val0.get('/da/blobs/xyz')).toMatchObject({
      status: 400,
      body: { error: { code: 'bad_id' } },
    });
    expect(await val0.get(`/da/blobs/${'0'.repeat(64)}`)).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found' } },
    });
    expect(await exe0.get(`/da/blobs/${first.body.id}?data=yes`)).toMatchObject({
      status: 400,
      body: { error: { code: 'bad_query' } },
    });
    expect(await val0.get('/da/channels/bad!name')).toMatchObject({
      status: 400,
      body: { error: { code: 'bad_channel' } },
    });
    expect(await exe0.get('/da/channels/errors')).toMatchObject({
      status: 200,
      body: { channel: 'errors', nextAccepted: 1 },
    });
  });

  it('refuses forged certificates on the da topic and inside blocks', async () => {
    const [val0, val1] = nodes as [RunningNode, RunningNode];
    // A blob nobody published, "certified" by 2 of 4 validators (real keys, below the 3 needed).
    const data = Buffer.from('never dispersed');
    const body = blob(2, 'forged', 0, data);
    const header: BlobHeader = {
      chainId: set.chainId,
      channel: 'forged',
      owner: body.owner,
      sequence: 0,
      size: data.length,
      dataHash: dataHash(data),
      sig: body.sig,
    };
    const id = blobId(header);
    const { commitment, layout } = encodeBlob(data, 4);
    const attest = (i: number) =>
      signAttestation(
        {
          secret: privateKeyFromSeed(validatorSeeds[i]!),
          publicKey: keyPairFromSeed(validatorSeeds[i]!).address,
        },
        { chainId: set.chainId, id, commitment, size: data.length, layout },
      );
    const forged: Certificate = {
      id,
      header,
      commitment,
      chunks: 4,
      dataChunks: 2,
      attestations: [attest(0), attest(1)],
    };

    // A gossip peer of our own, connected to val-0 and val-1.
    await using network: Network = await startNetwork({
      secretKey: randomBytes(32).toString('hex'),
      host: '127.0.0.1',
      port: 0,
      announce: [],
      peers: [nodes[0]!.ready.p2p[0]!, nodes[1]!.ready.p2p[0]!],
      chainId: set.chainId,
      logger: pino({ level: 'silent' }),
      registry: new Registry(),
      sync: {
        status: () => ({ height: 0, tip: '0'.repeat(64), finalizedHeight: 0 }),
        blocksByHeight: () => [],
        blockByHash: () => undefined,
      },
    });
    network.subscribe('da', () => 'ignore');
    network.subscribe('blocks', () => 'ignore');
    await waitFor(
      () => network.topicPeers('da').length >= 2 && network.topicPeers('blocks').length >= 2,
      20_000,
      'gossip peers',
    );

    const rejectedBefore = await metric(val0, 'refnode_da_gossip_received_total', 'verdict="reject"');
    await network.publish('da', Buffer.from(JSON.stringify({ certificates: [forged], sentAt: Date.now() })));
    await waitFor(
      async () =>
        (await metric(val0, 'refnode_da_gossip_received_total', 'verdict="reject"')) > rejectedBefore,
      10_000,
      'val-0 to reject the forged certificate',
    );
    expect(await val0.get(`/da/blobs/${id}`)).toMatchObject({ status: 404 });

    // A block by val-0 (its real key, a slot it wins) carrying the forged certificate, on val-1's
    // current tip, so it is judged on its certificate (not as stale or from the future).
    const secret = privateKeyFromSeed(validatorSeeds[0]!);
    const total = genesis.validators.reduce((sum, v) => sum + v.stake, 0);
    const chance = winProbability(genesis.activeSlotCoeff, genesis.validators[0]!.stake / total);
    const currentSlot = () => Math.floor((Date.now() - genesis.genesisTime) / genesis.slotMs);
    const { tip, slot } = await waitFor(
      async () => {
        const tip: Block = (await val1.get(`/blocks/${(await val1.info()).tip}`)).body;
        // Past slots after the tip are fine; future ones only within the drift bound (500 ms).
        for (let slot = tip.slot + 1; slot <= currentSlot() + 1; slot++)
          if (proofDraw(slotProof(secret, genesis.epochNonce, slot)) < chance) return { tip, slot };
        return undefined;
      },
      30_000,
      'a slot val-0 wins right after val-1’s tip',
    );
    const da = [forged];
    const unsigned = {
      parent: tip.hash,
      height: tip.height + 1,
      slot,
      timestamp: genesis.genesisTime + slot * genesis.slotMs,
      proposer: genesis.validators[0]!.publicKey,
      proof: slotProof(secret, genesis.epochNonce, slot),
      txRoot: txRoot([]),
      stateRoot: tip.stateRoot,
      daRoot: daRoot(da),
    };
    const hash = headerHash(unsigned);
    const block: Block = {
      ...unsigned,
      hash,
      sig: sign(null, Buffer.from(hash, 'hex'), secret).toString('hex'),
      txs: [],
      da,
    };
    const badDaBefore = await metric(val1, 'refnode_blocks_rejected_total', 'reason="bad_da"');
    await network.publish('blocks', encodeCompactBlock(block));
    await waitFor(
      async () => (await metric(val1, 'refnode_blocks_rejected_total', 'reason="bad_da"')) > badDaBefore,
      10_000,
      'val-1 to refuse the block with bad_da',
    );
    expect(await val1.get(`/blocks/${hash}`)).toMatchObject({ status: 404 });
    const log = readFileSync(`${set.dir}/node-1.log`, 'utf8');
    expect(log).toMatch(
      /refused block \d+ from gossip: certificate 0: attestations hold stake \d+, below the threshold \d+/,
    );
  });

  it('certifies, includes in order, and serves blobs from other nodes; survives a validator restart', async () => {
    const [val0, val1, val2, val3, exe0, exe1] = nodes as [
      RunningNode,
      RunningNode,
      RunningNode,
      RunningNode,
      RunningNode,
      RunningNode,
    ];
    const channels = ['alpha', 'beta'];
    const sent: { id: string; channel: string; sequence: number; data: Buffer }[] = [];
    const perChannel = 6;
    // Steady rate: one blob every 250 ms, alternating channels (alpha → exe-0, beta → exe-1).
    for (let i = 0; i < perChannel * 2; i++) {
      const c = i % 2;
      const sequence = Math.floor(i / 2);
      const data = randomBytes(1000 + ((i * 7919) % 30_000));
      const res = await (c === 0 ? exe0 : exe1).post('/da/blobs', blob(c, channels[c]!, sequence, data));
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      sent.push({ id: res.body.id, channel: channels[c]!, sequence, data });
      if (i === 5) {
        // Mid-run restart of val-1 (graceful stop, then start from its data dir).
        await val1.stop();
        nodes[1] = await set.start(1);
      }
      await new Promise((ok) => setTimeout(ok, 250));
    }
    const restarted = nodes[1]!;
    // All included and final, as seen by the validators that were not the entry point of any
    // blob and that are read below (a block that only one of them has yet, or that one of
    // them may still swap for a rival from the same slot, would not do).
    const finalOn = async (node: RunningNode): Promise<boolean> => {
      const { finalizedHeight } = await node.info();
      const statuses = await Promise.all(sent.map((b) => node.get(`/da/blobs/${b.id}`)));
      return statuses.every((s) => s.body.status === 'included' && s.body.height <= finalizedHeight);
    };
    await waitFor(
      async () => (await finalOn(val0)) && (await finalOn(val2)) && (await finalOn(val3)),
      60_000,
      'every blob included in a final block on val-0, val-2 and val-3',
    );
    // Included in order per channel: walk val-0's final chain.
    const height = (await val0.info()).finalizedHeight;
    const seen: Record<string, number[]> = { alpha: [], beta: [], errors: [] };
    for (let from = 1; from <= height; from += 500) {
      const { body } = await val0.get(`/blocks?from=${from}&to=${Math.min(from + 499, height)}`);
      for (const block of body.blocks as Block[])
        for (const cert of block.da as Certificate[]) seen[cert.header.channel]!.push(cert.header.sequence);
    }
    expect(seen).toEqual({ alpha: [0, 1, 2, 3, 4, 5], beta: [0, 1, 2, 3, 4, 5], errors: [0] });
    // Byte-for-byte from a validator that never saw the blobs whole.
    for (const b of sent) {
      const { status, body } = await val3.get(`/da/blobs/${b.id}?data=1`);
      expect(status, JSON.stringify(body).slice(0, 300)).toBe(200);
      expect(body).toMatchObject({
        status: 'included',
        channel: b.channel,
        size: b.data.length,
        sequence: b.sequence,
      });
      expect(Buffer.from(body.data, 'base64').equals(b.data)).toBe(true);
    }
    const exeInfo = (await exe0.get('/info')).body.da;
    expect(exeInfo).toMatchObject({
      received: perChannel + 1,
      certified: perChannel + 1,
      retrievalFailures: 0,
    });
    // The restarted validator still holds and serves its chunks: with the executors and two other
    // validators gone, val-0 can rebuild a blob dispersed before the restart only with val-1's chunk.
    await Promise.all([exe0.stop(), exe1.stop(), val2.stop(), val3.stop()]);
    for (const b of sent.slice(0, 4)) {
      const { status, body } = await val0.get(`/da/blobs/${b.id}?data=1`);
      expect(status, JSON.stringify(body).slice(0, 300)).toBe(200);
      expect(Buffer.from(body.data, 'base64').equals(b.data)).toBe(true);
    }
    expect(
      await metric(restarted, 'refnode_da_requests_total', 'direction="served",kind="chunk",outcome="ok"'),
    ).toBeGreaterThanOrEqual(4);
    expect((await val0.get('/info')).body.da).toMatchObject({
      included: perChannel * 2 + 1,
      retrievalFailures: 0,
    });
  });
});
