/**
 * A worker thread of the {@link VerifyPool}: verifies packed batches of ed25519 signatures
 * and answers one byte per entry (1 = valid). Runs off the node's event loop so slot timers,
 * block gossip and the API stay on time while txs are verified.
 */
import { parentPort } from 'node:worker_threads';
import { verifyEd25519 } from '../tx-signature.ts';
import { unpackBatch } from './verify-batch.ts';

parentPort?.on('message', (request: { id: number; batch: ArrayBuffer }) => {
  // Timed here: answers can reach a busy event loop together, so their arrival times say
  // nothing about how fast this thread verified.
  const started = performance.now();
  const results: number[] = [];
  for (const entry of unpackBatch(request.batch))
    results.push(verifyEd25519(entry.publicKey, entry.signature, entry.message) ? 1 : 0);
  const answer = Uint8Array.from(results);
  parentPort!.postMessage({ id: request.id, results: answer, ms: performance.now() - started }, [
    answer.buffer,
  ]);
});
