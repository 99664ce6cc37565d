/**
 * Signed transactions per second per core: the transaction workload's generator cost
 * (wallet.transfer = refnode codec signing + tx id), on one thread, no network.
 *
 *   npx node bench/core-sign.ts [--ms 3000] [--wallets 50]
 *
 * Prints one JSON line; `perCore` is the rate divided by the CPU actually used
 * (process.cpuUsage), so another process stealing the core does not lower it.
 */

import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { RefnodeWallet } from '../src/adapter/refnode/wallet.ts';

const { values } = parseArgs({
  options: { ms: { type: 'string', default: '3000' }, wallets: { type: 'string', default: '50' } },
});
const windowMs = Number(values.ms);
const walletCount = Number(values.wallets);

const wallets = Array.from({ length: walletCount }, (_, i) => {
  const secretKey = createHash('sha256').update(`bench-wallet-${i}`).digest('hex');
  // The address does not affect signing cost; a fixed-format placeholder keeps this offline.
  return new RefnodeWallet('refnode-bench', { index: i, address: secretKey, secretKey, balance: 1e9 }, 1n);
});
const to = wallets[0]!.address;

// Warm-up: build every signer (KeyObject) and let the JIT settle.
for (const w of wallets)
  for (let n = 0; n < 50; n++) w.transferSync({ to, amount: 1n, fee: { flat: 1n }, nonce: n });

const cpu0 = process.cpuUsage();
const t0 = performance.now();
let count = 0;
let nonce = 0;
while (performance.now() - t0 < windowMs) {
  for (let i = 0; i < 100; i++) {
    wallets[count % walletCount]!.transferSync({
      to,
      amount: BigInt(1 + (count % 1000)),
      fee: { flat: 1n },
      nonce,
    });
    count++;
  }
  nonce++;
}
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
console.log(
  JSON.stringify({
    bench: 'core-sign',
    signed: count,
    wallMs: Math.round(wallMs),
    cpuMs: Math.round(cpuMs),
    perSecondWall: Math.round(count / (wallMs / 1000)),
    perCore: Math.round(count / (cpuMs / 1000)),
    target: 10_000,
  }),
);
