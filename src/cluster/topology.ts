/**
 * Small composable topology parts for `Cluster.of(validators(4), executors(2), star())`.
 * Each returns a plain options fragment; `Cluster` merges and validates them.
 */
import type { ClusterOptions } from './options.ts';

/** `n` validators (default 3). */
export function validators(n: number): ClusterOptions {
  return { validators: n };
}

/** `m` executors (default 0). */
export function executors(m: number): ClusterOptions {
  return { executors: m };
}

/** `n` wallets funded at genesis (default 20). */
export function wallets(n: number, balance?: number): ClusterOptions {
  return balance === undefined ? { wallets: n } : { wallets: n, walletBalance: balance };
}

/** Every node dials every other node (the default). */
export function mesh(): ClusterOptions {
  return { shape: 'mesh' };
}

/** Every node dials only the first validator; discovery must find the rest. */
export function star(): ClusterOptions {
  return { shape: 'star' };
}

/** Slot schedule: slot duration (ms), active slot coefficient f and security parameter k. */
export function slots(opts: {
  slotMs?: number;
  activeSlotCoeff?: number;
  securityParam?: number;
}): ClusterOptions {
  return { ...opts };
}
