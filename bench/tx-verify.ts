/**
 * CPU per tx signature check, the cost every validator pays for every tx: refnode's
 * verifier (libsodium through sodium-native, `verifyEd25519`) against `node:crypto`'s
 * `crypto.verify` with a cached KeyObject, on one thread, alternating, over real signed txs.
 *
 *   npx node bench/tx-verify.ts [--count 20000] [--rounds 3]
 *
 * Prints one JSON line per round and a summary; µs are CPU time (process.cpuUsage), so
 * another process stealing the core does not inflate them.
 */
import { createHash, verify } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  createTxSigner,
  keyPairFromSeed,
  publicKeyFromAddress,
  txSigningBytes,
} from '../refnode/src/codec.ts';
import { verifyEd25519 } from '../refnode/src/tx-signature.ts';

const { values } = parseArgs({
  options: { count: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '3' } },
});
const count = Number(values.count);
const rounds = Number(values.rounds);

// 100 senders, as a workload's wallets repeat across many txs.
const entries = Array.from({ length: count }, (_, i) => {
  const seed = createHash('sha256')
    .update(`bench-verify-${i % 100}`)
    .digest('hex');
  const { address } = keyPairFromSeed(seed);
  const tx = createTxSigner(seed)({
    chainId: 'bench',
    from: address,
    to: address,
    amount: 1,
    fee: 1,
    nonce: i,
  });
  return {
    publicKey: Buffer.from(address, 'hex'),
    signature: Buffer.from(tx.sig, 'hex'),
    message: txSigningBytes(tx),
  };
});
const keyObjects = new Map(
  entries.map((e) => [e.publicKey.toString('hex'), publicKeyFromAddress(e.publicKey.toString('hex'))]),
);

function cpuMicros(run: () => number): { usPerTx: number; valid: number } {
  const start = process.cpuUsage();
  const valid = run();
  const used = process.cpuUsage(start);
  return { usPerTx: (used.user + used.system) / count, valid };
}

const libsodium = (): number => {
  let valid = 0;
  for (const e of entries) if (verifyEd25519(e.publicKey, e.signature, e.message)) valid++;
  return valid;
};
const nodeCrypto = (): number => {
  let valid = 0;
  for (const e of entries) {
    if (verify(null, e.message, keyObjects.get(e.publicKey.toString('hex'))!, e.signature)) valid++;
  }
  return valid;
};

const results: { libsodium: number; nodeCrypto: number }[] = [];
for (let round = 1; round <= rounds; round++) {
  const a = cpuMicros(libsodium);
  const b = cpuMicros(nodeCrypto);
  if (a.valid !== count || b.valid !== count)
    throw new Error(`a valid signature failed: ${a.valid}, ${b.valid} of ${count}`);
  results.push({ libsodium: a.usPerTx, nodeCrypto: b.usPerTx });
  console.log(
    JSON.stringify({ round, libsodiumUs: +a.usPerTx.toFixed(1), nodeCryptoUs: +b.usPerTx.toFixed(1) }),
  );
}
const median = (xs: number[]): number => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const sodiumMedian = median(results.map((r) => r.libsodium));
const cryptoMedian = median(results.map((r) => r.nodeCrypto));
console.log(
  JSON.stringify({
    bench: 'tx-verify',
    count,
    rounds,
    libsodiumUsMedian: +sodiumMedian.toFixed(1),
    nodeCryptoUsMedian: +cryptoMedian.toFixed(1),
    libsodiumOverNodeCrypto: +(sodiumMedian / cryptoMedian).toFixed(2),
  }),
);
