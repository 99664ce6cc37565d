/**
 * litecoind regtest end to end on three local nodes: funded wallets, PoW-like block
 * production by the seeded lottery, ~50 transfers signed by the nodes' wallet daemons and
 * confirmed in the same block on every node, converged tips, a UTXO-set total that equals
 * the emission rule despite fees, and a stopped node that restarts and catches up.
 * Story lines print when a test fails; the seed replays the run (`CHAINLAB_SEED`).
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { type RegtestNodes, startRegtestNodes } from '../../../test/litecoind/regtest-nodes.ts';
import { systemClock } from '../../support/clock.ts';
import { Rng, runSeed } from '../../support/rng.ts';
import { emittedSupply } from './emission.ts';
import { type FundedWallets, fundWallets } from './fund-wallets.ts';
import { type StartedLotteryMiner, startLotteryMiner } from './lottery-miner.ts';
import { waitForSameTip } from './sync.ts';

const LTC = 100_000_000n;
const TRANSFERS = 50;

interface Sent {
  id: string;
  from: number;
  to: number;
  amount: bigint;
}

describe('litecoind regtest, 3 nodes end to end', () => {
  const seed = runSeed();
  const rng = new Rng(seed).fork('litecoind-e2e');
  const story: string[] = [];
  const log = (line: string): void =>
    void story.push(`${(systemClock.monotonic() / 1000).toFixed(2)} ${line}`);
  let net: RegtestNodes;
  let funded: FundedWallets;
  let miner: StartedLotteryMiner;
  const sent: Sent[] = [];

  const failHook = (): void =>
    onTestFailed(() => {
      console.log(`seed ${seed} (replay: CHAINLAB_SEED=${seed})\n${story.join('\n')}`);
    });

  beforeAll(async () => {
    net = await startRegtestNodes(3, { log });
  });
  afterAll(async () => {
    await miner?.stop();
    await net?.[Symbol.asyncDispose]();
  });

  it('funds 10 wallets across the nodes within the start deadline', async () => {
    failHook();
    funded = await fundWallets(
      net.nodes,
      { wallets: 10, balance: 2n * LTC, utxosPerWallet: 5, timeoutMs: 30_000 },
      { log },
    );
    expect(new Set(funded.wallets.map((w) => w.node))).toEqual(new Set(['ltc-0', 'ltc-1', 'ltc-2']));
    for (const w of funded.wallets) expect((await w.balances()).trusted).toBe(2n * LTC);
  });

  it('sends ~50 transfers through the wallet daemons while the lottery mines', async () => {
    failHook();
    miner = startLotteryMiner({
      targets: net.nodes.map((n) => ({ name: n.name, client: n.client, address: funded.funder.address })),
      targetBlockMs: 1000,
      rng: rng.fork('miner'),
      log,
    });
    const pace = rng.fork('pace');
    for (let i = 0; i < TRANSFERS; i++) {
      const from = pace.int(0, funded.wallets.length - 1);
      const to = (from + pace.int(1, funded.wallets.length - 1)) % funded.wallets.length;
      const amount = BigInt(pace.int(100_000, 5_000_000));
      const outcome = await funded.wallets[from]!.transfer(funded.wallets[to]!.address, amount, {
        feeRate: BigInt(pace.int(2, 6)),
      });
      expect(outcome, `transfer ${i} from user-${from}`).toMatchObject({ ok: true });
      if (outcome.ok) sent.push({ id: outcome.id, from, to, amount });
      await systemClock.sleep(-Math.log(1 - pace.next()) * 150);
    }
    expect(new Set(sent.map((s) => s.id)).size).toBe(TRANSFERS);
  });

  it('confirms every transfer in the same block on every node', async () => {
    failHook();
    const placement = async (): Promise<string[]> => {
      const missing: string[] = [];
      for (const s of sent) {
        const statuses = await Promise.all(net.nodes.map((n) => n.client.txStatus(s.id)));
        const blocks = new Set(statuses.map((st) => (st.status === 'included' ? st.blockHash : st.status)));
        if (blocks.size !== 1 || statuses[0]!.status !== 'included')
          missing.push(`${s.id.slice(0, 8)}:${[...blocks].join('|').slice(0, 30)}`);
      }
      return missing;
    };
    await expect.poll(placement, { timeout: 30_000, interval: 500 }).toEqual([]);
    // The lottery goes on mining. Waited for, not counted at a fixed moment: its gaps are
    // exponential (mean 1 s), so the 8–12 s of transfers and placement see 2 blocks or fewer
    // in 0.05–1.4 % of runs (Poisson); with 15 s more, fewer than 3 in under 10^-7.
    await expect.poll(() => miner.mined.length, { timeout: 15_000, interval: 250 }).toBeGreaterThan(2);
  });

  it('converges, and the UTXO total equals the emission rule on every node', async () => {
    failHook();
    await miner.stop();
    // The miner's last two blocks may tie on two nodes; the next block would break it.
    const breakTies = { node: net.nodes[0]!, address: funded.funder.address };
    const tip = await waitForSameTip(net.nodes, { timeoutMs: 15_000, breakTies });
    log(`converged at height ${tip.height} (${tip.hash.slice(0, 12)}…)`);
    for (const node of net.nodes) {
      const utxo = await node.client.utxoTotal();
      expect(utxo.hash, node.name).toBe(tip.hash);
      expect(utxo.total, `${node.name} at height ${tip.height}`).toBe(emittedSupply(tip.height));
    }
    // the transfers paid fees, and the miners collected them: nothing was lost or made
    const balances = await Promise.all(funded.wallets.map((w) => w.balances()));
    const total = balances.reduce((sum, b) => sum + b.trusted + b.pending, 0n);
    expect(total).toBeLessThan(20n * LTC);
    expect(total).toBeGreaterThan(20n * LTC - 1_000_000n);
  });

  it('restarts a node that missed blocks and sees it catch up', async () => {
    failHook();
    const restarted = net.nodes[2]!;
    expect(await restarted.process.stop()).toEqual({ exitCode: 0, signal: null });
    // the lottery keeps drawing the stopped node too: it is skipped, the others mine
    const during = startLotteryMiner({
      targets: net.nodes.map((n) => ({ name: n.name, client: n.client, address: funded.funder.address })),
      targetBlockMs: 300,
      rpcTimeoutMs: 500,
      rng: rng.fork('miner-restart'),
      log,
    });
    try {
      await expect.poll(() => during.mined.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(5);
    } finally {
      await during.stop();
    }
    const ahead = await net.nodes[0]!.client.tip();
    await net.start(restarted);
    log(
      `ltc-2 restarted at height ${(await restarted.client.tip()).height}, the others are at ${ahead.height}`,
    );
    const tip = await waitForSameTip(net.nodes, {
      timeoutMs: 20_000,
      breakTies: { node: net.nodes[0]!, address: funded.funder.address },
    });
    expect(tip.height).toBeGreaterThanOrEqual(ahead.height);
    const last = sent.at(-1)!;
    expect(await restarted.client.txStatus(last.id)).toMatchObject({ status: 'included' });
    expect((await restarted.client.utxoTotal()).total).toBe(emittedSupply(tip.height));
  });
});
