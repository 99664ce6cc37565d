/**
 * Exclusive peers, for real: each node dials only the addresses it was given, here one of
 * them a TCP proxy (as a link layer would put between nodes). The peer graph is exactly
 * the given one; an address a node hears of is not dialled; and when the proxy goes away
 * the node stays without peers instead of dialling the real address behind it.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RegtestNodes, startRegtestNodes } from '../../../test/litecoind/regtest-nodes.ts';
import { freePort } from '../../deployers/local/free-port.ts';
import { waitForSameTip } from './sync.ts';

/** A loopback TCP proxy to `target`, counting the connections it carried. */
function tcpProxy(port: number, target: number): Server & { accepted: number; sockets: Set<Socket> } {
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    proxy.accepted++;
    const outbound = createConnection({ host: '127.0.0.1', port: target });
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  const proxy = Object.assign(server, { accepted: 0, sockets });
  server.listen(port, '127.0.0.1');
  return proxy;
}

describe('litecoind exclusive peers', () => {
  let net: RegtestNodes;
  let proxy: ReturnType<typeof tcpProxy>;
  let proxyPort = 0;

  beforeAll(async () => {
    proxyPort = await freePort();
    // ltc-0 → proxy → ltc-1 → ltc-2; ltc-2 dials nobody
    net = await startRegtestNodes(3, {
      peersOf: (i, ports) =>
        i === 0
          ? [{ host: '127.0.0.1', p2pPort: proxyPort }]
          : i === 1
            ? [{ host: '127.0.0.1', p2pPort: ports[2]! }]
            : [],
    });
    proxy = tcpProxy(proxyPort, net.nodes[1]!.endpoints.p2pPort);
  });
  afterAll(async () => {
    for (const s of proxy?.sockets ?? []) s.destroy();
    proxy?.close();
    await net?.[Symbol.asyncDispose]();
  });

  it('connects exactly the given graph, through the proxy', async () => {
    const [n0, n1, n2] = net.nodes;
    await expect.poll(async () => (await n0!.client.peers()).length, { timeout: 15_000 }).toBe(1);
    await expect.poll(async () => (await n1!.client.peers()).length, { timeout: 15_000 }).toBe(2);
    const p0 = await n0!.client.peers();
    expect(p0.map((p) => [p.addr, p.inbound])).toEqual([[`127.0.0.1:${proxyPort}`, false]]);
    expect(proxy.accepted).toBeGreaterThanOrEqual(1);
    const p1 = await n1!.client.peers();
    expect(p1.filter((p) => !p.inbound).map((p) => p.addr)).toEqual([`127.0.0.1:${n2!.endpoints.p2pPort}`]);
    expect((await n2!.client.peers()).map((p) => p.inbound)).toEqual([true]);

    // blocks cross the graph (ltc-2 → ltc-1 → proxy → ltc-0)
    await n2!.client.rpc.call('createwallet', { wallet_name: 'm' });
    const address = String(await n2!.client.rpc.call('getnewaddress', [], { wallet: 'm' }));
    await n2!.client.generateToAddress(3, address);
    expect((await waitForSameTip(net.nodes, { timeoutMs: 10_000 })).height).toBe(3);
  });

  it('does not dial addresses it hears of, nor the real address behind a proxy', async () => {
    const [n0, n1, n2] = net.nodes;
    // tell ltc-0 about ltc-1's and ltc-2's real addresses, as peers' addr messages would
    for (const n of [n1!, n2!])
      await n0!.client.rpc.call('addpeeraddress', ['127.0.0.1', n.endpoints.p2pPort]);
    for (const s of proxy.sockets) s.destroy();
    proxy.close();
    await expect.poll(async () => (await n0!.client.peers()).length, { timeout: 10_000 }).toBe(0);
    // several of litecoind's connection rounds (every 0.5 s with -connect)
    await new Promise((r) => setTimeout(r, 4000));
    expect(await n0!.client.peers()).toEqual([]);
    expect((await n2!.client.peers()).length).toBe(1);
    expect((await n1!.client.peers()).filter((p) => p.inbound)).toEqual([]);
  });
});
