/**
 * Systematic Reed–Solomon erasure code over GF(2^8), polynomial-evaluation form.
 *
 * For every byte position j, the k data shards hold the values of one polynomial of degree < k
 * at x = 0..k-1; parity shard i (k ≤ i < n) holds its value at x = i. Any k of the n shards
 * determine the polynomial (Lagrange interpolation), hence every other shard. The encoding
 * is systematic: shards 0..k-1 are the data itself, so the common case (all data shards
 * present) needs no arithmetic at all.
 */

/** GF(2^8) with the primitive polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d), generator 2. */
const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  // Doubling the table lets mul skip the modulo: LOG[a] + LOG[b] < 510.
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255]!;
}

/** Product in GF(2^8). */
export function gfMul(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : EXP[LOG[a]! + LOG[b]!]!;
}

/** Quotient in GF(2^8); `b` must not be 0. */
export function gfDiv(a: number, b: number): number {
  if (b === 0) throw new RangeError('division by zero in GF(256)');
  return a === 0 ? 0 : EXP[LOG[a]! + 255 - LOG[b]!]!;
}

/** Most shards one code can have: the evaluation points 0..n-1 must be distinct field elements. */
export const MAX_SHARDS = 256;

/**
 * Lagrange basis coefficient of source point `source` among `points`, evaluated at `target`:
 * prod over other points p of (target - p) / (source - p); subtraction is XOR in GF(2^8).
 */
function lagrange(points: readonly number[], source: number, target: number): number {
  let numerator = 1;
  let denominator = 1;
  for (const point of points) {
    if (point === source) continue;
    numerator = gfMul(numerator, target ^ point);
    denominator = gfMul(denominator, source ^ point);
  }
  return gfDiv(numerator, denominator);
}

/** out ^= coefficient × source, byte by byte. */
function addScaled(out: Uint8Array, source: Uint8Array, coefficient: number): void {
  if (coefficient === 0) return;
  const logC = LOG[coefficient]!;
  for (let j = 0; j < out.length; j++) {
    const value = source[j]!;
    if (value !== 0) out[j]! ^= EXP[LOG[value]! + logC]!;
  }
}

function checkParams(dataShards: number, totalShards: number): void {
  if (!Number.isSafeInteger(dataShards) || dataShards < 1)
    throw new RangeError(`dataShards must be an integer ≥ 1, got ${dataShards}`);
  if (!Number.isSafeInteger(totalShards) || totalShards < dataShards || totalShards > MAX_SHARDS)
    throw new RangeError(
      `totalShards must be an integer in ${dataShards}..${MAX_SHARDS}, got ${totalShards}`,
    );
}

/**
 * The n - k parity shards for k equally long data shards (returned in order k..n-1).
 * Throws a RangeError on bad parameters or unequal shard lengths.
 */
export function encodeParity(data: readonly Uint8Array[], totalShards: number): Uint8Array[] {
  const k = data.length;
  checkParams(k, totalShards);
  const length = data[0]!.length;
  if (data.some((shard) => shard.length !== length))
    throw new RangeError('every data shard must have the same length');
  const points = data.map((_, index) => index);
  const parity: Uint8Array[] = [];
  for (let target = k; target < totalShards; target++) {
    const out = new Uint8Array(length);
    for (let source = 0; source < k; source++)
      addScaled(out, data[source]!, lagrange(points, source, target));
    parity.push(out);
  }
  return parity;
}

/**
 * The k data shards from any k (or more) of the n shards, given as index → shard.
 * Throws a RangeError when fewer than k distinct valid shards are given or lengths differ.
 */
export function recoverData(
  shards: ReadonlyMap<number, Uint8Array>,
  dataShards: number,
  totalShards: number,
): Uint8Array[] {
  checkParams(dataShards, totalShards);
  const usable = [...shards.keys()].filter(
    (index) => Number.isInteger(index) && index >= 0 && index < totalShards,
  );
  if (usable.length < dataShards)
    throw new RangeError(`need ${dataShards} of ${totalShards} shards, got ${usable.length}`);
  // Prefer data shards: each one present is copied instead of computed.
  usable.sort((a, b) => a - b);
  const points = usable.slice(0, dataShards);
  const length = shards.get(points[0]!)!.length;
  if (points.some((index) => shards.get(index)!.length !== length))
    throw new RangeError('every shard must have the same length');
  const result: Uint8Array[] = [];
  for (let target = 0; target < dataShards; target++) {
    const present = shards.get(target);
    if (present !== undefined) {
      result.push(present);
      continue;
    }
    const out = new Uint8Array(length);
    for (const source of points) addScaled(out, shards.get(source)!, lagrange(points, source, target));
    result.push(out);
  }
  return result;
}
