/**
 * The seeded PoW-like lottery on two real nodes: gaps and winners follow the seed
 * exactly, blocks reach both nodes, a paused winner is skipped (the block goes to the
 * other node) and the lottery stops cleanly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RegtestNodes, startRegtestNodes } from '../../../test/litecoind/regtest-nodes.ts';
import { ConfigError } from '../../support/errors.ts';
import { Rng } from '../../support/rng.ts';
import { type MinerTarget, startLotteryMiner } from './lottery-miner.ts';
import { waitForSameTip } from './sync.ts';

describe('litecoind lottery miner', () => {
  let net: RegtestNodes;
  let targets: MinerTarget[];

  beforeAll(async () => {
    net = await startRegtestNodes(2);
    targets = [];
    for (const node of net.nodes) {
      await node.client.rpc.call('createwallet', { wallet_name: 'miner' });
      const address = String(await node.client.rpc.call('getnewaddress', [], { wallet: 'miner' }));
      targets.push({ name: node.name, client: node.client, address });
    }
  });
  afterAll(async () => {
    await net?.[Symbol.asyncDispose]();
  });

  it('draws exponential gaps and weighted winners from its seed', async () => {
    const log: string[] = [];
    const miner = startLotteryMiner({
      targets: [targets[0]!, { ...targets[1]!, weight: 3 }],
      targetBlockMs: 200,
      rng: new Rng(77).fork('miner'),
      log: (l) => log.push(l),
    });
    await expect.poll(() => miner.mined.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(12);
    await miner.stop();
    const after = miner.mined.length;
    // the same stream replayed: one draw for the gap, one for the winner, per block
    const replay = new Rng(77).fork('miner');
    const expected = miner.mined.map(() => {
      const gapMs = -Math.log(1 - replay.next()) * 200;
      return { gapMs, node: replay.next() * 4 < 1 ? 'ltc-0' : 'ltc-1' };
    });
    expect(miner.mined.map((b) => ({ gapMs: b.gapMs, node: b.node }))).toEqual(expected);
    expect(new Set(miner.mined.map((b) => b.node))).toEqual(new Set(['ltc-0', 'ltc-1']));
    expect(miner.skips).toBe(0);
    expect(log[0]).toMatch(/^block 1 by ltc-[01] \([0-9a-f]{12}…\), \d+\.\d\d s after the previous$/);
    expect(log.at(-1)).toBe(`miner stopped after ${after} blocks (0 skipped draws)`);
    // like PoW, two close blocks may fork: the best chain holds only lottery blocks, the
    // losers of forks left out (a fork at the last height stays tied: one block breaks it)
    const tie = { node: net.nodes[1]!, address: targets[1]!.address };
    const tip = await waitForSameTip(net.nodes, { timeoutMs: 10_000, breakTies: tie });
    const chain = await net.nodes[1]!.client.blocks(1, tip.height);
    const minedHashes = new Set(miner.mined.map((b) => b.hash));
    const tieBreaker = minedHashes.has(tip.hash) ? [] : [tip.hash];
    expect(chain.filter((b) => !minedHashes.has(b.hash)).map((b) => b.hash)).toEqual(tieBreaker);
    expect(tip.height).toBeLessThanOrEqual(after + tieBreaker.length);
    // stopped means stopped
    await new Promise((r) => setTimeout(r, 600));
    expect((await net.nodes[0]!.client.tip()).hash).toBe(tip.hash);
  });

  it('skips a paused winner and keeps mining on the node that answers', async () => {
    const log: string[] = [];
    const paused = net.nodes[0]!;
    const start = (await paused.client.tip()).height;
    await paused.process.pause();
    let resumed = false;
    try {
      await using miner = startLotteryMiner({
        targets,
        targetBlockMs: 150,
        rpcTimeoutMs: 300,
        downForMs: 60_000,
        rng: new Rng(5).fork('miner'),
        log: (l) => log.push(l),
      });
      await expect.poll(() => miner.mined.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(5);
      await miner.stop();
      expect(miner.mined.every((b) => b.node === 'ltc-1')).toBe(true);
      expect(miner.skips).toBe(1);
      expect(log).toContain('ltc-0 did not mine (timeout); it sits out 60000 ms, drawing another node');
      await paused.process.resume();
      resumed = true;
      // the paused node catches up once resumed; it may also mine the block it was asked for,
      // on whatever tip it has by then, and so tie with ltc-1: one block on ltc-1 breaks that
      const tip = await waitForSameTip(net.nodes, {
        timeoutMs: 15_000,
        breakTies: { node: net.nodes[1]!, address: targets[1]!.address },
      });
      expect(tip.height).toBeGreaterThanOrEqual(start + miner.mined.length);
    } finally {
      if (!resumed) await paused.process.resume();
    }
  });

  it('refuses bad options before mining anything', () => {
    const error = (() => {
      try {
        startLotteryMiner({ targets: [], targetBlockMs: 10, rpcTimeoutMs: 1.5, rng: new Rng(1) });
      } catch (e) {
        return e;
      }
    })();
    expect(ConfigError.is(error) && error.issues.map((i) => `${i.path}: ${i.allowed}`)).toEqual([
      'targets: a non-empty list of { name, client, address, weight? } with weight > 0',
      'targetBlockMs: an integer 50..3600000 (mean ms between blocks)',
      'rpcTimeoutMs: an integer 100..60000 (ms a winner has to mine)',
    ]);
  });
});
