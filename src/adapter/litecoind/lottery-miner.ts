/**
 * Block production that looks like proof of work on a regtest chain, where
 * `generatetoaddress` mines a block at once: a seeded lottery decides when the next block
 * is found (exponential gaps with mean `targetBlockMs`, the arrival process of PoW) and
 * which node finds it (weighted by hash power). The winner mines on its own tip, so a node
 * that is behind forks, as a real miner would.
 *
 * A winner that does not answer within `rpcTimeoutMs` (paused, stopped, restarting) is
 * skipped and left out of the draws for `downForMs`; the block goes to another live node,
 * so the rate stays the target while any miner answers. A paused node may still mine the
 * block it was asked for when it resumes (the request was already sent): like a miner
 * that comes back with a late block.
 */
import { z } from 'zod';
import { type Clock, systemClock } from '../../support/clock.ts';
import type { Rng } from '../../support/rng.ts';
import { parseOptions } from '../../support/validate.ts';
import type { LitecoindClient } from './client.ts';
import { LitecoinRpcError } from './rpc.ts';

/** A node that may win blocks. */
export interface MinerTarget {
  name: string;
  client: LitecoindClient;
  /** Address the node's coinbases pay. */
  address: string;
  /** Share of hash power, relative to the others. Default 1. */
  weight?: number;
}

/** One block the lottery mined. */
export interface MinedBlock {
  node: string;
  hash: string;
  /** Height, when the node told it (undefined if the follow-up call failed). */
  height: number | undefined;
  /** Wall-clock ms when the node answered. */
  at: number;
  /** Time since the previous block was due, ms (the drawn gap). */
  gapMs: number;
}

const targetSchema = z.object({
  name: z.string().min(1),
  client: z.custom<LitecoindClient>((v) => typeof v === 'object' && v !== null),
  address: z.string().min(1),
  weight: z.number().positive().optional(),
});

const minerOptionsSchema = z.strictObject({
  targets: z.array(targetSchema).min(1),
  targetBlockMs: z.number().int().min(50).max(3_600_000),
  rpcTimeoutMs: z.number().int().min(100).max(60_000).default(2000),
  downForMs: z.number().int().min(0).max(600_000).default(3000),
});

const allowed = {
  targets: 'a non-empty list of { name, client, address, weight? } with weight > 0',
  targetBlockMs: 'an integer 50..3600000 (mean ms between blocks)',
  rpcTimeoutMs: 'an integer 100..60000 (ms a winner has to mine)',
  downForMs: 'an integer 0..600000 (ms a silent node sits out)',
};

/** Options of {@link startLotteryMiner}; the zod schema gives the numeric ones and their defaults. */
export type LotteryMinerOptions = z.input<typeof minerOptionsSchema> & {
  /** The miner's own stream (fork one: `rng.fork('miner')`). */
  rng: Rng;
  /** Story lines (`block 112 by ltc-1 (3f2a9c…), 2.31 s after the previous`). */
  log?: (line: string) => void;
  /** Called for every mined block. */
  onBlock?: (block: MinedBlock) => void;
  clock?: Clock;
};

/** A running lottery. */
export interface StartedLotteryMiner extends AsyncDisposable {
  /** Blocks mined so far, in order. */
  readonly mined: readonly MinedBlock[];
  /** Draws whose winner did not answer. */
  readonly skips: number;
  /** Stops drawing and waits for the call in flight. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the lottery; stop it (or `await using`) when done. Defaults: `rpcTimeoutMs` 2000,
 * `downForMs` 3000.
 *
 * @example
 * await using miner = startLotteryMiner({ targets, targetBlockMs: 1000, rng: rng.fork('miner') });
 */
export function startLotteryMiner(options: LotteryMinerOptions): StartedLotteryMiner {
  const { rng, log, onBlock, clock = systemClock, ...rest } = options;
  const opts = parseOptions(minerOptionsSchema, rest, 'lottery miner options', allowed);
  const targets: readonly MinerTarget[] = opts.targets;
  const ac = new AbortController();
  const mined: MinedBlock[] = [];
  const downUntil = new Map<string, number>();
  let skips = 0;

  const draw = (): MinerTarget | undefined => {
    const now = clock.monotonic();
    const live = targets.filter((t) => (downUntil.get(t.name) ?? 0) <= now);
    const total = live.reduce((sum, t) => sum + (t.weight ?? 1), 0);
    if (live.length === 0 || total <= 0) return undefined;
    let ticket = rng.next() * total;
    for (const t of live) {
      ticket -= t.weight ?? 1;
      if (ticket < 0) return t;
    }
    return live.at(-1);
  };

  const mineOne = async (gapMs: number): Promise<void> => {
    for (let attempt = 0; attempt < targets.length; attempt++) {
      const winner = draw();
      if (winner === undefined) break;
      try {
        const [hash] = await winner.client.generateToAddress(1, winner.address, {
          timeoutMs: opts.rpcTimeoutMs,
          signal: ac.signal,
        });
        const height = await winner.client.rpc
          .call('getblockheader', [hash, true], { timeoutMs: opts.rpcTimeoutMs, signal: ac.signal })
          .then((h) => (h as { height: number }).height)
          .catch(() => undefined);
        const block: MinedBlock = { node: winner.name, hash: hash!, height, at: clock.now(), gapMs };
        mined.push(block);
        log?.(
          `block ${height ?? '?'} by ${winner.name} (${hash!.slice(0, 12)}…), ${(gapMs / 1000).toFixed(2)} s after the previous`,
        );
        onBlock?.(block);
        return;
      } catch (error) {
        if (ac.signal.aborted) return;
        skips++;
        downUntil.set(winner.name, clock.monotonic() + opts.downForMs);
        const why = LitecoinRpcError.isRpc(error) ? error.failure : (error as Error).message;
        log?.(`${winner.name} did not mine (${why}); it sits out ${opts.downForMs} ms, drawing another node`);
      }
    }
    log?.('no miner answered: this block is lost');
  };

  const loop = (async () => {
    let due = clock.monotonic();
    while (!ac.signal.aborted) {
      // Exponential gaps: the waiting time of a Poisson process, like PoW block discovery.
      const gapMs = -Math.log(1 - rng.next()) * opts.targetBlockMs;
      due += gapMs;
      try {
        await clock.sleep(due - clock.monotonic(), ac.signal);
      } catch {
        return;
      }
      await mineOne(gapMs);
    }
  })();

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      ac.abort();
      await loop;
      log?.(`miner stopped after ${mined.length} blocks (${skips} skipped draws)`);
    })();
    return stopped;
  };
  return {
    get mined() {
      return mined;
    },
    get skips() {
      return skips;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
