/**
 * Filling refnode mempools for `full-mempool` fuzz kinds: each filler wallet sends the
 * `maxNonceGap` txs just after its account nonce, leaving that nonce itself unsent, so none
 * can ever be included; they pay {@link fillerFee}, more than any `mempool_full` case, so a
 * case cannot evict one. Releasing sends each wallet's missing nonce, and the fillers drain
 * into blocks.
 */
import { systemClock } from '../../support/clock.ts';
import { AdapterError, ConfigError } from '../../support/errors.ts';
import type { ChainClient, MempoolFill, MempoolFillContext, PreparedTx, Wallet } from '../types.ts';
import { fillerFee, type RefnodeLimits } from './limits.ts';

/** How long a node may take to report a full mempool after the fillers were sent (gossip included). */
const CONFIRM_MS = 15_000;
/** Backpressure retries per batch (503 `overloaded`, 429 `rate_limited`). */
const BUSY_RETRIES = 20;

type Target = MempoolFillContext['clients'][number];

/** Sends `txs` to a node, waiting out backpressure; every other answer (even a refusal) is final. */
async function deliver(target: Target, txs: readonly PreparedTx[]): Promise<void> {
  let left = txs;
  for (let attempt = 0; left.length > 0; attempt++) {
    const results = await target.client.submitTxs(left);
    const busy = results.flatMap((r, i) =>
      !r.ok && (r.code === 'overloaded' || r.code === 'rate_limited') ? [{ tx: left[i]!, r }] : [],
    );
    if (busy.length === 0) return;
    if (attempt >= BUSY_RETRIES)
      throw new AdapterError(
        'refnode',
        `${target.name} kept refusing mempool fillers with ${busy[0]!.r.code} after ${BUSY_RETRIES} retries`,
      );
    await systemClock.sleep(Math.max(100, ...busy.map((b) => (b.r.ok ? 0 : (b.r.retryAfterMs ?? 0)))));
    left = busy.map((b) => b.tx);
  }
}

/** A refnode mempool's capacity (refnode always reports it; the facet leaves it optional). */
function capacityOf(name: string, m: { capacity?: number }): number {
  if (m.capacity === undefined)
    throw new AdapterError('refnode', `${name}'s mempool does not report its capacity`);
  return m.capacity;
}

/** Waits until every node's mempool holds its capacity; names the first that does not. */
async function confirmFull(targets: readonly Target[]): Promise<void> {
  const deadline = systemClock.monotonic() + CONFIRM_MS;
  for (const t of targets) {
    for (;;) {
      const m = await t.client.mempool!();
      const capacity = capacityOf(t.name, m);
      if (m.size >= capacity) break;
      if (systemClock.monotonic() > deadline)
        throw new AdapterError(
          'refnode',
          `${t.name}'s mempool holds ${m.size} of ${capacity} txs after filling it; it is not full`,
        );
      await systemClock.sleep(200);
    }
  }
}

/**
 * Fills every target's mempool (see the file comment) and confirms each is full.
 *
 * @example
 * const fill = await fillRefnodeMempools({ wallets, clients }, { minFee: 1, limits });
 * // … fuzz `mempool_full` cases …
 * await fill.release();
 */
export async function fillRefnodeMempools(
  ctx: MempoolFillContext,
  chain: { minFee: number; limits: RefnodeLimits },
): Promise<MempoolFill> {
  const first = ctx.clients[0];
  if (first === undefined) throw new AdapterError('refnode', 'fillMempool: no node to fill');
  const client: ChainClient = first.client;
  if (client.mempool === undefined || client.account === undefined)
    throw new AdapterError('refnode', 'fillMempool: the client lacks mempool or account reads');
  const capacity = Math.max(
    ...(await Promise.all(ctx.clients.map(async (t) => capacityOf(t.name, await t.client.mempool!())))),
  );
  const gap = chain.limits.maxNonceGap;
  const needed = Math.ceil(capacity / gap);
  if (needed > ctx.wallets.length) {
    throw new ConfigError('cluster options', [
      {
        path: 'mempool.maxCount',
        value: capacity,
        allowed: `at most ${ctx.wallets.length * gap} to fill mempools from the ${ctx.wallets.length} spare wallets (${gap} pending txs each): a smaller mempool, or more wallets`,
      },
    ]);
  }
  const fee = fillerFee(chain.minFee);
  const wallets = ctx.wallets.slice(0, needed);
  const bases = await Promise.all(wallets.map(async (w) => (await client.account!(w.address)).nonce));
  const recipient = (w: Wallet): string => (ctx.wallets.find((x) => x !== w) ?? w).address;
  const txs: PreparedTx[] = [];
  for (const [i, w] of wallets.entries()) {
    for (let ahead = 1; ahead <= gap; ahead++) {
      txs.push(
        await w.transfer({
          to: recipient(w),
          amount: 1n,
          fee: { flat: BigInt(fee) },
          nonce: bases[i]! + ahead,
        }),
      );
    }
  }
  // Each node gets every filler itself: gossip of txs that cannot be included is not relied on.
  await Promise.all(ctx.clients.map((t) => deliver(t, txs)));
  await confirmFull(ctx.clients);
  let released: Promise<PreparedTx[]> | undefined;
  return {
    wallets: wallets.map((w) => w.index),
    txs,
    release() {
      released ??= (async () => {
        // The missing nonce, paying more than the fillers so a full mempool takes it.
        const gaps = await Promise.all(
          wallets.map((w, i) =>
            w.transfer({ to: recipient(w), amount: 1n, fee: { flat: BigInt(fee + 1) }, nonce: bases[i]! }),
          ),
        );
        await Promise.all(ctx.clients.map((t) => deliver(t, gaps)));
        return gaps;
      })();
      return released;
    },
  };
}
