/**
 * A worker thread of the {@link VerifyPool}: verifies packed batches of ed25519 signatures
 * and answers one byte per entry (1 = valid). Runs off the node's event loop so slot timers,
 * block gossip and the API stay on time while txs are verified.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { unpackBatch } from './verify-batch.ts';

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** Senders repeat across many txs: their KeyObjects are kept (bounded). */
const keys = new Map<string, KeyObject>();

function publicKey(raw: Buffer): KeyObject {
  const name = raw.toString('latin1');
  let key = keys.get(name);
  if (key === undefined) {
    key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: 'der', type: 'spki' });
    if (keys.size >= 100_000) keys.clear();
    keys.set(name, key);
  }
  return key;
}

function check(entry: { publicKey: Buffer; signature: Buffer; message: Buffer }): boolean {
  try {
    return verify(null, entry.message, publicKey(entry.publicKey), entry.signature);
  } catch {
    // A public key that is not a curve point cannot have signed anything.
    return false;
  }
}

parentPort?.on('message', (request: { id: number; batch: ArrayBuffer }) => {
  const results: number[] = [];
  for (const entry of unpackBatch(request.batch)) results.push(check(entry) ? 1 : 0);
  const answer = Uint8Array.from(results);
  parentPort!.postMessage({ id: request.id, results: answer }, [answer.buffer]);
});
