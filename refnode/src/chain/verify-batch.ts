/**
 * The wire format between the {@link VerifyPool} and its worker threads: one transferable
 * buffer per batch instead of an object per signature, so handing a batch to a worker costs
 * about a microsecond per tx on the node's event loop.
 *
 * Entry layout: u16 LE message length, 32-byte public key, 64-byte signature, message bytes.
 * Imports nothing, so the worker loads fast.
 */

/** One signature to check: the raw public key and signature, and the signed message. */
export interface VerifyEntry {
  publicKey: Buffer;
  signature: Buffer;
  message: Buffer;
}

const HEADER = 2 + 32 + 64;
/** Longest message an entry can carry (u16 length). */
export const MAX_MESSAGE_BYTES = 0xffff;

/** Packs `(publicKeyHex, sigHex, message)` triples into one buffer; callers check the hex first. */
export function packBatch(
  entries: readonly { publicKey: string; sig: string; message: string }[],
): ArrayBuffer {
  let size = 0;
  for (const entry of entries) size += HEADER + Buffer.byteLength(entry.message, 'utf8');
  const buffer = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const entry of entries) {
    const start = offset;
    offset += 2;
    offset += buffer.write(entry.publicKey, offset, 32, 'hex');
    offset += buffer.write(entry.sig, offset, 64, 'hex');
    const length = buffer.write(entry.message, offset, 'utf8');
    buffer.writeUInt16LE(length, start);
    offset += length;
  }
  // A fresh ArrayBuffer of exactly this batch, so it can be transferred (not copied) to the worker.
  return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + offset) as ArrayBuffer;
}

/** The entries of a packed batch, as views into `batch` (no copies). */
export function* unpackBatch(batch: ArrayBuffer): Generator<VerifyEntry> {
  const bytes = Buffer.from(batch);
  let offset = 0;
  while (offset < bytes.length) {
    const length = bytes.readUInt16LE(offset);
    const publicKey = bytes.subarray(offset + 2, offset + 34);
    const signature = bytes.subarray(offset + 34, offset + HEADER);
    const message = bytes.subarray(offset + HEADER, offset + HEADER + length);
    offset += HEADER + length;
    yield { publicKey, signature, message };
  }
}
