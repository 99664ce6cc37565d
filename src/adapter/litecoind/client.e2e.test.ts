/**
 * The typed client against two real regtest nodes: tips, block ranges with parent links,
 * one block, the UTXO total, node and peer info, mempool, tx status, and the typed
 * errors of a wrong password and a closed port.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RegtestNodes, startRegtestNodes } from '../../../test/litecoind/regtest-nodes.ts';
import { freePort } from '../../deployers/local/free-port.ts';
import { LitecoindClient } from './client.ts';
import { emittedSupply } from './emission.ts';
import { LitecoinRpcError } from './rpc.ts';
import { waitForSameTip } from './sync.ts';

describe('litecoind client', () => {
  let net: RegtestNodes;
  let address = '';

  beforeAll(async () => {
    net = await startRegtestNodes(2);
    const a = net.nodes[0]!.client;
    await a.rpc.call('createwallet', { wallet_name: 'miner' });
    address = String(await a.rpc.call('getnewaddress', [], { wallet: 'miner' }));
    await a.generateToAddress(5, address);
    await waitForSameTip(net.nodes, { timeoutMs: 10_000 });
  });
  afterAll(async () => {
    await net?.[Symbol.asyncDispose]();
  });

  it('reads tips, block ranges and single blocks with parent links', async () => {
    const [a, b] = net.nodes.map((n) => n.client) as [LitecoindClient, LitecoindClient];
    const tip = await a.tip();
    expect(tip.height).toBe(5);
    expect(await b.tip()).toEqual(tip);
    const blocks = await b.blocks(0, 10);
    expect(blocks.map((x) => x.height)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(blocks[0]!.parent).toBe('0'.repeat(64));
    for (let i = 1; i < blocks.length; i++) expect(blocks[i]!.parent).toBe(blocks[i - 1]!.hash);
    expect(blocks.at(-1)!.hash).toBe(tip.hash);
    const one = await a.block(tip.hash);
    expect(one).toEqual(blocks.at(-1));
    expect(one!.txIds).toHaveLength(1);
    expect(one!.time).toBeGreaterThan(Date.now() - 120_000);
    expect(await a.block('ab'.repeat(32))).toBeUndefined();
    expect(await a.blocks(3, 4)).toEqual(blocks.slice(3, 5));
  });

  it('sums the UTXO set exactly as the emission rule says', async () => {
    const utxo = await net.nodes[1]!.client.utxoTotal();
    expect(utxo.height).toBe(5);
    expect(utxo.total).toBe(emittedSupply(5));
    expect(utxo.txouts).toBe(5);
  });

  it('reports node info, peers (each dials the other) and the mempool', async () => {
    // each node retries its `-connect` peer every ~second until the other listens
    await expect.poll(async () => (await net.nodes[0]!.client.info()).peers, { timeout: 10_000 }).toBe(2);
    const info = await net.nodes[0]!.client.info();
    expect(info).toMatchObject({ chain: 'regtest', height: 5, peers: 2, peersIn: 1, peersOut: 1 });
    expect(info.subversion).toContain('LitecoinCore:0.21');
    const peers = await net.nodes[0]!.client.peers();
    const outbound = peers.filter((p) => !p.inbound);
    expect(outbound.map((p) => p.addr)).toEqual([`127.0.0.1:${net.nodes[1]!.endpoints.p2pPort}`]);
    expect(outbound[0]!.connectionType).toBe('manual');
    const mempool = await net.nodes[0]!.client.mempool({ ids: true });
    expect(mempool).toMatchObject({ size: 0, bytes: 0, minRelayFeePerKvb: 1000n, ids: [] });
  });

  it('follows a tx from mempool to a block on both nodes', async () => {
    const [a, b] = net.nodes.map((n) => n.client) as [LitecoindClient, LitecoindClient];
    // mature the first coinbase so the miner wallet can pay
    await a.generateToAddress(100, address);
    const to = String(await a.rpc.call('getnewaddress', [], { wallet: 'miner' }));
    const id = String(await a.rpc.call('sendtoaddress', [to, '1.25'], { wallet: 'miner' }));
    expect(await a.txStatus(id)).toEqual({ status: 'pending' });
    const [hash] = await a.generateToAddress(1, address);
    const tip = await waitForSameTip(net.nodes, { timeoutMs: 10_000 });
    expect(tip.hash).toBe(hash);
    for (const client of [a, b]) {
      expect(await client.txStatus(id)).toEqual({
        status: 'included',
        height: 106,
        blockHash: hash,
        confirmations: 1,
      });
    }
    expect((await b.block(hash!))!.txIds).toContain(id);
    expect(await a.txStatus('cd'.repeat(32))).toEqual({ status: 'unknown' });
    // fees move value, they do not create it
    expect((await b.utxoTotal()).total).toBe(emittedSupply(106));
  });

  it('fails typed: wrong password is unauthorized, a closed port unreachable', async () => {
    const wrong = new LitecoindClient(net.nodes[0]!.url, { user: net.credentials.user, password: 'nope' });
    const closed = new LitecoindClient(`http://127.0.0.1:${await freePort()}`, net.credentials, {
      timeoutMs: 1000,
    });
    try {
      const e1 = await wrong.tip().catch((e: unknown) => e);
      expect(LitecoinRpcError.isRpc(e1) && e1.failure).toBe('unauthorized');
      const e2 = await closed.tip().catch((e: unknown) => e);
      expect(LitecoinRpcError.isRpc(e2) && e2.failure).toBe('unreachable');
      expect((e2 as Error).message).toMatch(
        /^litecoind adapter: getblockchaininfo at http:\/\/127\.0\.0\.1:\d+ failed \(unreachable\)/,
      );
      const e3 = await net.nodes[0]!.client.rpc.call('nosuchmethod').catch((e: unknown) => e);
      expect(LitecoinRpcError.isRpc(e3) && [e3.failure, e3.rpcCode]).toEqual(['rpc', -32601]);
    } finally {
      await wrong.close();
      await closed.close();
    }
  });
});
