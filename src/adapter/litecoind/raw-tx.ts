/**
 * The Bitcoin-family transaction encoding (with segwit witnesses), enough to edit a
 * signed tx for fuzzing: flip a signature bit, grow an output, compute a txid. MWEB
 * transactions (Litecoin's extension block, flag bit 0x08) are not decoded.
 */
import { createHash } from 'node:crypto';
import { AdapterError } from '../../support/errors.ts';

/** One input. `txid` is the usual (byte-reversed) hex of the spent tx. */
export interface TxInput {
  txid: string;
  vout: number;
  scriptSig: Uint8Array;
  sequence: number;
  /** Witness stack items (empty for a legacy input). */
  witness: Uint8Array[];
}

/** One output; `value` in litoshis. */
export interface TxOutput {
  value: bigint;
  scriptPubKey: Uint8Array;
}

/** A decoded transaction. */
export interface RawTx {
  version: number;
  inputs: TxInput[];
  outputs: TxOutput[];
  locktime: number;
}

class Reader {
  #pos = 0;
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
  get done(): boolean {
    return this.#pos === this.bytes.length;
  }
  take(n: number): Uint8Array {
    if (this.#pos + n > this.bytes.length) throw new RangeError(`truncated at byte ${this.#pos}`);
    const out = this.bytes.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }
  u8(): number {
    return this.take(1)[0]!;
  }
  u32(): number {
    const b = this.take(4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }
  u64(): bigint {
    const b = this.take(8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  }
  varint(): number {
    const first = this.u8();
    if (first < 0xfd) return first;
    if (first === 0xfd) {
      const b = this.take(2);
      return b[0]! | (b[1]! << 8);
    }
    if (first === 0xfe) return this.u32();
    const big = this.u64();
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('varint too large');
    return Number(big);
  }
  bytesWithLength(): Uint8Array {
    return this.take(this.varint());
  }
}

class Writer {
  readonly #parts: Uint8Array[] = [];
  put(bytes: Uint8Array): void {
    this.#parts.push(bytes);
  }
  u8(n: number): void {
    this.put(Uint8Array.of(n));
  }
  u32(n: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n >>> 0, true);
    this.put(b);
  }
  u64(n: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, n), true);
    this.put(b);
  }
  varint(n: number): void {
    if (n < 0xfd) this.u8(n);
    else if (n <= 0xffff) {
      this.u8(0xfd);
      this.put(Uint8Array.of(n & 0xff, n >> 8));
    } else if (n <= 0xffff_ffff) {
      this.u8(0xfe);
      this.u32(n);
    } else {
      this.u8(0xff);
      this.u64(BigInt(n));
    }
  }
  bytesWithLength(bytes: Uint8Array): void {
    this.varint(bytes.length);
    this.put(bytes);
  }
  finish(): Uint8Array {
    return Buffer.concat(this.#parts);
  }
}

function reversedHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).reverse().toString('hex');
}

function fromReversedHex(hex: string): Uint8Array {
  return Buffer.from(hex, 'hex').reverse();
}

/**
 * Decodes a serialized tx (hex). Throws `AdapterError` on malformed input or an MWEB tx.
 *
 * @example
 * const tx = decodeTx(hex); tx.outputs[0].value // litoshis
 */
export function decodeTx(hex: string): RawTx {
  try {
    const r = new Reader(Buffer.from(hex, 'hex'));
    const version = r.u32() | 0;
    let count = r.varint();
    let segwit = false;
    if (count === 0) {
      const flag = r.u8();
      if (flag !== 0x01) throw new RangeError(`unsupported tx flag 0x${flag.toString(16)} (MWEB?)`);
      segwit = true;
      count = r.varint();
    }
    const inputs: TxInput[] = [];
    for (let i = 0; i < count; i++) {
      const txid = reversedHex(r.take(32));
      const vout = r.u32();
      const scriptSig = r.bytesWithLength();
      const sequence = r.u32();
      inputs.push({ txid, vout, scriptSig, sequence, witness: [] });
    }
    const outputs: TxOutput[] = [];
    const outCount = r.varint();
    for (let i = 0; i < outCount; i++) {
      outputs.push({ value: r.u64(), scriptPubKey: r.bytesWithLength() });
    }
    if (segwit) {
      for (const input of inputs) {
        const items = r.varint();
        for (let j = 0; j < items; j++) input.witness.push(r.bytesWithLength());
      }
    }
    const locktime = r.u32();
    if (!r.done) throw new RangeError('trailing bytes');
    return { version, inputs, outputs, locktime };
  } catch (error) {
    throw new AdapterError('litecoind', `cannot decode tx: ${(error as Error).message}`, { cause: error });
  }
}

function serialize(tx: RawTx, withWitness: boolean): Uint8Array {
  const w = new Writer();
  w.u32(tx.version);
  const segwit = withWitness && tx.inputs.some((i) => i.witness.length > 0);
  if (segwit) {
    w.u8(0x00);
    w.u8(0x01);
  }
  w.varint(tx.inputs.length);
  for (const input of tx.inputs) {
    w.put(fromReversedHex(input.txid));
    w.u32(input.vout);
    w.bytesWithLength(input.scriptSig);
    w.u32(input.sequence);
  }
  w.varint(tx.outputs.length);
  for (const output of tx.outputs) {
    w.u64(output.value);
    w.bytesWithLength(output.scriptPubKey);
  }
  if (segwit) {
    for (const input of tx.inputs) {
      w.varint(input.witness.length);
      for (const item of input.witness) w.bytesWithLength(item);
    }
  }
  w.u32(tx.locktime);
  return w.finish();
}

/** Serializes a tx (with witnesses when any input has one) as hex. */
export function encodeTx(tx: RawTx): string {
  return Buffer.from(serialize(tx, true)).toString('hex');
}

/** The txid: double SHA-256 of the serialization without witnesses, byte-reversed hex. */
export function txidOf(tx: RawTx): string {
  const once = createHash('sha256').update(serialize(tx, false)).digest();
  return reversedHex(createHash('sha256').update(once).digest());
}

/** A deep copy, so an edit never changes the tx it came from. */
export function cloneTx(tx: RawTx): RawTx {
  return {
    version: tx.version,
    locktime: tx.locktime,
    inputs: tx.inputs.map((i) => ({
      ...i,
      scriptSig: i.scriptSig.slice(),
      witness: i.witness.map((w) => w.slice()),
    })),
    outputs: tx.outputs.map((o) => ({ value: o.value, scriptPubKey: o.scriptPubKey.slice() })),
  };
}
