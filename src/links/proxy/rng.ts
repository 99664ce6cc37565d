/**
 * The link proxy's randomness (jitter, loss): one stream per flow, seeded from the cluster's
 * seed and the flow's name, so a flow's draws do not depend on what other flows carry.
 * sfc32 seeded through an FNV-1a mix, like chainlab's own `Rng` (this program imports
 * nothing outside its folder, so it carries its own).
 */

/** A random number in [0, 1). */
export type Random = () => number;

function hash(seed: number, label: string): number {
  let h = 0x811c_9dc5 ^ seed;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x0100_0193);
  h = Math.imul(h ^ (h >>> 16), 0x85eb_ca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2_ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A deterministic stream for `label` under `seed`. */
export function seededRandom(seed: number, label: string): Random {
  let a = hash(seed, `${label}/a`);
  let b = hash(seed, `${label}/b`);
  let c = hash(seed, `${label}/c`);
  let d = 1;
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4_294_967_296;
  };
}
