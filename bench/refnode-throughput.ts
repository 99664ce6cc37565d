/**
 * refnode throughput benchmark: sustained included tx/s on a local 4-validator cluster, and
 * the per-tx validation cost inside one process.
 *
 *   npx node bench/refnode-throughput.ts [--rate 1500] [--seconds 25] [--slot-ms 250] [--validators 4] [--wallets 500]
 *
 * Offers `rate` signed transfers per second (POST /txs arrays, round-robin over the nodes),
 * then counts the txs in blocks whose slot started inside the measuring window (after a
 * warm-up), on one node's best chain. Prints one JSON line of results.
 */
import { parseArgs } from 'node:util';
import { LedgerState } from '../refnode/src/chain/ledger.ts';
import { checkTxShape, isRejection, VerifyCache } from '../refnode/src/chain/tx-check.ts';
import { createTxSigner, type SignedTx } from '../refnode/src/codec.ts';
import { type RunningNode, waitFor, writeGenesis } from '../refnode/test/cluster.ts';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '1500' },
    seconds: { type: 'string', default: '25' },
    'slot-ms': { type: 'string', default: '250' },
    validators: { type: 'string', default: '4' },
    wallets: { type: 'string', default: '500' },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const slotMs = Number(values['slot-ms']);
const validators = Number(values.validators);
const walletCount = Number(values.wallets);
const warmupMs = 5000;

await using set = await writeGenesis({
  validators,
  wallets: walletCount,
  slotMs,
  activeSlotCoeff: 0.5,
  securityParam: 10,
  seed: 'bench',
});
const signers = set.wallets.map((w) => createTxSigner(w.secretKey));
const nonces = new Array<number>(walletCount).fill(0);
let walletCursor = 0;
function nextTx(): SignedTx {
  const from = walletCursor++ % walletCount;
  const to = (from + 1) % walletCount;
  return signers[from]!({
    chainId: set.chainId,
    from: set.wallets[from]!.address,
    to: set.wallets[to]!.address,
    amount: 1,
    fee: 1,
    nonce: nonces[from]!++,
  });
}

// Per-tx validation cost: shape + signature (cold, no cache) + ledger apply, in this process.
{
  const sample = Array.from({ length: 3000 }, nextTx);
  const cache = new VerifyCache();
  const state = LedgerState.fromBalances(Object.fromEntries(set.wallets.map((w) => [w.address, w.balance])));
  const started = performance.now();
  for (const tx of sample) {
    const checked = checkTxShape(tx, set.chainId, 1);
    if (
      isRejection(checked) ||
      !cache.verify(checked.tx, checked.id) ||
      state.applyTx(checked.tx, set.wallets[0]!.address)
    )
      throw new Error('bad sample');
  }
  const coldUs = ((performance.now() - started) * 1000) / sample.length;
  const warmStart = performance.now();
  for (const tx of sample) {
    const checked = checkTxShape(tx, set.chainId, 1);
    if (isRejection(checked) || !cache.verify(checked.tx, checked.id)) throw new Error('bad sample');
  }
  const warmUs = ((performance.now() - warmStart) * 1000) / sample.length;
  console.error(
    `validation: ${coldUs.toFixed(1)} µs/tx cold (shape + ed25519 verify + apply), ${warmUs.toFixed(1)} µs/tx with the verify cache`,
  );
  nonces.fill(0);
  walletCursor = 0;
  (globalThis as { validation?: unknown }).validation = {
    coldUsPerTx: Number(coldUs.toFixed(1)),
    cachedUsPerTx: Number(warmUs.toFixed(1)),
  };
}

const nodes: RunningNode[] = await Promise.all(Array.from({ length: validators }, (_, i) => set.start(i)));
await waitFor(
  async () => (await Promise.all(nodes.map((n) => n.info()))).every((i) => i.peers >= validators - 1),
  20_000,
  'full mesh',
);
console.error(
  `cluster of ${validators} up; offering ${rate} tx/s for ${seconds} s (slot ${slotMs} ms, f 0.5)`,
);

const tickMs = 100;
const perTick = Math.round((rate * tickMs) / 1000);
const startedAt = Date.now();
let sent = 0;
let refused = 0;
let tick = 0;
const inflight = new Set<Promise<void>>();
while (Date.now() - startedAt < seconds * 1000) {
  const batch = Array.from({ length: perTick }, nextTx);
  const node = nodes[tick++ % nodes.length]!;
  const p = node
    .post('/txs', batch)
    .then((res) => {
      sent += batch.length;
      refused += (res.body.results as { error?: unknown }[]).filter((r) => r.error).length;
    })
    .catch(() => {
      refused += batch.length;
    })
    .finally(() => inflight.delete(p));
  inflight.add(p);
  const wait = startedAt + tick * tickMs - Date.now();
  if (wait > 0) await new Promise((ok) => setTimeout(ok, wait));
}
await Promise.all(inflight);
const endedAt = Date.now();
await new Promise((ok) => setTimeout(ok, 2000));

const windowStart = startedAt + warmupMs;
const windowEnd = endedAt;
const info = await nodes[0]!.info();
let included = 0;
let blocks = 0;
let maxTxs = 0;
for (let from = 1; from <= info.height; from += 500) {
  const res = await nodes[0]!.get(`/blocks?from=${from}&to=${Math.min(from + 499, info.height)}`);
  for (const block of res.body.blocks as { timestamp: number; txs: unknown[] }[]) {
    if (block.timestamp >= windowStart && block.timestamp < windowEnd) {
      included += block.txs.length;
      blocks++;
      maxTxs = Math.max(maxTxs, block.txs.length);
    }
  }
}
const mempool = (await nodes[0]!.get('/mempool')).body;
const result = {
  validators,
  slotMs,
  offeredTxPerSec: rate,
  sent,
  refused,
  windowSec: (windowEnd - windowStart) / 1000,
  blocksInWindow: blocks,
  includedTxPerSec: Math.round(included / ((windowEnd - windowStart) / 1000)),
  maxTxsPerBlock: maxTxs,
  mempoolAfter: mempool.size,
  ...((globalThis as { validation?: object }).validation ?? {}),
};
console.log(JSON.stringify(result));
