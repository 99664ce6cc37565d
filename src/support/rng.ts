/**
 * Seeded randomness. One run seed (`CHAINLAB_SEED`, else random, chosen once per process)
 * drives every random choice; each consumer forks its own stream by label so adding a
 * workload does not shift another's choices.
 *
 * The generator is sfc32 (small fast counter, 128-bit state, passes PractRand to 2^42+),
 * seeded through a 32-bit FNV-1a/murmur mix of the seed and the fork path.
 */

import { ConfigError } from './errors.ts';

let chosenSeed: number | undefined;

/** Largest seed accepted: seeds are unsigned 32-bit integers so they print and replay exactly. */
export const MAX_SEED = 0xffff_ffff;

/**
 * The seed of this run: `CHAINLAB_SEED` when set (an integer 0..2^32-1), else a random one,
 * chosen once per process and then stable.
 */
export function runSeed(): number {
  if (chosenSeed !== undefined) return chosenSeed;
  const raw = process.env.CHAINLAB_SEED;
  if (raw !== undefined && raw.trim() !== '') {
    const parsed = Number(raw);
    if (!Number.isSafeInteger(parsed) || parsed < 0 || parsed > MAX_SEED) {
      throw new ConfigError('environment', [
        { path: 'CHAINLAB_SEED', value: raw, allowed: `an integer 0..${MAX_SEED}` },
      ]);
    }
    chosenSeed = parsed;
  } else {
    chosenSeed = Math.floor(Math.random() * MAX_SEED);
  }
  return chosenSeed;
}

function mix32(h: number): number {
  let x = h >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85eb_ca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2_ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

function hashLabel(seed: number, label: string): number {
  let h = 0x811c_9dc5 ^ seed;
  for (let i = 0; i < label.length; i++) {
    h = Math.imul(h ^ label.charCodeAt(i), 0x0100_0193);
  }
  return mix32(h);
}

/** A deterministic random stream. Same seed → same sequence, on every platform. */
export class Rng {
  /** The seed this stream was created from (forks have derived seeds). */
  readonly seed: number;
  /** Fork labels from the root, for messages (`transactions/targets`). */
  readonly path: string;
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number, path = '') {
    this.seed = seed >>> 0;
    this.path = path;
    this.#a = mix32(this.seed ^ 0x9e37_79b9);
    this.#b = mix32(this.seed ^ 0x243f_6a88);
    this.#c = mix32(this.seed ^ 0xb7e1_5162);
    this.#d = 1;
    // Warm up so close seeds diverge immediately.
    for (let i = 0; i < 12; i++) this.#next32();
  }

  #next32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.#next32() / 0x1_0000_0000;
  }

  /** An integer in [min, maxInclusive]. */
  int(min: number, maxInclusive: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(maxInclusive) || maxInclusive < min) {
      throw new RangeError(`Rng.int needs integers min <= max, got ${min}..${maxInclusive}`);
    }
    return min + Math.floor(this.next() * (maxInclusive - min + 1));
  }

  /** A float in [min, max). */
  float(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /** One element of a non-empty array. */
  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new RangeError('Rng.pick needs a non-empty array');
    return xs[Math.floor(this.next() * xs.length)] as T;
  }

  /** A shuffled copy (Fisher–Yates); the input is not changed. */
  shuffle<T>(xs: readonly T[]): T[] {
    const out = xs.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = out[i] as T;
      out[i] = out[j] as T;
      out[j] = tmp;
    }
    return out;
  }

  /**
   * An independent stream derived from this stream's seed and `label` only (not from how
   * many numbers were drawn), so forks are stable whatever order consumers start in.
   */
  fork(label: string): Rng {
    const path = this.path === '' ? label : `${this.path}/${label}`;
    return new Rng(hashLabel(this.seed, label), path);
  }
}
