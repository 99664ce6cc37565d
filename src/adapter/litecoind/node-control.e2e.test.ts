/**
 * Node control on real litecoind processes: SIGSTOP makes RPC time out and SIGCONT brings
 * it back; SIGTERM and RPC `stop` exit cleanly; a restart with the same data dir resumes
 * the chain and the wallet from disk; SIGKILL loses nothing the peers cannot give back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RegtestNode,
  type RegtestNodes,
  startRegtestNodes,
} from '../../../test/litecoind/regtest-nodes.ts';
import { LitecoinRpcError } from './rpc.ts';
import { waitForSameTip } from './sync.ts';

async function failure(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (error) {
    return LitecoinRpcError.isRpc(error) ? error.failure : String(error);
  }
}

describe('litecoind node control', () => {
  let net: RegtestNodes;
  let a: RegtestNode;
  let b: RegtestNode;
  let address = '';

  beforeAll(async () => {
    net = await startRegtestNodes(2);
    [a, b] = net.nodes as [RegtestNode, RegtestNode];
    await a.client.rpc.call('createwallet', { wallet_name: 'w', load_on_startup: true });
    address = String(await a.client.rpc.call('getnewaddress', [], { wallet: 'w' }));
    await a.client.generateToAddress(10, address);
    await waitForSameTip(net.nodes, { timeoutMs: 10_000 });
  });
  afterAll(async () => {
    await net?.[Symbol.asyncDispose]();
  });

  it('pause stops answering, resume answers again', async () => {
    await a.process.pause();
    try {
      expect(await failure(a.client.tip({ timeoutMs: 500 }))).toBe('timeout');
    } finally {
      await a.process.resume();
    }
    expect((await a.client.tip()).height).toBe(10);
  });

  it('SIGTERM exits cleanly; a restart resumes chain and wallet from disk', async () => {
    const before = await a.client.tip();
    expect(await a.process.stop()).toEqual({ exitCode: 0, signal: null });
    expect(await failure(a.client.tip())).toBe('unreachable');
    await b.client.rpc.call('createwallet', { wallet_name: 'w' });
    await b.client.generateToAddress(
      5,
      String(await b.client.rpc.call('getnewaddress', [], { wallet: 'w' })),
    );
    // with its only peer frozen, whatever the restarted node has comes from its own disk
    await b.process.pause();
    try {
      await net.start(a);
      expect(await a.client.tip()).toEqual(before);
      const balances = (await a.client.rpc.call('getbalances', [], { wallet: 'w' })) as {
        mine: { immature: { text: string } };
      };
      expect(balances.mine.immature.text).toBe('500.00000000');
    } finally {
      await b.process.resume();
    }
    expect((await waitForSameTip(net.nodes, { timeoutMs: 15_000 })).height).toBe(15);
  });

  it('RPC stop exits cleanly too', async () => {
    const exited = new Promise((resolve) => a.process.onUnexpectedExit(resolve));
    await a.client.stop();
    expect(await exited).toEqual({ exitCode: 0, signal: null });
    await net.start(a);
    expect((await a.client.tip()).height).toBe(15);
  });

  it('after SIGKILL the node comes back and catches up with its peer', async () => {
    expect(await a.process.kill()).toEqual({ exitCode: null, signal: 'SIGKILL' });
    await b.client.generateToAddress(3, address);
    await net.start(a);
    expect((await waitForSameTip(net.nodes, { timeoutMs: 15_000 })).height).toBe(18);
  });
});
