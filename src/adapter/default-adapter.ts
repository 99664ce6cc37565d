/**
 * The chain a cluster runs when its options name none: refnode, chainlab's reference
 * node. This is the one place outside src/adapter/refnode/ that names it.
 */
import { refnodeAdapter } from './refnode/adapter.ts';
import type { ChainAdapter } from './types.ts';

let shared: ChainAdapter | undefined;

/** The default adapter (one shared instance; adapters hold no per-cluster state). */
export function defaultAdapter(): ChainAdapter {
  shared ??= refnodeAdapter();
  return shared;
}
